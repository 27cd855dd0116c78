"""Malformed input of every kind: each gets a 4xx whose ``detail`` says what to fix.

Requests that are syntactically fine but carry data the server can only judge while running
(unparseable values, broken CSV rows) must end the job in ``error`` with a clear ``exception``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from server_support import (
    WBCD_CSV,
    WBCD_YAML,
    ServerHarness,
    TestClient,
    put_resource_set,
    started_server,
    upload_dataset,
)

pytestmark = [pytest.mark.slow, pytest.mark.server]  # workers are processes

MAX_UPLOAD = 200_000
MAX_YAML = 20_000


@dataclass
class World:
    """A started server with an admin (owning wbcd.csv) and an ordinary user ``bob``."""

    harness: ServerHarness
    admin: TestClient
    bob: TestClient
    anonymous: TestClient
    set_name: str
    bob_job: str


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("malformed")
    with started_server(
        folder, max_upload_bytes=MAX_UPLOAD, max_resource_set_bytes=MAX_YAML
    ) as harness:
        admin = harness.admin()
        bob = harness.user("bob")
        upload_dataset(admin, WBCD_CSV, "wbcd.csv")
        upload_dataset(bob, WBCD_CSV, "wbcd.csv")
        set_name = put_resource_set(admin, WBCD_YAML)
        bob_set = put_resource_set(bob, WBCD_YAML)
        created = bob.post(
            "/api/jobs", json={"set_name": bob_set, "parameters_name": "advice", "depends_on": []}
        )
        assert created.status_code == 201, created.text
        yield World(
            harness=harness,
            admin=admin,
            bob=bob,
            anonymous=harness.anonymous(),
            set_name=set_name,
            bob_job=created.json()["name"],
        )


def assert_error(response: Any, statuses: tuple[int, ...], *words: str) -> dict[str, Any]:
    """The answer is one of ``statuses``, shaped {detail, code}, detail naming ``words``."""
    assert response.status_code in statuses, (response.status_code, response.text[:500])
    body = response.json()
    assert isinstance(body.get("detail"), str), body
    assert body["detail"], body
    assert isinstance(body.get("code"), str), body
    assert body["code"], body
    detail = body["detail"].lower()
    for word in words:
        assert word.lower() in detail, (word, body["detail"])
    assert "traceback" not in detail
    return dict(body)


def replace(old: str, new: str) -> str:
    assert old in WBCD_YAML, old
    return WBCD_YAML.replace(old, new)


# --------------------------------------------------------------------------- datasets


@pytest.mark.parametrize(
    ("raw_name", "statuses", "words"),
    [
        pytest.param("%2e%2e", (422,), ("name",), id="encoded dot-dot"),
        pytest.param("..", (404, 422), (), id="dot-dot"),
        pytest.param("..%2Fescape.csv", (404, 422), (), id="encoded slash"),
        pytest.param("%2Fetc%2Fpasswd", (404, 422), (), id="absolute path"),
        pytest.param("a%00b.csv", (422,), ("name",), id="NUL byte"),
        pytest.param("..%5Cwin.csv", (422,), ("name",), id="backslash"),
        pytest.param("x" * 300 + ".csv", (422,), ("name",), id="very long name"),
        pytest.param(".hidden", (422,), ("name",), id="leading dot"),
        pytest.param("a%0Ab.csv", (422,), ("name",), id="newline"),
    ],
)
def test_path_tricks_in_dataset_names_are_refused(
    world: World, raw_name: str, statuses: tuple[int, ...], words: tuple[str, ...]
) -> None:
    response = world.admin.put(
        f"/api/datasets/{raw_name}",
        content=b"a,b\n1,2\n",
        headers={"Content-Type": "application/octet-stream"},
    )
    assert_error(response, statuses, *words)
    listed = world.admin.get("/api/datasets").json()["datasets"]
    assert {d["name"] for d in listed} == {"wbcd.csv"}
    data_dir = world.harness.settings.data_dir
    assert not (data_dir.parent / "escape.csv").exists()


def test_oversized_upload_gets_413_and_leaves_nothing(world: World) -> None:
    response = world.admin.put(
        "/api/datasets/big.csv",
        content=b"a,b\n" + b"1,2\n" * (MAX_UPLOAD // 4 + 10),
        headers={"Content-Type": "application/octet-stream"},
    )
    assert_error(response, (413,), str(MAX_UPLOAD))
    assert world.admin.get("/api/datasets/big.csv").status_code == 404


@pytest.mark.parametrize(
    ("digest", "words"),
    [
        pytest.param("md5=abc", ("sha-256",), id="unsupported algorithm"),
        pytest.param("sha-256=:not base64!:", ("sha-256",), id="garbage digest"),
        pytest.param(
            "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:", ("digest",), id="mismatch"
        ),
    ],
)
def test_bad_content_digest_is_refused(world: World, digest: str, words: tuple[str, ...]) -> None:
    response = world.admin.put(
        "/api/datasets/digest.csv",
        content=b"a,b\n1,2\n",
        headers={"Content-Type": "application/octet-stream", "Content-Digest": digest},
    )
    assert_error(response, (400, 422), *words)
    assert world.admin.get("/api/datasets/digest.csv").status_code == 404


def upload(world: World, name: str, content: bytes) -> None:
    response = world.admin.put(
        f"/api/datasets/{name}",
        content=content,
        headers={"Content-Type": "application/octet-stream"},
    )
    assert response.status_code in (201, 422), response.text


def single_table_yaml(file: str, columns: str = "", k: int = 2) -> str:
    return f"""\
kind: AvatarSchema
metadata: {{name: schema}}
spec:
  tables:
  - name: t
    data: {{volume: input, file: {file}}}
    columns: [{columns}]
---
kind: AvatarParameters
metadata: {{name: standard}}
spec:
  schema: schema
  avatarization:
    t: {{k: {k}, ncp: 1}}
"""


@pytest.mark.parametrize(
    ("content", "words"),
    [
        pytest.param(b"", ("empty",), id="empty file"),
        pytest.param(b"\x00\x01\x02PK\x03\x04" * 50, ("binary",), id="binary garbage"),
        pytest.param(b"a,a\n1,2\n", ("twice",), id="duplicate header"),
        pytest.param(b"\n\n1,2\n", ("header",), id="no header"),
    ],
)
def test_unreadable_dataset_is_refused_at_upload_or_when_the_set_is_stored(
    world: World, content: bytes, words: tuple[str, ...]
) -> None:
    world.admin.delete("/api/datasets/unreadable.csv")
    response = world.admin.put(
        "/api/datasets/unreadable.csv",
        content=content,
        headers={"Content-Type": "application/octet-stream"},
    )
    if response.status_code == 201:
        response = world.admin.put(
            "/api/resources/bad-data",
            content=single_table_yaml("unreadable.csv").encode(),
            headers={"Content-Type": "text/yaml"},
        )
    assert_error(response, (422,), *words)


def test_utf16_dataset_with_bom_is_accepted(world: World) -> None:
    upload(world, "utf16.csv", "a,b\n1,x\n2,y\n3,x\n".encode("utf-16"))
    response = world.admin.put(
        "/api/resources/utf16",
        content=single_table_yaml("utf16.csv").encode(),
        headers={"Content-Type": "text/yaml"},
    )
    assert response.status_code == 201, response.text


# --------------------------------------------------------------------------- resource sets

BOMB = "\n".join(
    ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    + [
        f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}" if i > 1 else "*a"] * 9) + "]"
        for i in range(1, 9)
    ]
)

RESOURCE_CASES = [
    ("invalid yaml", "kind: [unclosed\n", ("invalid yaml", "line")),
    ("yaml bomb", BOMB, ("anchors",)),
    ("python tag", "kind: !!python/object/apply:os.system [id]\n", ("tags",)),
    (
        "unknown kind",
        replace("kind: AvatarReportParameters", "kind: AvatarMagic"),
        ("avatarmagic",),
    ),
    (
        "unknown field",
        replace("wbcd: {k: 15, ncp: 5}", "wbcd: {k: 15, ncp: 5, kk: 1}"),
        ("spec.avatarization.wbcd.kk", "unknown field"),
    ),
    ("k=0", replace("wbcd: {k: 15, ncp: 5}", "wbcd: {k: 0, ncp: 5}"), ("wbcd.k",)),
    ("k=1", replace("wbcd: {k: 15, ncp: 5}", "wbcd: {k: 1, ncp: 5}"), ("wbcd.k",)),
    ("ncp=0", replace("wbcd: {k: 15, ncp: 5}", "wbcd: {k: 15, ncp: 0}"), ("wbcd.ncp",)),
    (
        "negative weight",
        replace("wbcd: {k: 15, ncp: 5}", "wbcd: {k: 15, column_weights: {Class: -2}}"),
        ("column_weights.class",),
    ),
    (
        "unknown imputation",
        replace("wbcd: {k: 15, ncp: 5}", "wbcd: {k: 15, imputation: {method: magic}}"),
        ("imputation.method",),
    ),
    ("unknown type", replace("type: category}", "type: text}"), ("type",)),
    ("missing dataset", replace("file: wbcd.csv", "file: nothere.csv"), ("nothere.csv", "upload")),
    (
        "missing column",
        replace("field: Class, type: category", "field: Klass, type: category"),
        ("klass", "not in the dataset"),
    ),
    (
        "missing table",
        replace("wbcd: {k: 15, ncp: 5}", "wbcd: {k: 15}\n    ghost: {k: 3}"),
        ("ghost",),
    ),
    ("bad schema ref", replace("schema_ref: schema", "schema_ref: nowhere"), ("nowhere",)),
    ("dataset path trick", replace("file: wbcd.csv", "file: ../wbcd.csv"), ("data.file",)),
    ("absolute dataset", replace("file: wbcd.csv", "file: /etc/passwd"), ("data.file",)),
    ("table path trick", replace("- name: wbcd\n    data", "- name: ../x\n    data"), ("name",)),
    ("empty body", "", ("empty",)),
    ("list document", "- 1\n- 2\n", ("mapping",)),
]


@pytest.mark.parametrize(
    ("text", "words"), [pytest.param(t, w, id=i) for i, t, w in RESOURCE_CASES]
)
def test_invalid_resource_sets_get_422_naming_the_problem(
    world: World, text: str, words: tuple[str, ...]
) -> None:
    response = world.admin.put(
        "/api/resources/broken", content=text.encode(), headers={"Content-Type": "text/yaml"}
    )
    assert_error(response, (422,), *words)


def test_oversized_resource_set_gets_413(world: World) -> None:
    text = WBCD_YAML + "\n# padding\n" + "#" * MAX_YAML
    response = world.admin.put(
        "/api/resources/huge", content=text.encode(), headers={"Content-Type": "text/yaml"}
    )
    assert_error(response, (413, 422), str(MAX_YAML))


def test_resource_set_in_wrong_encoding_is_refused(world: World) -> None:
    response = world.admin.put(
        "/api/resources/latin",
        content=WBCD_YAML.replace("demo", "d\xe9mo").encode("latin-1"),
        headers={"Content-Type": "text/yaml"},
    )
    assert_error(response, (400, 422), "utf-8")


def test_resource_set_with_wrong_content_type_is_refused(world: World) -> None:
    response = world.admin.put(
        "/api/resources/json",
        content=b'{"kind": "AvatarSchema"}',
        headers={"Content-Type": "application/json"},
    )
    assert_error(response, (415,), "yaml")


@pytest.mark.parametrize(
    "display_name", [pytest.param("a%00b", id="NUL"), pytest.param("x" * 300, id="too long")]
)
def test_bad_display_names_are_refused(world: World, display_name: str) -> None:
    response = world.admin.put(
        f"/api/resources/{display_name}",
        content=WBCD_YAML.encode(),
        headers={"Content-Type": "text/yaml"},
    )
    assert_error(response, (422,), "display_name")


# --------------------------------------------------------------------------- jobs


def post_job(client: TestClient, body: Any, **kwargs: Any) -> Any:
    return client.post("/api/jobs", json=body, **kwargs)


def test_job_body_that_is_not_json_is_refused(world: World) -> None:
    response = world.admin.post(
        "/api/jobs", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert_error(response, (400, 422), "json")


def test_job_body_with_wrong_types_names_the_field(world: World) -> None:
    response = post_job(world.admin, {"set_name": 5, "parameters_name": ["x"]})
    assert_error(response, (422,), "set_name")


def test_job_body_with_wrong_content_type_is_refused(world: World) -> None:
    response = world.admin.post(
        "/api/jobs",
        content=b"set_name=x&parameters_name=standard",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_error(response, (415, 422))


def test_job_on_unknown_set_is_404(world: World) -> None:
    response = post_job(world.admin, {"set_name": "nope", "parameters_name": "standard"})
    assert_error(response, (404,), "resource set")


def test_job_with_unknown_parameters_name_lists_the_available_ones(world: World) -> None:
    response = post_job(world.admin, {"set_name": world.set_name, "parameters_name": "nope"})
    assert_error(response, (404, 422), "nope", "standard")


def test_job_depending_on_unknown_job_is_refused(world: World) -> None:
    response = post_job(
        world.admin,
        {"set_name": world.set_name, "parameters_name": "privacy_metrics", "depends_on": ["x"]},
    )
    assert_error(response, (404, 422), "job")


def test_job_depending_on_another_users_job_looks_unknown(world: World) -> None:
    response = post_job(
        world.admin,
        {
            "set_name": world.set_name,
            "parameters_name": "standard",
            "depends_on": [world.bob_job],
        },
    )
    body = assert_error(response, (404,), "job")
    assert "bob" not in body["detail"].lower()


def test_metrics_job_without_its_standard_parent_is_refused(world: World) -> None:
    response = post_job(
        world.admin, {"set_name": world.set_name, "parameters_name": "signal_metrics"}
    )
    assert_error(response, (422,), "standard")


def test_bulk_delete_of_more_than_100_names_is_refused(world: World) -> None:
    response = world.admin.post(
        "/api/jobs/bulk-delete", json={"job_names": [f"job-{i}" for i in range(101)]}
    )
    assert_error(response, (422,), "job_names")


def test_reused_idempotency_key_with_another_body_conflicts(world: World) -> None:
    headers = {"Idempotency-Key": "malformed-key-1"}
    first = post_job(
        world.admin, {"set_name": world.set_name, "parameters_name": "advice"}, headers=headers
    )
    assert first.status_code == 201, first.text
    second = post_job(
        world.admin, {"set_name": world.set_name, "parameters_name": "standard"}, headers=headers
    )
    assert_error(second, (409, 422), "idempotency-key")


@pytest.mark.parametrize(
    ("method", "path", "statuses", "words"),
    [
        pytest.param("GET", "/api/jobs/nope", (404,), ("nope",), id="get unknown job"),
        pytest.param("POST", "/api/jobs/nope/cancel", (404,), ("nope",), id="cancel unknown"),
        pytest.param("GET", "/api/results/nope", (404,), ("nope",), id="results unknown"),
        pytest.param("GET", "/api/results/nope/x.csv", (404,), (), id="result file unknown"),
        pytest.param("GET", "/api/jobs?limit=-1", (422,), ("limit",), id="negative limit"),
        pytest.param("GET", "/api/jobs?offset=abc", (422,), ("offset",), id="text offset"),
        pytest.param("GET", "/api/resources/nope", (404,), ("nope",), id="unknown set"),
        pytest.param("GET", "/api/datasets/nope.csv", (404,), ("nope.csv",), id="unknown dataset"),
        pytest.param("DELETE", "/api/api-keys/nope", (404,), (), id="unknown api key"),
        pytest.param("GET", "/api/nowhere", (404,), (), id="unknown route"),
        pytest.param("PATCH", "/api/jobs", (405,), (), id="wrong method"),
    ],
)
def test_unknown_objects_and_bad_queries(
    world: World, method: str, path: str, statuses: tuple[int, ...], words: tuple[str, ...]
) -> None:
    assert_error(world.admin.request(method, path), statuses, *words)


@pytest.mark.parametrize("wait", ["-1", "soon", "nan"])
def test_bad_wait_values_are_refused(world: World, wait: str) -> None:
    response = world.bob.get(f"/api/jobs/{world.bob_job}", params={"wait": wait})
    assert_error(response, (422,), "wait")


def test_result_file_path_tricks_are_refused(world: World) -> None:
    for trick in ("..%2F..%2Fcredentials.json", "%2e%2e", "a%00b"):
        response = world.bob.get(f"/api/results/{world.bob_job}/{trick}")
        assert_error(response, (404, 422))


# --------------------------------------------------------------------------- auth and accounts


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(None, id="no header"),
        pytest.param("Bearer not-a-jwt", id="garbage jwt"),
        pytest.param("api-key-v1 wrong", id="wrong key"),
        pytest.param("Basic YWRtaW46YWRtaW4=", id="basic auth"),
        pytest.param("api-key-v1", id="empty key"),
    ],
)
def test_bad_credentials_get_401(world: World, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = world.anonymous.get("/api/datasets", headers=headers)
    assert_error(response, (401,))


def test_login_with_json_instead_of_form_is_refused(world: World) -> None:
    response = world.anonymous.post("/api/login", json={"username": "a", "password": "b"})
    assert_error(response, (401, 422))


def test_api_key_with_bad_expiration_is_refused(world: World) -> None:
    response = world.bob.post("/api/api-keys", json={"name": "k", "expiration_days": 0})
    assert_error(response, (422,), "expiration_days")


def test_user_with_short_password_is_refused(world: World) -> None:
    response = world.admin.post("/api/users", json={"username": "eve", "password": "short"})
    assert_error(response, (422,), "password")


# --------------------------------------------------------------------------- failures at run time


def run_to_end(client: TestClient, set_name: str, parameters: str = "standard") -> dict[str, Any]:
    created = post_job(client, {"set_name": set_name, "parameters_name": parameters})
    assert created.status_code == 201, created.text
    return wait_done(client, created.json()["name"])


def wait_done(client: TestClient, name: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{name}", params={"wait": 10}).json()
        if job["done"]:
            return dict(job)
    raise AssertionError(f"job {name} did not finish: {job}")


@pytest.mark.parametrize(
    ("content", "columns", "k", "words"),
    [
        pytest.param(
            b"age,kind\n1,a\nold,b\n3,a\n4,b\n",
            "{field: age, type: int}",
            2,
            ("column 'age'", "row 2", "not a number"),
            id="unparseable number",
        ),
        pytest.param(
            b"when,kind\n2020-01-01,a\nsoon,b\n2020-01-03,a\n",
            "{field: when, type: datetime}",
            2,
            ("column 'when'", "not a date"),
            id="unparseable date",
        ),
        pytest.param(
            b"a,b\n" + b"y" * 120_000 + b",1\n2,3\n4,5\n", "", 2, ("characters",), id="huge field"
        ),
    ],
)
def test_data_problems_end_the_job_in_error_with_a_clear_message(
    world: World, content: bytes, columns: str, k: int, words: tuple[str, ...]
) -> None:
    upload(world, "runtime.csv", content)
    set_name = put_resource_set(
        world.admin, single_table_yaml("runtime.csv", columns, k=k), "runtime"
    )
    job = run_to_end(world.admin, set_name)
    assert job["status"] == "error", job
    message = (job["exception"] or "").lower()
    for word in words:
        assert word.lower() in message, (word, job["exception"])
    assert "traceback" not in message
    results = world.admin.get(f"/api/results/{job['name']}")
    assert results.status_code in (200, 404, 409)
    if results.status_code == 200:
        assert not any(results.json().values())


@pytest.mark.parametrize(
    ("content", "words"),
    [
        pytest.param(b"a,b\n1,2\n3,4,5\n6,7\n", ("line 3 has 3 field(s)",), id="ragged rows"),
        pytest.param(
            b"a,b\n1,2,3\n4\n6,7\n", ("line 2 has 3 field(s)", "line 3 has 1"),
            id="first row too long, second too short",
        ),
        pytest.param(b'a,b\n1,2\n"3,4\n', ("never closed",), id="unterminated quote"),
        pytest.param(b"a,b\n", ("no data row",), id="header only"),
    ],
)
def test_unusable_files_are_refused_at_upload(
    world: World, content: bytes, words: tuple[str, ...]
) -> None:
    response = world.admin.put("/api/datasets/unusable.csv", content=content)
    assert response.status_code == 422
    detail = response.json()["detail"]
    for word in words:
        assert word in detail, (word, detail)
    assert world.admin.get("/api/datasets/unusable.csv").status_code == 404


def test_deleted_dataset_before_the_run_fails_clearly(world: World) -> None:
    upload(world, "vanishing.csv", b"a,b\n1,x\n2,y\n3,x\n4,y\n")
    set_name = put_resource_set(world.admin, single_table_yaml("vanishing.csv"), "vanishing")
    assert world.admin.delete("/api/datasets/vanishing.csv").status_code == 204
    created = post_job(world.admin, {"set_name": set_name, "parameters_name": "standard"})
    if created.status_code == 201:
        job = wait_done(world.admin, created.json()["name"])
        assert job["status"] == "error"
        assert "upload" in (job["exception"] or "").lower()
    else:
        assert_error(created, (404, 409, 422), "vanishing.csv")


def test_k_larger_than_the_table_is_refused_before_any_job(world: World) -> None:
    upload(world, "small.csv", b"a,b\n1,x\n2,y\n")
    response = world.admin.put(
        "/api/resources/too-small",
        content=single_table_yaml("small.csv", "", k=5).encode(),
        headers={"Content-Type": "text/yaml"},
    )
    body = assert_error(response, (422,), "k=5", "add rows")
    assert body["code"] == "too_few_rows"
    assert world.admin.get("/api/resources/too-small").status_code == 404
