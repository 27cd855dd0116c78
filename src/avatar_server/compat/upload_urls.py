"""Where the established client uploads, and the credentials it signs storage requests with."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Body, Query

from avatar_server.auth import CurrentUser, State
from avatar_server.compat.credentials import issue_credentials
from avatar_server.errors import ApiError
from avatar_server.models import User
from avatar_server.state import ServerState

router = APIRouter(prefix="/api")

S3_SCHEME = "s3://avatars/"
MAX_BATCH = 1000


def user_prefix(user: User) -> str:
    """The caller's folder in the storage bucket, as an ``s3://`` URL."""
    return f"{S3_SCHEME}{user.id}"


def _storage_path(url: str) -> str:
    """The ``s3://`` path inside an access URL (``.../access?url=s3://...``) or the path itself."""
    if url.startswith(S3_SCHEME):
        return url
    inner = parse_qs(urlsplit(url).query).get("url", [""])[0]
    return inner


def _grant(state: ServerState, user: User, url: str) -> dict[str, Any] | None:
    path = _storage_path(url)
    if not path.startswith(user_prefix(user) + "/") or ".." in path:
        return None
    creds = issue_credentials(state.token_codec().secret, user.id)
    return {
        "url": url,
        "credentials": {
            "access_key_id": creds.access_key_id,
            "secret_access_key": creds.secret_access_key,
        },
    }


@router.get("/upload_url")
def get_upload_url(user: CurrentUser) -> str:
    """The caller's storage folder; files go to ``<folder>/<file name>``."""
    return user_prefix(user)


@router.get("/access")
def get_permission_to_download(
    user: CurrentUser, state: State, url: Annotated[str, Query(max_length=2048)]
) -> dict[str, Any]:
    """Storage credentials for one file of the caller (upload or result)."""
    grant = _grant(state, user, url)
    if grant is None:
        raise ApiError(
            403,
            "forbidden_path",
            f"{_storage_path(url)[:200]!r} is not in your storage folder {user_prefix(user)}/.",
        )
    return grant


@router.post("/access/batch")
def get_permissions_to_download_batch(
    user: CurrentUser, state: State, urls: Annotated[list[str], Body(max_length=MAX_BATCH)]
) -> list[dict[str, Any]]:
    """Credentials for several files; files outside the caller's folder are left out."""
    grants = [_grant(state, user, url[:2048]) for url in urls]
    return [grant for grant in grants if grant is not None]
