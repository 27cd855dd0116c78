"""Resource sets the established client stores or adds documents to, and its volume documents.

``PUT /api/resources/<display_name>`` stores a set as this server's own route does, but also
one without any parameters document yet (that client stores its configuration before it
checks that the run has parameters, and says so itself).
``POST /api/resources/<set_name>`` appends documents to a stored set (refused while a job of
that set is queued or running, since the jobs read the set); ``GET /api/resources/volume``
writes the ``AvatarVolume`` document that points at the caller's storage folder.
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio
import yaml
from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from avatar_server.auth import CurrentUser, DbSession, State
from avatar_server.compat import events
from avatar_server.compat.upload_urls import user_prefix
from avatar_server.errors import ApiError
from avatar_server.models import Job, ResourceSetRow, User
from avatar_server.resource_sets import ResourceSetError, parse_resource_set, validate_resource_set
from avatar_server.routes.datasets import dataset_columns_lookup, dataset_rows_lookup
from avatar_server.routes.resources import (
    find_resource_set,
    read_yaml_body,
    receive_resource_set,
)
from avatar_server.schemas import JobStatus, ResourceSetResponse
from avatar_server.state import ServerState

router = APIRouter(prefix="/api/resources")

PURPOSES = ("input", "results")
_BUSY = (JobStatus.QUEUED.value, JobStatus.RUNNING.value)


def volume_document(volume_name: str, url: str) -> str:
    """The YAML of an ``AvatarVolume`` document.

    Example:
        >>> print(volume_document("input", "s3://avatars/u1"), end="")
        kind: AvatarVolume
        metadata:
          name: input
        spec:
          url: s3://avatars/u1
    """
    document = {"kind": "AvatarVolume", "metadata": {"name": volume_name}, "spec": {"url": url}}
    return yaml.safe_dump(document, sort_keys=False)


def _set_for_volume(
    db: Session, user: User, set_name: str | None, display_name: str | None
) -> ResourceSetRow:
    if set_name:
        return find_resource_set(db, user, set_name)
    if display_name:
        row = db.scalar(
            select(ResourceSetRow)
            .where(ResourceSetRow.user_id == user.id, ResourceSetRow.display_name == display_name)
            .order_by(ResourceSetRow.created_at.desc())
            .limit(1)
        )
        if row is not None:
            return row
        raise ApiError(
            404, "resource_set_not_found", f"No resource set named {display_name[:128]!r}."
        )
    raise ApiError(422, "missing_set_name", "Give set_name (the UUID of a stored resource set).")


@router.get("/volume")
def get_user_volume(
    user: CurrentUser,
    db: DbSession,
    volume_name: Annotated[str, Query(min_length=1, max_length=128, pattern=r"^[\w.-]+$")],
    purpose: Annotated[str, Query(max_length=16)],
    set_name: Annotated[str | None, Query(max_length=64)] = None,
    display_name: Annotated[str | None, Query(max_length=128)] = None,
) -> Response:
    """The volume document of a stored set: the caller's uploads, or its jobs' results."""
    if purpose not in PURPOSES:
        raise ApiError(422, "invalid_purpose", f"purpose must be one of {', '.join(PURPOSES)}.")
    _set_for_volume(db, user, set_name, display_name)
    url = user_prefix(user) + ("/results" if purpose == "results" else "")
    return Response(volume_document(volume_name, url), media_type="text/plain")


def _append(
    db: Session, user: User, state: ServerState, set_name: str, text: str, max_bytes: int
) -> ResourceSetRow:
    row = find_resource_set(db, user, set_name)
    busy = db.scalar(
        select(Job.name).where(Job.set_name == row.set_name, Job.status.in_(_BUSY)).limit(1)
    )
    if busy is not None:
        raise ApiError(
            409,
            "resource_set_in_use",
            f"Job {busy} of this set is still going: wait for it, or PUT a new version.",
        )
    combined = row.yaml_text.rstrip("\n") + "\n---\n" + text
    try:
        resource_set = parse_resource_set(combined, max_bytes=max_bytes)
        validate_resource_set(
            resource_set, dataset_columns_lookup(db, user).get, dataset_rows_lookup(user, state)
        )
    except ResourceSetError as exc:
        raise ApiError(422, exc.code, exc.detail) from exc
    row.yaml_text = combined
    db.commit()
    return row


@router.post("/{set_name}")
async def create_resource(
    set_name: str, request: Request, user: CurrentUser, db: DbSession, state: State
) -> dict[str, Any]:
    """Add the documents of the YAML body to a stored set (same set name afterwards)."""
    limit = state.settings.max_resource_set_bytes
    text = await read_yaml_body(request, limit)
    row = await anyio.to_thread.run_sync(_append, db, user, state, set_name, text, limit)
    await anyio.to_thread.run_sync(
        events.record, state, user.id, "update", "resource_set", row.set_name
    )
    return {"set_name": row.set_name, "display_name": row.display_name}


@router.put("/{display_name}", status_code=201)
async def put_resources(
    display_name: str, request: Request, user: CurrentUser, db: DbSession, state: State
) -> ResourceSetResponse:
    """Store a new version of a set, with or without parameters documents."""
    return await receive_resource_set(
        display_name, request, user, db, state, require_parameters=False
    )
