"""Start-up checks and accounts as the established client reads them."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import select

from avatar_server.auth import AdminUser, CurrentUser, DbSession, State
from avatar_server.errors import ApiError
from avatar_server.models import User
from avatar_server.version import SERVER_VERSION

router = APIRouter(prefix="/api")

# One organization per server: every account belongs to it.
ORGANIZATION_ID = uuid.uuid5(uuid.NAMESPACE_URL, "avatars-reference-server")
SUPPORTED_CLIENT = "1.30"
# Limits this server announces (it checks sizes in bytes; rows and columns are not capped).
MAX_LINES = 100_000_000
MAX_DIMENSIONS = 10_000


def compat_user(user: User) -> dict[str, Any]:
    """An account in the established client's ``User`` shape.

    Example:
        >>> compat_user(user)["organization_id"]  # doctest: +SKIP
    """
    return {
        "id": user.id,
        "organization_id": str(ORGANIZATION_ID),
        "email": user.email or user.username,
        "role": "admin" if user.is_admin else "user",
    }


@router.get("/check_client")
def check_client(request: Request) -> dict[str, Any]:
    """Compatibility verdict for the established client (version from its User-Agent)."""
    agent = request.headers.get("user-agent", "")
    version = agent.partition("/")[2].strip()
    if version.startswith(SUPPORTED_CLIENT + ".") or version == SUPPORTED_CLIENT:
        return {
            "status": "compatible",
            "message": f"octopize-avatar {version} is compatible with this server "
            f"(avatars {SERVER_VERSION}).",
            "most_recent_compatible_client": f"{SUPPORTED_CLIENT}.0",
        }
    return {
        "status": "unknown",
        "message": f"octopize-avatar {version or '?'} was not tested with this server: "
        f"use {SUPPORTED_CLIENT}.x.",
        "most_recent_compatible_client": f"{SUPPORTED_CLIENT}.0",
    }


@router.get("/users/me")
def get_me(user: CurrentUser, state: State) -> dict[str, Any]:
    """The caller, with the environment limits the client shows."""
    return {
        **compat_user(user),
        "environment": {
            "dataset_expiration_days": 3650,
            "max_allowed_dimensions_per_dataset": MAX_DIMENSIONS,
            "max_allowed_lines_per_dataset": MAX_LINES,
            "license_type": "open-reference-server",
        },
    }


@router.get("/users")
def find_users(
    _admin: AdminUser,
    db: DbSession,
    email: Annotated[str | None, Query(max_length=254)] = None,
) -> list[dict[str, Any]]:
    """Accounts (admins only), optionally the one with ``email``."""
    statement = select(User).order_by(User.created_at)
    if email is not None:
        statement = statement.where((User.email == email) | (User.username == email))
    return [compat_user(user) for user in db.scalars(statement)]


@router.get("/users/credits_info")
def credits_info(_user: CurrentUser) -> dict[str, Any]:
    """This server counts no credits."""
    return {"credits": None, "is_credit_enabled": False}


@router.get("/users/features_info")
def features_info(_user: CurrentUser) -> dict[str, Any]:
    """What this server can run."""
    return {
        "feature_scopes": [
            "avatar_parameters",
            "single_table",
            "multi_table",
            "report",
            "privacy_assessment",
        ]
    }


@router.get("/users/{user_id}")
def get_user(user_id: str, _admin: AdminUser, db: DbSession) -> dict[str, Any]:
    """One account (admins only)."""
    user = db.get(User, user_id[:64])
    if user is None:
        raise ApiError(404, "user_not_found", f"No user with id {user_id[:64]!r}.")
    return compat_user(user)


@router.get("/capabilities")
def capabilities(_user: CurrentUser) -> dict[str, Any]:
    """Files in and out through the storage endpoint; no database connections."""
    return {"input_protocols": ["file"], "database_engines": [], "connections": []}


@router.get("/openapi.json")
def openapi(request: Request) -> dict[str, Any]:
    """This server's own OpenAPI document (the client reads it as plain JSON)."""
    schema: dict[str, Any] = request.app.openapi()
    return schema
