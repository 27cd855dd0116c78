"""Each resource facade calls its route (method, path, query, body) and parses the answer."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from avatars import ApiClient

NOW = "2026-01-01T00:00:00Z"
JOB = {
    "name": "j1",
    "set_name": "s1",
    "display_name": "demo",
    "parameters_name": "standard",
    "kind": "standard",
    "status": "finished",
    "progress": 1.0,
    "phase": None,
    "exception": None,
    "done": True,
    "created_at": NOW,
    "started_at": NOW,
    "finished_at": NOW,
    "depends_on": [],
}
KEY = {"id": "k1", "name": "laptop", "created_at": NOW, "expires_at": None}
USER = {"id": "u1", "username": "admin", "email": None, "is_admin": True, "created_at": NOW}
DATASET = {"name": "wbcd.csv", "size": 3, "sha256": "ab", "created_at": NOW}
SET = {"set_name": "s1", "display_name": "demo", "created_at": NOW}

# (call, method, path, status, answer body, check of the parsed result)
Case = tuple[Callable[[ApiClient], Any], str, str, int, Any, Callable[[Any], bool]]
CASES: list[Case] = [
    (lambda c: c.health.get_health(), "GET", "/api/health", 200,
     {"status": "ok", "version": "1"}, lambda r: r.version == "1"),
    (lambda c: c.health.get_health_db(), "GET", "/api/health/db", 200,
     {"status": "ok", "database": "sqlite"}, lambda r: r.database == "sqlite"),
    (lambda c: c.compatibility.check_client("0.1"), "GET", "/api/check_client", 200,
     {"status": "unknown", "message": "m", "most_recent_compatible_client": "1"},
     lambda r: r.status == "unknown"),
    (lambda c: c.auth.login("u", "p"), "POST", "/api/login", 200,
     {"access_token": "a", "refresh_token": "r", "token_type": "bearer"},
     lambda r: r.access_token == "a"),
    (lambda c: c.auth.refresh("r"), "POST", "/api/refresh", 200,
     {"access_token": "a2", "refresh_token": "r2", "token_type": "bearer"},
     lambda r: r.refresh_token == "r2"),
    (lambda c: c.api_keys.create_api_key("laptop", 30), "POST", "/api/api-keys", 201,
     {**KEY, "key": "secret"}, lambda r: r.key == "secret"),
    (lambda c: c.api_keys.get_api_keys(), "GET", "/api/api-keys", 200,
     {"api_keys": [{**KEY, "revoked_at": None}]}, lambda r: r.api_keys[0].name == "laptop"),
    (lambda c: c.api_keys.revoke_api_key("k1"), "DELETE", "/api/api-keys/k1", 204, None,
     lambda r: r is None),
    (lambda c: c.datasets.get_datasets(), "GET", "/api/datasets", 200,
     {"datasets": [DATASET]}, lambda r: r.datasets[0].size == 3),
    (lambda c: c.datasets.get_dataset("wbcd.csv"), "GET", "/api/datasets/wbcd.csv", 200,
     DATASET, lambda r: r.name == "wbcd.csv"),
    (lambda c: c.datasets.delete_dataset("wbcd.csv"), "DELETE", "/api/datasets/wbcd.csv", 204,
     None, lambda r: r is None),
    (lambda c: c.resources.put_resources("demo", "kind: AvatarMetadata\n"), "PUT",
     "/api/resources/demo", 201, SET, lambda r: r.set_name == "s1"),
    (lambda c: c.resources.get_resources("s1"), "GET", "/api/resources/s1", 200,
     "kind: AvatarMetadata\n", lambda r: r == "kind: AvatarMetadata\n"),
    (lambda c: c.jobs.create_job("s1", "privacy_metrics", ["j0"]), "POST", "/api/jobs", 201,
     {"name": "j1", "Location": "/api/jobs/j1"}, lambda r: r.location == "/api/jobs/j1"),
    (lambda c: c.jobs.get_jobs(display_name="demo", limit=5), "GET", "/api/jobs", 200,
     {"jobs": [JOB], "total": 1}, lambda r: r.jobs[0].name == "j1"),
    (lambda c: c.jobs.get_job("j1"), "GET", "/api/jobs/j1", 200, JOB, lambda r: r.done),
    (lambda c: c.jobs.cancel_job("j1"), "POST", "/api/jobs/j1/cancel", 200, JOB,
     lambda r: r.name == "j1"),
    (lambda c: c.jobs.bulk_delete_jobs(["j1"]), "POST", "/api/jobs/bulk-delete", 200,
     {"deleted_jobs": ["j1"], "failed_jobs": []}, lambda r: r.deleted_jobs == ["j1"]),
    (lambda c: c.results.get_results("j1"), "GET", "/api/results/j1", 200,
     {"shuffled": ["wbcd.shuffled.csv"]}, lambda r: r == {"shuffled": ["wbcd.shuffled.csv"]}),
    (lambda c: c.users.get_me(), "GET", "/api/users/me", 200, USER, lambda r: r.is_admin),
    (lambda c: c.users.get_users(), "GET", "/api/users", 200, {"users": [USER]},
     lambda r: len(r.users) == 1),
    (lambda c: c.users.get_user("u1"), "GET", "/api/users/u1", 200, USER,
     lambda r: r.id == "u1"),
    (lambda c: c.users.create_user("alice", "a-long-passw0rd"), "POST", "/api/users", 201,
     {**USER, "username": "alice"}, lambda r: r.username == "alice"),
]


@pytest.mark.parametrize(
    ("call", "method", "path", "status", "answer", "check"),
    CASES,
    ids=[f"{c[1]} {c[2]}" for c in CASES],
)
def test_facade_route(
    call: Callable[[ApiClient], Any],
    method: str,
    path: str,
    status: int,
    answer: Any,
    check: Callable[[Any], bool],
) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if answer is None:
            return httpx.Response(status)
        if isinstance(answer, str):
            return httpx.Response(status, text=answer, headers={"Content-Type": "text/yaml"})
        return httpx.Response(status, json=answer)

    client = ApiClient(
        "http://avatars.test",
        api_key="k",
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    result = call(client)
    assert [(r.method, r.url.path) for r in seen] == [(method, path)]
    assert check(result)


def test_bodies_and_queries() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"name": "j1", "Location": "/api/jobs/j1"})

    client = ApiClient(
        "http://avatars.test",
        api_key="k",
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    client.jobs.create_job("s1", "report", ["a", "b"], idempotency_key="key-1")
    assert json.loads(seen[0].content) == {
        "set_name": "s1",
        "parameters_name": "report",
        "depends_on": ["a", "b"],
    }
    assert seen[0].headers["Idempotency-Key"] == "key-1"
    with pytest.raises(ValueError, match="at most 100"):
        client.jobs.bulk_delete_jobs([str(n) for n in range(101)])
