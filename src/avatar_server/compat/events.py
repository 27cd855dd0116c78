"""The audit trail: who created, ran, downloaded, cancelled or deleted what, and when."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from avatar_server.auth import AdminUser, CurrentUser, DbSession
from avatar_server.models import EventLog, utcnow
from avatar_server.state import ServerState

router = APIRouter(prefix="/api/event-logs")

VERBS = frozenset({"login", "logout", "download", "read", "create", "update", "delete", "cancel"})
OBJECT_TYPES = frozenset({"user", "job", "api_key", "resource", "file"})


def record(
    state: ServerState, user_id: str, verb: str, object_type: str, object_id: str | None
) -> None:
    """Append one entry to the audit trail (in its own transaction).

    Example:
        >>> record(state, user.id, "create", "job", job.name)  # doctest: +SKIP
    """
    with state.sessions() as db:
        db.add(
            EventLog(
                id=str(uuid.uuid4()),
                user_id=user_id,
                verb=verb,
                object_type=object_type,
                object_id=(object_id or "")[:255] or None,
                created_at=utcnow(),
            )
        )
        db.commit()


def _entry(row: EventLog, with_user: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": row.id,
        "verb": row.verb,
        "object_type": row.object_type,
        "object_id": row.object_id if _is_uuid(row.object_id) else None,
        "object_name": row.object_id,
        "created_at": row.created_at.isoformat(),
    }
    if with_user:
        entry["user_id"] = row.user_id
    return entry


def _is_uuid(value: str | None) -> bool:
    try:
        uuid.UUID(value or "")
    except ValueError:
        return False
    return True


def _query(
    db: DbSession,
    user_id: str | None,
    verb: list[str] | None,
    object_type: list[str] | None,
    created_from: datetime | None,
    created_before: datetime | None,
    limit: int,
) -> list[EventLog]:
    statement = select(EventLog).order_by(EventLog.created_at.desc(), EventLog.id).limit(limit)
    if user_id is not None:
        statement = statement.where(EventLog.user_id == user_id)
    if verb:
        statement = statement.where(EventLog.verb.in_(verb))
    if object_type:
        statement = statement.where(EventLog.object_type.in_(object_type))
    if created_from is not None:
        statement = statement.where(EventLog.created_at >= created_from)
    if created_before is not None:
        statement = statement.where(EventLog.created_at < created_before)
    return list(db.scalars(statement))


@router.get("")
def list_my_event_logs(
    user: CurrentUser,
    db: DbSession,
    verb: Annotated[list[str] | None, Query(max_length=20)] = None,
    object_type: Annotated[list[str] | None, Query(max_length=20)] = None,
    created_from: datetime | None = None,
    created_before: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """The caller's own audit trail, newest first."""
    rows = _query(db, user.id, verb, object_type, created_from, created_before, limit)
    return [_entry(row, with_user=False) for row in rows]


@router.get("/all")
def list_event_logs(
    _admin: AdminUser,
    db: DbSession,
    user_id: Annotated[str | None, Query(max_length=64)] = None,
    verb: Annotated[list[str] | None, Query(max_length=20)] = None,
    object_type: Annotated[list[str] | None, Query(max_length=20)] = None,
    created_from: datetime | None = None,
    created_before: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Everybody's audit trail (admins only), optionally one user's, newest first."""
    rows = _query(db, user_id, verb, object_type, created_from, created_before, limit)
    return [_entry(row, with_user=True) for row in rows]
