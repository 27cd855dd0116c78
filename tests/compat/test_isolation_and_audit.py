"""Per-user isolation through the compatible routes, and the admin-readable audit trail."""

from __future__ import annotations

import httpx
from compat_support import LiveServer, user_key

CLIENT = {"User-Agent": "avatar-python/1.30.0"}


def test_other_users_see_nothing_and_cannot_read_the_audit_trail(server: LiveServer) -> None:
    bob = {**CLIENT, "Authorization": f"api-key-v1 {user_key(server, 'bob')}"}
    admin = {**CLIENT, "Authorization": f"api-key-v1 {server.admin_key}"}
    assert httpx.get(f"{server.url}/api/jobs", headers=bob).json() == {"jobs": []}
    assert httpx.get(f"{server.url}/api/event-logs/all", headers=bob).status_code == 403
    assert httpx.get(f"{server.url}/api/users", headers=bob).status_code == 403
    me = httpx.get(f"{server.url}/api/users/me", headers=bob).json()
    assert me["role"] == "user"
    httpx.get(f"{server.url}/api/upload_url", headers=bob)
    everyone = httpx.get(f"{server.url}/api/event-logs/all", headers=admin, params={"limit": 1000})
    assert everyone.status_code == 200
    mine = httpx.get(f"{server.url}/api/event-logs", headers=bob).json()
    assert all("user_id" not in entry for entry in mine)
    assert all(entry["user_id"] for entry in everyone.json())


def test_bad_requests_get_clear_4xx(server: LiveServer) -> None:
    admin = {**CLIENT, "Authorization": f"api-key-v1 {server.admin_key}"}
    missing = httpx.get(f"{server.url}/api/jobs/not-a-job", headers=admin)
    assert missing.status_code == 404
    assert "No job named" in missing.json()["detail"]
    results = httpx.get(f"{server.url}/api/results/not-a-job", headers=admin)
    assert results.status_code == 404
    key = httpx.post(
        f"{server.url}/api/api-keys", json={"name": "x", "expiration_days": 7}, headers=admin
    )
    assert key.status_code == 422
    assert "expiration_days must be one of" in key.json()["detail"]
