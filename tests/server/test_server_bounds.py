"""Every numeric query parameter is bounded: out-of-range values get a 4xx, never a 500;
the login lock-out is per client address and user name, and never blocks API keys."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from server_support import USER_PASSWORD, ServerHarness, started_server

pytestmark = pytest.mark.server

EXTREMES = ["99999999999999999999999999", "9223372036854775808", "-1", "nan", "inf", "1e400"]


def numeric_query_parameters(app: Any) -> list[tuple[str, str, str]]:
    """(method, path, parameter) of every integer or number query parameter in the API."""
    found = []
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                types = {schema.get("type")} | {s.get("type") for s in schema.get("anyOf", [])}
                if parameter["in"] == "query" and types & {"integer", "number"}:
                    found.append((method.upper(), path, parameter["name"]))
    return found


def test_out_of_range_query_values_get_a_client_error(server: ServerHarness) -> None:
    client = server.admin()
    parameters = numeric_query_parameters(server.app)
    assert ("GET", "/api/jobs", "offset") in parameters
    assert ("GET", "/api/jobs/{name}", "wait") in parameters
    answers: dict[tuple[str, str, str, str], int] = {}
    for method, path, name in parameters:
        url = re.sub(r"\{[^}]+\}", "no-such-thing", path)
        for value in EXTREMES:
            response = client.request(method, url, params={name: value})
            answers[(method, path, name, value)] = response.status_code
    server_errors = {key: status for key, status in answers.items() if status >= 500}
    assert not server_errors
    offset = client.get("/api/jobs", params={"offset": EXTREMES[0]})
    assert offset.status_code == 422
    assert "offset" in offset.json()["detail"]
    assert client.get("/api/jobs", params={"offset": 1_000_000_000}).json()["jobs"] == []


def _login(client: TestClient, username: str, password: str) -> int:
    return client.post("/api/login", data={"username": username, "password": password}).status_code


def test_lock_out_is_per_address_and_user_and_spares_api_keys(server_settings: Any) -> None:
    folder = server_settings.data_dir.parent
    with started_server(folder, login_max_failures=3) as server:
        owner = server.user("lea")  # authenticated with an API key
        attacker = server.stack.enter_context(
            TestClient(server.app, raise_server_exceptions=False, client=("203.0.113.9", 4000))
        )
        elsewhere = server.stack.enter_context(
            TestClient(server.app, raise_server_exceptions=False, client=("198.51.100.4", 4000))
        )
        for _ in range(3):
            assert _login(attacker, "lea", "wrong password") == 401
        assert _login(attacker, "lea", USER_PASSWORD) == 429  # that address is locked out
        assert _login(attacker, "LEA", USER_PASSWORD) == 429  # whatever the case
        assert _login(elsewhere, "lea", USER_PASSWORD) == 200  # the owner, from elsewhere
        assert owner.get("/api/users/me").json()["username"] == "lea"
        created = owner.post("/api/api-keys", json={"name": "second"})
        assert created.status_code == 201
        attacker.headers["Authorization"] = f"api-key-v1 {created.json()['key']}"
        # the owner's key works even from the address that is locked out of logins
        assert attacker.get("/api/users/me").status_code == 200
        for _ in range(3):  # password reset attempts are also counted per address
            attacker.post(
                "/api/login/reset_password",
                json={
                    "email": "lea@example.org",
                    "token": "not-a-token",
                    "new_password": "another long password",
                    "new_password_repeated": "another long password",
                },
            )
        blocked = attacker.post(
            "/api/login/reset_password",
            json={
                "email": "lea@example.org",
                "token": "not-a-token",
                "new_password": "another long password",
                "new_password_repeated": "another long password",
            },
        )
        assert blocked.status_code == 429
        allowed = elsewhere.post(
            "/api/login/reset_password",
            json={
                "email": "lea@example.org",
                "token": "not-a-token",
                "new_password": "another long password",
                "new_password_repeated": "another long password",
            },
        )
        assert allowed.status_code == 400
