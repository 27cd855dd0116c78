"""API keys in the established client's shapes (UUID ids, expiration presets)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from sqlalchemy import select

from avatar_server.accounts import create_api_key as store_api_key
from avatar_server.auth import AdminUser, CurrentUser, DbSession, State
from avatar_server.compat import events
from avatar_server.errors import ApiError
from avatar_server.models import ApiKey, User
from avatar_server.tokens import API_KEY_PREFIX

router = APIRouter(prefix="/api/api-keys")

EXPIRATION_PRESETS = frozenset({30, 60, 120, 365, 3650})
_HEX_LENGTH = 16


def key_uuid(key_id: str) -> str:
    """The UUID the client sees for one of this server's key ids (reversible)."""
    return str(uuid.UUID(key_id.removeprefix(API_KEY_PREFIX).ljust(32, "0")))


def key_id_of(key_uuid_text: str) -> str | None:
    """This server's key id behind a UUID from :func:`key_uuid`, or ``None``."""
    try:
        hex_id = uuid.UUID(key_uuid_text).hex
    except ValueError:
        return None
    if hex_id[_HEX_LENGTH:] != "0" * (32 - _HEX_LENGTH):
        return None
    return API_KEY_PREFIX + hex_id[:_HEX_LENGTH]


def _shape(row: ApiKey) -> dict[str, Any]:
    return {
        "id": key_uuid(row.id),
        "name": row.name,
        "created_at": row.created_at.isoformat(),
        # a key without expiry reads as expiring in ten years, the longest preset
        "expires_at": (
            row.expires_at or row.created_at.replace(year=row.created_at.year + 10)
        ).isoformat(),
        "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
        "last_used_at": None,
    }


def _own_key(db: DbSession, user: User, key_uuid_text: str) -> ApiKey:
    key_id = key_id_of(key_uuid_text)
    row = db.get(ApiKey, key_id) if key_id else None
    if row is None or row.user_id != user.id:
        raise ApiError(404, "api_key_not_found", f"No API key with id {key_uuid_text[:40]!r}.")
    return row


@router.get("")
def list_api_keys(user: CurrentUser, db: DbSession) -> list[dict[str, Any]]:
    """The caller's API keys, without their secrets."""
    rows = db.scalars(
        select(ApiKey).where(ApiKey.user_id == user.id).order_by(ApiKey.created_at, ApiKey.id)
    )
    return [_shape(row) for row in rows]


@router.post("", status_code=201)
def create_api_key(
    user: CurrentUser,
    db: DbSession,
    state: State,
    name: Annotated[str, Body(min_length=1, max_length=128)],
    expiration_days: Annotated[int, Body()],
) -> dict[str, Any]:
    """A new key; its plaintext is in this answer only."""
    if expiration_days not in EXPIRATION_PRESETS:
        raise ApiError(
            422,
            "invalid_expiration",
            f"expiration_days must be one of {sorted(EXPIRATION_PRESETS)}.",
        )
    row, key = store_api_key(db, user.id, name, expiration_days)
    events.record(state, user.id, "create", "api_key", key_uuid(row.id))
    return {
        "api_key": {**_shape(row), "plaintext": key},
        "message": "Store this key now: it is not shown again.",
    }


@router.delete("/admin")
def revoke_api_key_admin(
    admin: AdminUser,
    db: DbSession,
    state: State,
    user_id: Annotated[str | None, Query(max_length=64)] = None,
    api_key_id: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, Any]:
    """Revoke every key of ``user_id``, or the key ``api_key_id`` of anybody (admins only)."""
    if (user_id is None) == (api_key_id is None):
        raise ApiError(422, "invalid_revocation", "Give either user_id or api_key_id, not both.")
    if api_key_id is not None:
        key_id = key_id_of(api_key_id)
        row = db.get(ApiKey, key_id) if key_id else None
        if row is None:
            raise ApiError(404, "api_key_not_found", f"No API key with id {api_key_id[:40]!r}.")
        rows = [row]
    else:
        if db.get(User, user_id) is None:
            raise ApiError(404, "user_not_found", f"No user with id {str(user_id)[:64]!r}.")
        rows = list(db.scalars(select(ApiKey).where(ApiKey.user_id == user_id)))
    _revoke(rows)
    db.commit()
    for row in rows:
        events.record(state, admin.id, "delete", "api_key", key_uuid(row.id))
    return {"revoked": len(rows)}


@router.get("/{key_uuid_text}")
def get_api_key(key_uuid_text: str, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    """One of the caller's keys."""
    return _shape(_own_key(db, user, key_uuid_text))


def _revoke(rows: list[ApiKey]) -> None:
    now = datetime.now(UTC)
    for row in rows:
        if row.revoked_at is None:
            row.revoked_at = now


@router.delete("/{key_uuid_text}")
def revoke_api_key(
    key_uuid_text: str, user: CurrentUser, db: DbSession, state: State
) -> dict[str, Any]:
    """Revoke one of the caller's keys; it stops working at once."""
    row = _own_key(db, user, key_uuid_text)
    _revoke([row])
    db.commit()
    events.record(state, user.id, "delete", "api_key", key_uuid(row.id))
    return _shape(row)


@router.delete("")
def revoke_all_api_keys(user: CurrentUser, db: DbSession, state: State) -> dict[str, Any]:
    """Revoke every key of the caller (including the one making this request)."""
    rows = list(db.scalars(select(ApiKey).where(ApiKey.user_id == user.id)))
    _revoke(rows)
    db.commit()
    events.record(state, user.id, "delete", "api_key", None)
    return {"revoked": len(rows)}
