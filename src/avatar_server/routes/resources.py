"""Resource sets: validated, versioned YAML run configurations."""

from __future__ import annotations

import functools
import re
import uuid
from datetime import UTC, datetime

import anyio
from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from avatar_server.auth import CurrentUser, DbSession, State
from avatar_server.errors import ApiError, error_responses
from avatar_server.models import ResourceSetRow, User
from avatar_server.resource_sets import ResourceSetError, parse_resource_set, validate_resource_set
from avatar_server.routes.datasets import (
    BINARY_SCHEMA,
    dataset_columns_lookup,
    dataset_rows_lookup,
)
from avatar_server.schemas import ResourceSetResponse
from avatar_server.state import ServerState

router = APIRouter(prefix="/api/resources", tags=["resources"])

YAML_TYPES = ("text/yaml", "application/x-yaml", "application/yaml", "text/plain")
_DISPLAY_NAME = re.compile(r"^[^\x00-\x1f/\\]{1,128}$")
_TEXT_SCHEMA = {"type": "string"}


def find_resource_set(db: Session, user: User, set_name: str) -> ResourceSetRow:
    """The user's stored set ``set_name``, or 404."""
    row = db.get(ResourceSetRow, set_name[:64])
    if row is None or row.user_id != user.id:
        raise ApiError(
            404,
            "resource_set_not_found",
            f"No resource set named {set_name[:64]!r}: PUT /api/resources/<display_name> first.",
        )
    return row


async def read_yaml_body(request: Request, limit: int) -> str:
    """The UTF-8 body of a request, refused (413) beyond ``limit`` bytes."""
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(
                413,
                "resource_set_too_large",
                f"The resource set exceeds {limit} bytes: remove unused documents.",
            )
        chunks.append(chunk)
    try:
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(422, "invalid_encoding", "The resource set must be UTF-8 text.") from exc


@router.put(
    "/{display_name}",
    status_code=201,
    response_model=ResourceSetResponse,
    responses=error_responses(401, 413, 415),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": BINARY_SCHEMA}},
            "description": "Multi-document resource-set YAML (UTF-8). Sent as text/yaml, "
            "application/x-yaml, text/plain or application/octet-stream.",
        }
    },
)
async def put_resources(
    display_name: str, request: Request, user: CurrentUser, db: DbSession, state: State
) -> ResourceSetResponse:
    """Validate a resource-set YAML against the caller's datasets and store a new version."""
    return await receive_resource_set(display_name, request, user, db, state)


async def receive_resource_set(
    display_name: str,
    request: Request,
    user: User,
    db: Session,
    state: ServerState,
    *,
    require_parameters: bool = True,
) -> ResourceSetResponse:
    """Check the name and media type, read, validate and store a resource set.

    Example:
        >>> await receive_resource_set("wbcd", request, user, db, state)  # doctest: +SKIP
    """
    if not _DISPLAY_NAME.fullmatch(display_name):
        raise ApiError(
            422, "invalid_name", "display_name must be 1-128 characters without '/' or controls."
        )
    content_type = request.headers.get("content-type", "text/yaml").split(";")[0].strip().lower()
    if content_type not in (*YAML_TYPES, "application/octet-stream"):
        raise ApiError(
            415,
            "unsupported_media_type",
            f"Send the resource set as one of {', '.join(YAML_TYPES)}.",
        )
    limit = state.settings.max_resource_set_bytes
    text = await read_yaml_body(request, limit)
    return await anyio.to_thread.run_sync(
        functools.partial(
            _validate_and_store,
            db,
            user,
            state,
            display_name,
            text,
            limit,
            require_parameters=require_parameters,
        )
    )


def _validate_and_store(
    db: Session,
    user: User,
    state: ServerState,
    display_name: str,
    text: str,
    max_bytes: int,
    *,
    require_parameters: bool = True,
) -> ResourceSetResponse:
    columns = dataset_columns_lookup(db, user)
    try:
        resource_set = parse_resource_set(
            text, max_bytes=max_bytes, require_parameters=require_parameters
        )
        validate_resource_set(resource_set, columns.get, dataset_rows_lookup(user, state))
    except ResourceSetError as exc:
        raise ApiError(422, exc.code, exc.detail) from exc
    row = ResourceSetRow(
        set_name=str(uuid.uuid4()),
        user_id=user.id,
        display_name=display_name,
        yaml_text=text,
        created_at=datetime.now(UTC),
    )
    db.add(row)
    db.commit()
    return ResourceSetResponse(
        set_name=row.set_name, display_name=row.display_name, created_at=row.created_at
    )


@router.get(
    "/{set_name}",
    response_class=Response,
    responses={
        200: {"description": "The YAML", "content": {"text/yaml": {"schema": _TEXT_SCHEMA}}},
        **error_responses(401, 404),
    },
)
def get_resources(set_name: str, user: CurrentUser, db: DbSession) -> Response:
    """The stored YAML of a resource set version."""
    row = find_resource_set(db, user, set_name)
    return Response(content=row.yaml_text, media_type="text/yaml")
