"""Datasets: streamed uploads with checksum and size limit, ranged downloads."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import anyio
from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.requests import ClientDisconnect

from avatar_server.auth import CurrentUser, DbSession, State
from avatar_server.dataset_checks import count_rows, dataset_problems
from avatar_server.dataset_header import read_columns
from avatar_server.errors import ApiError, error_responses
from avatar_server.file_response import file_response
from avatar_server.job_failures import JobFailure
from avatar_server.models import Dataset, User
from avatar_server.resource_sets import ResourceSetError
from avatar_server.schemas import DatasetList, DatasetResponse
from avatar_server.state import ServerState
from avatar_server.storage import InvalidNameError, check_name

router = APIRouter(prefix="/api/datasets", tags=["datasets"])

BINARY_SCHEMA = {"type": "string", "format": "binary"}
_DIGEST = re.compile(r"sha-256=:([A-Za-z0-9+/=]+):")


def checked_name(name: str) -> str:
    """``name`` if safe, else 422."""
    try:
        return check_name(name)
    except InvalidNameError as exc:
        raise ApiError(422, "invalid_name", str(exc)) from exc


def to_dataset_response(row: Dataset) -> DatasetResponse:
    """The public view of a dataset."""
    return DatasetResponse(
        name=row.name, size=row.size, sha256=row.sha256, created_at=row.created_at
    )


def _expected_digest(header: str | None) -> str | None:
    if header is None:
        return None
    match = _DIGEST.search(header)
    if match is None:
        raise ApiError(
            400,
            "unsupported_digest",
            "Content-Digest must contain 'sha-256=:<base64 of the SHA-256>:'.",
        )
    try:
        raw = base64.b64decode(match[1], validate=True)
    except binascii.Error as exc:
        raise ApiError(400, "invalid_digest", "Content-Digest is not valid base64.") from exc
    if len(raw) != 32:
        raise ApiError(400, "invalid_digest", "Content-Digest sha-256 must be 32 bytes.")
    return raw.hex()


def _too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        "dataset_too_large",
        f"The dataset exceeds the server's upload limit of {limit} bytes: "
        "split it or ask the operator to raise --max-upload-bytes.",
    )


async def _receive_to(temp: Path, request: Request, limit: int) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    handle = await anyio.to_thread.run_sync(lambda: temp.open("xb"))
    try:
        async for chunk in request.stream():
            if not chunk:
                continue
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            digest.update(chunk)
            await anyio.to_thread.run_sync(handle.write, chunk)
        await anyio.to_thread.run_sync(handle.flush)
        await anyio.to_thread.run_sync(os.fsync, handle.fileno())
    finally:
        handle.close()
    return size, digest.hexdigest()


def store_dataset_row(
    db: Session, user: User, name: str, size: int, sha256: str, columns: list[str]
) -> Dataset:
    """Create or update the user's dataset row ``name`` (retried on a concurrent insert)."""
    for _attempt in range(3):
        row = db.scalar(select(Dataset).where(Dataset.user_id == user.id, Dataset.name == name))
        if row is None:
            row = Dataset(user_id=user.id, name=name)
            db.add(row)
        row.size = size
        row.sha256 = sha256
        row.columns_json = json.dumps(columns)
        row.created_at = datetime.now(UTC)
        try:
            db.commit()
            return row
        except IntegrityError:  # a concurrent upload created the row first
            db.rollback()
    raise ApiError(409, "upload_conflict", "Concurrent uploads of this dataset: retry.")


@router.put(
    "/{name}",
    status_code=201,
    response_model=DatasetResponse,
    responses=error_responses(400, 401, 413),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": BINARY_SCHEMA}},
        }
    },
)
async def upload_dataset(
    name: str,
    request: Request,
    user: CurrentUser,
    db: DbSession,
    state: State,
    content_digest: Annotated[
        str | None,
        Header(
            max_length=512,
            description="Optional 'sha-256=:<base64 SHA-256 of the body>:' (RFC 9530).",
        ),
    ] = None,
) -> DatasetResponse:
    """Upload (or replace) a CSV or Parquet dataset, streamed to disk.

    An optional ``Content-Digest: sha-256=:<base64>:`` header is checked; a failed upload
    never replaces the stored file.
    """
    name = checked_name(name)
    limit = state.settings.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    expected = _expected_digest(content_digest)
    folder = state.store.datasets_dir(user.id)
    temp = folder / f".upload-{uuid.uuid4().hex}.part"
    try:
        try:
            size, sha256 = await _receive_to(temp, request, limit)
        except ClientDisconnect as exc:
            raise ApiError(400, "upload_interrupted", "The upload was interrupted.") from exc
        if size == 0:
            raise ApiError(422, "empty_dataset", "The uploaded dataset is empty.")
        if expected is not None and expected != sha256:
            raise ApiError(
                400,
                "digest_mismatch",
                "The uploaded bytes do not match Content-Digest: the file was corrupted in "
                "transit, upload it again.",
            )
        try:
            problems = await anyio.to_thread.run_sync(dataset_problems, temp, name)
            if problems:
                raise ApiError(422, "invalid_dataset", "; ".join(problems) + ".")
            columns = await anyio.to_thread.run_sync(read_columns, temp, name)
        except ResourceSetError as exc:
            raise ApiError(422, exc.code, exc.detail) from exc
        except JobFailure as exc:
            raise ApiError(422, "invalid_dataset", exc.user_message) from exc
        await anyio.to_thread.run_sync(state.store.save_dataset, user.id, name, temp)
    finally:
        temp.unlink(missing_ok=True)
    row = await anyio.to_thread.run_sync(store_dataset_row, db, user, name, size, sha256, columns)
    return to_dataset_response(row)


def find_dataset(db: Session, user: User, name: str) -> Dataset:
    """The user's dataset ``name``, or 404."""
    row = db.scalar(select(Dataset).where(Dataset.user_id == user.id, Dataset.name == name))
    if row is None:
        raise ApiError(404, "dataset_not_found", f"No dataset named {name[:128]!r}: upload it.")
    return row


@router.get("", response_model=DatasetList, responses=error_responses(401))
def get_datasets(user: CurrentUser, db: DbSession) -> DatasetList:
    """List the caller's datasets."""
    rows = db.scalars(select(Dataset).where(Dataset.user_id == user.id).order_by(Dataset.name))
    return DatasetList(datasets=[to_dataset_response(row) for row in rows])


@router.get("/{name}", response_model=DatasetResponse, responses=error_responses(401, 404))
def get_dataset(name: str, user: CurrentUser, db: DbSession) -> DatasetResponse:
    """One dataset's size, checksum and upload time."""
    return to_dataset_response(find_dataset(db, user, checked_name(name)))


@router.get(
    "/{name}/content",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The dataset bytes",
            "content": {"application/octet-stream": {"schema": BINARY_SCHEMA}},
        },
        206: {
            "description": "The requested byte range",
            "content": {"application/octet-stream": {"schema": BINARY_SCHEMA}},
        },
        **error_responses(401, 404, 416),
    },
)
def download_dataset(
    name: str, request: Request, user: CurrentUser, db: DbSession, state: State
) -> StreamingResponse:
    """Download a dataset (streamed; a single ``Range: bytes=a-b`` gives 206)."""
    row = find_dataset(db, user, checked_name(name))
    path = state.store.fetch_dataset(user.id, row.name)
    try:
        return file_response(
            path, request, media_type="application/octet-stream", download_name=row.name
        )
    except FileNotFoundError as exc:
        raise ApiError(404, "dataset_not_found", f"Dataset {name!r} has no content.") from exc


@router.delete(
    "/{name}", status_code=204, response_class=Response, responses=error_responses(401, 404)
)
def delete_dataset(name: str, user: CurrentUser, db: DbSession, state: State) -> Response:
    """Delete a dataset (jobs already created keep working with their results)."""
    row = find_dataset(db, user, checked_name(name))
    state.store.delete_dataset(user.id, row.name)
    db.delete(row)
    db.commit()
    return Response(status_code=204)


def dataset_columns_lookup(db: Session, user: User) -> dict[str, list[str]]:
    """Dataset name -> column names for all the user's datasets."""
    rows = db.execute(
        select(Dataset.name, Dataset.columns_json).where(Dataset.user_id == user.id)
    ).all()
    return {name: json.loads(columns) for name, columns in rows}


def dataset_rows_lookup(user: User, state: ServerState) -> Callable[[str, int], int]:
    """(dataset name, limit) -> its number of data rows, counted up to ``limit``."""

    def rows(name: str, limit: int) -> int:
        path = state.store.fetch_dataset(user.id, name)
        try:
            return count_rows(path, name, limit)
        except (OSError, JobFailure):  # missing or unreadable: reported where it is read
            return limit

    return rows
