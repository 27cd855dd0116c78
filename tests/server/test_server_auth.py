"""Login, tokens (expiry, tampering, algorithms), refresh rotation, API keys, password reset."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from server_support import USER_PASSWORD, ServerHarness, started_server

from avatar_server.tokens import AccessTokenCodec


def _login(client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/api/login", data={"username": username, "password": password})


def _secret(server: ServerHarness) -> bytes:
    return (server.settings.data_dir / "jwt_secret").read_bytes().strip()


def test_first_start_writes_credentials_file_once_with_0600(server: ServerHarness) -> None:
    path = server.settings.credentials_file
    assert path is not None
    assert path.stat().st_mode & 0o777 == 0o600
    assert set(server.credentials) == {"username", "password", "api_key"}
    assert (server.settings.data_dir / "jwt_secret").stat().st_mode & 0o777 == 0o600
    response = _login(server.anonymous(), "admin", server.credentials["password"])
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["access_token"]
    assert body["refresh_token"]


def test_missing_and_unknown_credentials_are_401(server: ServerHarness) -> None:
    anonymous = server.anonymous()
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer"}):
        response = anonymous.get("/api/users/me", headers=headers)
        assert response.status_code == 401
        assert set(response.json()) == {"detail", "code"}
    wrong = _login(anonymous, "admin", "not the password")
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "invalid_credentials"
    nobody = _login(anonymous, "nobody", "whatever")
    assert nobody.status_code == 401
    assert nobody.json()["detail"] == wrong.json()["detail"]


def test_bearer_token_expired_tampered_and_wrong_algorithms(server: ServerHarness) -> None:
    client = server.anonymous()
    access = _login(client, "admin", server.credentials["password"]).json()["access_token"]
    assert client.get("/api/users/me", headers={"Authorization": f"Bearer {access}"}).is_success
    secret = _secret(server)
    user_id = AccessTokenCodec(secret, timedelta(minutes=1)).decode(access)
    now = datetime.now(UTC)
    claims = {"sub": user_id, "iat": now, "exp": now + timedelta(minutes=5), "typ": "access"}
    expired = jwt.encode({**claims, "exp": now - timedelta(seconds=1)}, secret, "HS256")
    header, payload, signature = access.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}AAAA"
    unsigned = jwt.encode(claims, None, algorithm="none")
    other_alg = jwt.encode(claims, secret, algorithm="HS512")
    wrong_key = jwt.encode(claims, b"x" * 64, algorithm="HS256")
    not_access = jwt.encode({**claims, "typ": "refresh"}, secret, algorithm="HS256")
    for token in (expired, tampered, unsigned, other_alg, wrong_key, not_access, "garbage"):
        response = client.get("/api/users/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token
        assert response.json()["code"] == "invalid_token"


def test_refresh_rotates_and_reuse_revokes_the_chain(server: ServerHarness) -> None:
    client = server.anonymous()
    first = _login(client, "admin", server.credentials["password"]).json()
    second = client.post("/api/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    third = client.post("/api/refresh", json={"refresh_token": second.json()["refresh_token"]})
    assert third.status_code == 200
    reused = client.post("/api/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401
    assert reused.json()["code"] == "refresh_token_reused"
    latest = client.post("/api/refresh", json={"refresh_token": third.json()["refresh_token"]})
    assert latest.status_code == 401, "the whole chain must be revoked after a reuse"
    unknown = client.post("/api/refresh", json={"refresh_token": "not-a-token"})
    assert unknown.status_code == 401
    assert unknown.json()["code"] == "invalid_refresh_token"
    other_chain = _login(client, "admin", server.credentials["password"]).json()
    assert client.post(
        "/api/refresh", json={"refresh_token": other_chain["refresh_token"]}
    ).is_success


def test_api_keys_are_shown_once_listed_without_secret_and_revocable(
    server: ServerHarness,
) -> None:
    alice = server.user("alice")
    created = alice.post("/api/api-keys", json={"name": "ci", "expiration_days": 30})
    assert created.status_code == 201
    key = created.json()
    assert key["key"].startswith(key["id"] + ".")
    assert key["expires_at"] is not None
    listed = alice.get("/api/api-keys").json()["api_keys"]
    assert key["id"] in {item["id"] for item in listed}
    assert "key" not in json.dumps(listed).replace('"api_keys"', "")
    raw = server.anonymous()
    headers = {"Authorization": f"api-key-v1 {key['key']}"}
    assert raw.get("/api/users/me", headers=headers).json()["username"] == "alice"
    bob = server.user("bob")
    assert bob.delete(f"/api/api-keys/{key['id']}").status_code == 404
    assert alice.delete(f"/api/api-keys/{key['id']}").status_code == 204
    revoked = raw.get("/api/users/me", headers=headers)
    assert revoked.status_code == 401
    assert revoked.json()["code"] == "invalid_api_key"
    forged = {"Authorization": f"api-key-v1 {key['id']}.forged-secret"}
    assert raw.get("/api/users/me", headers=forged).status_code == 401
    assert alice.get("/api/api-keys").json()["api_keys"][-1]["revoked_at"] is not None


def test_login_is_rate_limited_with_retry_after(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with started_server(tmp_path, login_max_failures=3) as server:
        client = server.anonymous()
        for _ in range(3):
            assert _login(client, "admin", "wrong").status_code == 401
        blocked = _login(client, "admin", server.credentials["password"])
        assert blocked.status_code == 429
        assert blocked.json()["code"] == "rate_limited"
        assert int(blocked.headers["Retry-After"]) > 0
        other_user = _login(client, "someone-else", "wrong")
        assert other_user.status_code == 401
        for index in range(11):  # 3 x 5 failures from one address, whatever the usernames
            assert _login(client, f"user{index}", "wrong").status_code == 401
        sprayed = _login(client, "user-last", "wrong")
        assert sprayed.status_code == 429


def test_password_reset_through_the_outbox(
    server: ServerHarness, caplog: pytest.LogCaptureFixture
) -> None:
    server.user("alice")
    client = server.anonymous()
    outbox = server.settings.data_dir / "outbox"
    with caplog.at_level(logging.INFO):
        assert (
            client.post(
                "/api/login/forgotten_password", json={"email": "nobody@example.org"}
            ).status_code
            == 204
        )
        assert list(outbox.iterdir()) == []
        assert (
            client.post(
                "/api/login/forgotten_password", json={"email": "alice@example.org"}
            ).status_code
            == 204
        )
    (message_path,) = outbox.iterdir()
    assert message_path.stat().st_mode & 0o777 == 0o600
    message = json.loads(message_path.read_text())
    token = message["body"].split("password: ")[1].split()[0]
    assert token not in caplog.text
    assert str(message_path) in caplog.text
    body = {
        "email": "alice@example.org",
        "new_password": "a brand new passphrase",
        "new_password_repeated": "a brand new passphrase",
        "token": token,
    }
    mismatch = client.post("/api/login/reset_password", json={**body, "new_password_repeated": "x"})
    assert mismatch.status_code == 422
    assert mismatch.json()["code"] == "password_mismatch"
    bad = client.post("/api/login/reset_password", json={**body, "token": "wrong"})
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid_reset_token"
    assert client.post("/api/login/reset_password", json=body).status_code == 204
    assert client.post("/api/login/reset_password", json=body).status_code == 400  # single use
    assert _login(client, "alice", USER_PASSWORD).status_code == 401
    assert _login(client, "alice", "a brand new passphrase").status_code == 200


def test_users_endpoints_admin_only(server: ServerHarness) -> None:
    admin = server.admin()
    alice = server.user("alice")
    me = alice.get("/api/users/me").json()
    assert me["username"] == "alice"
    assert me["is_admin"] is False
    assert alice.get("/api/users").status_code == 403
    assert alice.get(f"/api/users/{me['id']}").status_code == 403
    assert alice.post("/api/users", json={"username": "x", "password": "p" * 12}).status_code == 403
    assert {u["username"] for u in admin.get("/api/users").json()["users"]} == {"admin", "alice"}
    assert admin.get(f"/api/users/{me['id']}").json()["email"] == "alice@example.org"
    assert admin.get("/api/users/nope").status_code == 404
    duplicate = admin.post("/api/users", json={"username": "alice", "password": "p" * 12})
    assert duplicate.status_code == 409
    short = admin.post("/api/users", json={"username": "carol", "password": "short"})
    assert short.status_code == 422
    assert short.json()["code"] == "validation_error"


def test_health_and_compatibility(server: ServerHarness) -> None:
    client = server.anonymous()
    assert client.get("/api/health").json()["status"] == "ok"
    assert client.get("/api/health/db").json() == {"status": "ok", "database": "sqlite"}
    ok = client.get("/api/check_client", params={"client_version": "1.0.0"}).json()
    assert ok["status"] == "compatible"
    old = client.get("/api/check_client", params={"client_version": "0.9.1"}).json()
    assert old["status"] == "incompatible"
    assert "upgrade" in old["message"]
    by_agent = client.get("/api/check_client", headers={"User-Agent": "avatars-python/1.0.3"})
    assert by_agent.json()["status"] == "compatible"
    unknown = client.get("/api/check_client", headers={"User-Agent": "curl/8"}).json()
    assert unknown["status"] == "unknown"


def test_first_start_without_credentials_file_tells_stderr_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with started_server(tmp_path, credentials_file=None) as server:
        told = capsys.readouterr().err
        assert "admin password:" in told
        key = told.split("admin API key:")[1].split()[0]
        response = server.anonymous().get(
            "/api/users/me", headers={"Authorization": f"api-key-v1 {key}"}
        )
        assert response.json()["username"] == "admin"
    with started_server(tmp_path, credentials_file=None):
        assert "admin password:" not in capsys.readouterr().err
