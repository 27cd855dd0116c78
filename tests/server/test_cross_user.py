"""Per-user isolation: every endpoint that takes an id or a name, called with another user's
object, answers 404 exactly as for an object that does not exist (and changes nothing);
admin-only endpoints answer 403 to ordinary users."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from server_support import (
    WBCD_CSV,
    WBCD_YAML,
    TestClient,
    put_resource_set,
    started_server,
    upload_dataset,
)

pytestmark = [pytest.mark.slow, pytest.mark.server]  # workers are processes

PRIVATE = "private-data.csv"
GHOST = "00000000-0000-4000-8000-000000000000"


@dataclass
class Owned:
    """Alice's objects and the clients of alice, bob and the admin."""

    alice: TestClient
    bob: TestClient
    admin: TestClient
    dataset: str
    set_name: str
    job: str
    running_job: str
    result_file: str
    key_id: str
    alice_id: str


def wait_done(client: TestClient, name: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{name}", params={"wait": 10}).json()
        if job["done"]:
            return dict(job)
    raise AssertionError(f"job {name} did not finish: {job}")


@pytest.fixture(scope="module")
def owned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Owned]:
    with started_server(tmp_path_factory.mktemp("cross_user")) as harness:
        alice, bob, admin = harness.user("alice"), harness.user("bob"), harness.admin()
        upload_dataset(alice, WBCD_CSV, PRIVATE)
        upload_dataset(alice, WBCD_CSV, "wbcd.csv")
        upload_dataset(bob, WBCD_CSV, "wbcd.csv")
        set_name = put_resource_set(alice, WBCD_YAML, "alice-display")
        created = alice.post(
            "/api/jobs", json={"set_name": set_name, "parameters_name": "standard"}
        )
        assert created.status_code == 201, created.text
        job = created.json()["name"]
        finished = wait_done(alice, job)
        assert finished["status"] == "finished", finished
        files = alice.get(f"/api/results/{job}").json()
        result_file = files["shuffled"][0]
        queued = alice.post(
            "/api/jobs",
            json={"set_name": set_name, "parameters_name": "signal_metrics", "depends_on": [job]},
        )
        assert queued.status_code == 201, queued.text
        key = alice.post("/api/api-keys", json={"name": "second"})
        assert key.status_code == 201, key.text
        yield Owned(
            alice=alice,
            bob=bob,
            admin=admin,
            dataset=PRIVATE,
            set_name=set_name,
            job=job,
            running_job=queued.json()["name"],
            result_file=result_file,
            key_id=key.json()["id"],
            alice_id=alice.get("/api/users/me").json()["id"],
        )


# (method, path template, JSON body template); {x} are filled from Owned, {ghost} from GHOST
MATRIX: list[tuple[str, str, Any]] = [
    ("GET", "/api/datasets/{dataset}", None),
    ("GET", "/api/datasets/{dataset}/content", None),
    ("DELETE", "/api/datasets/{dataset}", None),
    ("GET", "/api/resources/{set_name}", None),
    ("POST", "/api/jobs", {"set_name": "{set_name}", "parameters_name": "standard"}),
    (
        "POST",
        "/api/jobs",
        {"set_name": "{bob_set}", "parameters_name": "privacy_metrics", "depends_on": ["{job}"]},
    ),
    ("GET", "/api/jobs/{job}", None),
    ("GET", "/api/jobs/{job}?wait=1", None),
    ("POST", "/api/jobs/{job}/cancel", None),
    ("POST", "/api/jobs/{running_job}/cancel", None),
    ("GET", "/api/results/{job}", None),
    ("GET", "/api/results/{job}/{result_file}", None),
    ("DELETE", "/api/api-keys/{key_id}", None),
]


def fill(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, list):
        return [fill(v, names) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, names) for k, v in value.items()}
    return value


def names_of(owned: Owned, bob_set: str) -> dict[str, str]:
    return {
        "dataset": owned.dataset,
        "set_name": owned.set_name,
        "job": owned.job,
        "running_job": owned.running_job,
        "result_file": owned.result_file,
        "key_id": owned.key_id,
        "bob_set": bob_set,
    }


@pytest.fixture(scope="module")
def bob_set(owned: Owned) -> str:
    return put_resource_set(owned.bob, WBCD_YAML, "bob-display")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [pytest.param(m, p, b, id=f"{m} {p} {'body' if b else ''}".strip()) for m, p, b in MATRIX],
)
def test_other_users_objects_answer_404_like_missing_ones(
    owned: Owned, bob_set: str, method: str, path: str, body: Any
) -> None:
    names = names_of(owned, bob_set)
    response = owned.bob.request(method, fill(path, names), json=fill(body, names))
    assert response.status_code == 404, (response.status_code, response.text[:300])
    answer = response.json()
    assert set(answer) == {"detail", "code"}
    # the same request on an object that does not exist gives the same code
    ghost_names = {k: (v if k == "bob_set" else GHOST) for k, v in names.items()}
    ghost = owned.bob.request(method, fill(path, ghost_names), json=fill(body, ghost_names))
    assert ghost.status_code == 404
    assert ghost.json()["code"] == answer["code"]
    # and the same message once the requested names are blanked out: nothing hints at alice
    assert _blank(answer["detail"], names) == _blank(ghost.json()["detail"], ghost_names)
    assert "alice" not in answer["detail"].lower()


def _blank(detail: str, names: dict[str, str]) -> str:
    for value in sorted(names.values(), key=len, reverse=True):
        detail = detail.replace(value, "<name>")
    return detail


def test_nothing_of_alice_changed_after_the_matrix(owned: Owned, bob_set: str) -> None:
    for method, path, body in MATRIX:
        names = names_of(owned, bob_set)
        owned.bob.request(method, fill(path, names), json=fill(body, names))
    alice = owned.alice
    assert alice.get(f"/api/datasets/{owned.dataset}").status_code == 200
    content = alice.get(f"/api/datasets/{owned.dataset}/content")
    assert content.content == WBCD_CSV.read_bytes()
    assert alice.get(f"/api/resources/{owned.set_name}").text == WBCD_YAML
    job = alice.get(f"/api/jobs/{owned.job}").json()
    assert job["status"] == "finished"
    assert alice.get(f"/api/jobs/{owned.running_job}").json()["status"] != "cancelled"
    assert alice.get(f"/api/results/{owned.job}/{owned.result_file}").status_code == 200
    keys = {k["id"]: k for k in alice.get("/api/api-keys").json()["api_keys"]}
    assert keys[owned.key_id]["revoked_at"] is None


def test_bulk_delete_of_other_users_jobs_deletes_nothing(owned: Owned) -> None:
    response = owned.bob.post("/api/jobs/bulk-delete", json={"job_names": [owned.job, GHOST]})
    assert response.status_code == 200, response.text
    assert response.json()["deleted_jobs"] == []
    assert sorted(response.json()["failed_jobs"]) == sorted([owned.job, GHOST])
    assert owned.alice.get(f"/api/jobs/{owned.job}").status_code == 200


def test_listings_never_show_other_users_objects(owned: Owned, bob_set: str) -> None:
    bob = owned.bob
    assert {d["name"] for d in bob.get("/api/datasets").json()["datasets"]} == {"wbcd.csv"}
    for query in ({"set_name": owned.set_name}, {"display_name": "alice-display"}, {}):
        jobs = bob.get("/api/jobs", params=query).json()
        assert owned.job not in {j["name"] for j in jobs["jobs"]}
        if query:
            assert jobs["total"] == 0
    key_ids = {k["id"] for k in bob.get("/api/api-keys").json()["api_keys"]}
    assert owned.key_id not in key_ids


def test_same_dataset_name_is_a_separate_object_per_user(owned: Owned) -> None:
    response = owned.bob.put(
        f"/api/datasets/{owned.dataset}",
        content=b"x,y\n1,2\n3,4\n",
        headers={"Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 201, response.text
    alice_copy = owned.alice.get(f"/api/datasets/{owned.dataset}/content")
    assert alice_copy.content == WBCD_CSV.read_bytes()
    bob_copy = owned.bob.get(f"/api/datasets/{owned.dataset}/content")
    assert bob_copy.content == b"x,y\n1,2\n3,4\n"
    assert owned.bob.delete(f"/api/datasets/{owned.dataset}").status_code == 204
    assert owned.alice.get(f"/api/datasets/{owned.dataset}").status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        pytest.param("GET", "/api/users", None, id="list users"),
        pytest.param(
            "POST",
            "/api/users",
            {"username": "mallory", "password": "a long enough password"},
            id="create user",
        ),
        pytest.param("GET", "/api/users/{alice_id}", None, id="get user"),
        pytest.param("GET", "/api/users/{ghost}", None, id="get missing user"),
    ],
)
def test_admin_endpoints_are_forbidden_to_ordinary_users(
    owned: Owned, method: str, path: str, body: Any
) -> None:
    url = path.format(alice_id=owned.alice_id, ghost=GHOST)
    response = owned.bob.request(method, url, json=body)
    assert response.status_code == 403, response.text
    assert response.json()["code"]
    admin = owned.admin.request(method, url, json=body)
    assert admin.status_code in (200, 201, 404), admin.text


def test_revoked_key_of_one_user_does_not_touch_the_other(owned: Owned) -> None:
    created = owned.bob.post("/api/api-keys", json={"name": "temporary"}).json()
    assert owned.bob.delete(f"/api/api-keys/{created['id']}").status_code == 204
    assert owned.alice.get("/api/users/me").status_code == 200
    revoked = owned.alice.get(
        "/api/users/me", headers={"Authorization": f"api-key-v1 {created['key']}"}
    )
    assert revoked.status_code == 401
