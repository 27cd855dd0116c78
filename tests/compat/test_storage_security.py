"""The S3-style storage refuses unsigned, badly signed and cross-user requests."""

from __future__ import annotations

import httpx
from compat_support import LiveServer

CLIENT = {"User-Agent": "avatar-python/1.30.0"}


def _key(server: LiveServer) -> dict[str, str]:
    return {**CLIENT, "Authorization": f"api-key-v1 {server.admin_key}"}


def test_unsigned_write_is_refused(server: LiveServer) -> None:
    me = httpx.get(f"{server.url}/api/users/me", headers=_key(server)).json()
    response = httpx.put(f"{server.url}/storage/avatars/{me['id']}/x.csv", content=b"a,b\n1,2\n")
    assert response.status_code == 403
    assert "<Code>AccessDenied</Code>" in response.text


def test_forged_signature_is_refused(server: LiveServer) -> None:
    me = httpx.get(f"{server.url}/api/users/me", headers=_key(server)).json()
    access = httpx.get(
        f"{server.url}/api/access",
        params={"url": f"s3://avatars/{me['id']}/x.csv"},
        headers=_key(server),
    ).json()
    key_id = access["credentials"]["access_key_id"]
    forged = (
        f"AWS4-HMAC-SHA256 Credential={key_id}/20260101/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" + "0" * 64
    )
    response = httpx.put(
        f"{server.url}/storage/avatars/{me['id']}/x.csv",
        content=b"a,b\n1,2\n",
        headers={
            "Authorization": forged,
            "x-amz-date": "20260101T000000Z",
            "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
        },
    )
    assert response.status_code == 403


def test_access_outside_own_folder_is_refused(server: LiveServer) -> None:
    response = httpx.get(
        f"{server.url}/api/access",
        params={"url": "s3://avatars/00000000-0000-4000-8000-000000000000/x.csv"},
        headers=_key(server),
    )
    assert response.status_code == 403
    assert "not in your storage folder" in response.json()["detail"]


def test_own_routes_keep_their_shapes_for_other_clients(server: LiveServer) -> None:
    headers = {"Authorization": f"api-key-v1 {server.admin_key}"}
    ours = httpx.get(f"{server.url}/api/users/me", headers=headers).json()
    theirs = httpx.get(f"{server.url}/api/users/me", headers=_key(server)).json()
    assert "username" in ours
    assert "organization_id" not in ours
    assert "organization_id" in theirs
    assert "environment" in theirs
