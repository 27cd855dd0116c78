"""The S3 subset the established client uses through s3fs, served from the data folder.

Bucket ``avatars``; keys ``<user id>/<dataset>`` (the user's uploads, writable) and
``<user id>/results/<job>/<file>`` (finished jobs' results, read-only). Every request must
carry a valid AWS Signature V4 made with credentials from ``GET /api/access``; a caller only
ever reaches keys under their own user id. Supported: HEAD/GET bucket and object (ranges),
ListObjectsV2, PUT object, multipart upload, DELETE of an upload.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import uuid
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import anyio
from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from avatar_server.auth import get_state
from avatar_server.compat import events
from avatar_server.compat.credentials import resolve_access_key
from avatar_server.compat.datasets_bridge import register_upload
from avatar_server.compat.result_views import (
    bytes_response,
    client_view,
    needs_view,
    stored_file_name,
    view_exists,
    view_source,
)
from avatar_server.compat.sigv4 import UNSIGNED, SignatureError, verify
from avatar_server.errors import ApiError
from avatar_server.file_response import file_response
from avatar_server.models import Job
from avatar_server.routes.results import draw_missing_figure
from avatar_server.state import ServerState
from avatar_server.storage import InvalidNameError, check_name

router = APIRouter(prefix="/storage")

BUCKET = "avatars"
MAX_PARTS = 10_000
_PART_NUMBER = re.compile(r"^[1-9][0-9]{0,4}$")
_UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
_XML = "application/xml"


def _error(status: int, code: str, message: str) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{escape(message)}</Message></Error>"
    )
    return Response(body, status_code=status, media_type=_XML)


class _S3Error(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.response = _error(status, code, message)


def _authenticate(request: Request, state: ServerState) -> tuple[str, str]:
    secret = state.token_codec().secret
    headers = {name.lower(): value for name, value in request.headers.items()}
    try:
        verified = verify(
            request.method,
            request.scope.get("raw_path", request.url.path.encode()).decode(),
            request.url.query,
            headers,
            lambda key_id: resolve_access_key(secret, key_id),
        )
    except SignatureError as exc:
        raise _S3Error(403, exc.code, exc.message) from exc
    return verified.user_id, verified.payload_sha256


class _Target:
    """Where a key of the caller lives on disk."""

    def __init__(self, state: ServerState, user_id: str, key: str) -> None:
        parts = key.split("/")
        if not parts or parts[0] != user_id:
            raise _S3Error(403, "AccessDenied", "Keys must start with your own user id.")
        self.user_id = user_id
        self.key = key
        self.job_name: str | None = None
        try:
            if len(parts) == 2:
                self.dataset = check_name(parts[1])
                self.path = state.store.fetch_dataset(user_id, self.dataset)
            elif len(parts) == 4 and parts[1] == "results":
                self.dataset = ""
                self.job_name = parts[2]
                stored = stored_file_name(check_name(parts[3]))
                state.store.fetch_results(user_id, parts[2])
                self.path = state.store.result_file(user_id, parts[2], stored)
            else:
                raise InvalidNameError(key)
        except InvalidNameError as exc:
            raise _S3Error(404, "NoSuchKey", f"No object {key[:200]!r}.") from exc


def _split(path: str) -> tuple[str, str]:
    bucket, _, key = path.partition("/")
    if bucket != BUCKET:
        raise _S3Error(404, "NoSuchBucket", f"The only bucket is {BUCKET!r}.")
    return bucket, key


def _job_visible(state: ServerState, target: _Target) -> bool:
    if target.job_name is None:
        return True
    with state.sessions() as db:
        job = db.get(Job, target.job_name[:64])
        return job is not None and job.user_id == target.user_id


def _http_date(path: Path) -> str:
    return format_datetime(datetime.fromtimestamp(path.stat().st_mtime, UTC), usegmt=True)


def _md5_etag(data: bytes) -> str:
    return '"' + hashlib.md5(data, usedforsecurity=False).hexdigest() + '"'


def _etag(path: Path) -> str:
    stat = path.stat()
    return _md5_etag(f"{stat.st_size}:{stat.st_mtime_ns}".encode())


async def _read_body(request: Request, limit: int, payload_sha256: str) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _S3Error(400, "EntityTooLarge", f"Objects are limited to {limit} bytes.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _S3Error(400, "EntityTooLarge", f"Objects are limited to {limit} bytes.")
        chunks.append(chunk)
    body = b"".join(chunks)
    if payload_sha256 not in UNSIGNED and hashlib.sha256(body).hexdigest() != payload_sha256:
        raise _S3Error(400, "XAmzContentSHA256Mismatch", "The body does not match its SHA-256.")
    if request.headers.get("content-encoding", "").startswith("aws-chunked"):
        raise _S3Error(501, "NotImplemented", "aws-chunked uploads are not supported.")
    return body


def _list_xml(state: ServerState, user_id: str, prefix: str, delimiter: str, limit: int) -> str:
    keys: list[tuple[str, Path]] = []
    state.store.fetch_all(user_id)  # with an object store, the cache may lack some
    datasets = state.store.datasets_dir(user_id)
    for path in sorted(datasets.iterdir()):
        if path.is_file() and not path.name.startswith("."):
            keys.append((f"{user_id}/{path.name}", path))
    results = state.store.results_root(user_id)
    for folder in sorted(results.iterdir()):
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if path.is_file() and not path.name.startswith("."):
                    keys.append((f"{user_id}/results/{folder.name}/{path.name}", path))
    contents: list[str] = []
    prefixes: list[str] = []
    for key, path in keys:
        if not key.startswith(prefix):
            continue
        rest = key[len(prefix) :]
        if delimiter and delimiter in rest:
            common = prefix + rest.split(delimiter, 1)[0] + delimiter
            if common not in prefixes:
                prefixes.append(common)
            continue
        if len(contents) >= limit:
            break
        stat = path.stat()
        modified = datetime.fromtimestamp(stat.st_mtime, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        contents.append(
            f"<Contents><Key>{escape(key)}</Key><LastModified>{modified}</LastModified>"
            f"<ETag>{escape(_etag(path))}</ETag><Size>{stat.st_size}</Size>"
            "<StorageClass>STANDARD</StorageClass></Contents>"
        )
    common_xml = "".join(
        f"<CommonPrefixes><Prefix>{escape(p)}</Prefix></CommonPrefixes>" for p in prefixes
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        f"<Name>{BUCKET}</Name><Prefix>{escape(prefix)}</Prefix>"
        f"<KeyCount>{len(contents) + len(prefixes)}</KeyCount><MaxKeys>{limit}</MaxKeys>"
        f"<Delimiter>{escape(delimiter)}</Delimiter><IsTruncated>false</IsTruncated>"
        f"{''.join(contents)}{common_xml}</ListBucketResult>"
    )


def _uploads_dir(state: ServerState, user_id: str) -> Path:
    folder = state.store.datasets_dir(user_id) / ".multipart"
    folder.mkdir(exist_ok=True)
    return folder


@router.api_route("/{path:path}", methods=["GET", "HEAD", "PUT", "POST", "DELETE"])
async def storage(path: str, request: Request) -> Response:
    """Serve one S3 request (see the module docstring for the subset)."""
    state = get_state(request)
    try:
        user_id, payload = _authenticate(request, state)
        _bucket, key = _split(path)
        if not key:
            return await _bucket_request(request, state, user_id)
        target = _Target(state, user_id, key)
        return await _object_request(request, state, target, payload)
    except _S3Error as exc:
        return exc.response


async def _bucket_request(request: Request, state: ServerState, user_id: str) -> Response:
    if request.method == "HEAD":
        return Response(status_code=200)
    if request.method != "GET":
        raise _S3Error(405, "MethodNotAllowed", "Buckets cannot be created or deleted.")
    query = request.query_params
    prefix = query.get("prefix", "")
    limit = min(int(query.get("max-keys", "1000") or 1000), 1000)
    xml = await anyio.to_thread.run_sync(
        _list_xml, state, user_id, prefix, query.get("delimiter", ""), limit
    )
    return Response(xml, media_type=_XML)


async def _object_request(
    request: Request, state: ServerState, target: _Target, payload: str
) -> Response:
    query = request.query_params
    method = request.method
    if method in ("GET", "HEAD"):
        return await _read_object(request, state, target)
    if target.job_name is not None:
        raise _S3Error(403, "AccessDenied", "Results are read-only.")
    limit = state.settings.max_upload_bytes
    if method == "PUT" and "uploadId" in query:
        return await _upload_part(request, state, target, payload, limit)
    if method == "PUT":
        body = await _read_body(request, limit, payload)
        await _store(state, target, body)
        return Response(status_code=200, headers={"ETag": _md5_etag(body)})
    if method == "POST" and "uploads" in query:
        upload_id = uuid.uuid4().hex
        (_uploads_dir(state, target.user_id) / upload_id).mkdir()
        (_uploads_dir(state, target.user_id) / upload_id / "key").write_text(target.key)
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<InitiateMultipartUploadResult>'
            f"<Bucket>{BUCKET}</Bucket><Key>{escape(target.key)}</Key>"
            f"<UploadId>{upload_id}</UploadId></InitiateMultipartUploadResult>"
        )
        return Response(xml, media_type=_XML)
    if method == "POST" and "uploadId" in query:
        return await _complete_upload(request, state, target, payload, limit)
    if method == "DELETE" and "uploadId" in query:
        folder = _upload_folder(state, target, query["uploadId"])
        shutil.rmtree(folder, ignore_errors=True)
        return Response(status_code=204)
    if method == "DELETE":
        raise _S3Error(403, "AccessDenied", "Delete datasets with DELETE /api/datasets/<name>.")
    raise _S3Error(405, "MethodNotAllowed", f"{method} is not supported on objects.")


def _draw_figure(state: ServerState, target: _Target) -> None:
    """Draw a job's figure on its first download (figures are drawn on demand)."""
    assert target.job_name is not None
    try:
        draw_missing_figure(state, target.user_id, target.job_name, target.path.name)
    except ApiError as exc:
        raise _S3Error(409, "FiguresUnavailable", exc.detail) from None


async def _read_object(request: Request, state: ServerState, target: _Target) -> Response:
    visible = await anyio.to_thread.run_sync(_job_visible, state, target)
    if visible and target.job_name is not None and not target.path.is_file():
        await anyio.to_thread.run_sync(_draw_figure, state, target)  # no-op unless a figure
    if not visible or not view_exists(target.path):
        if request.method == "HEAD":
            return Response(status_code=404)
        raise _S3Error(404, "NoSuchKey", f"No object {target.key[:200]!r}.")
    source = view_source(target.path)
    headers = {"ETag": _etag(source), "Last-Modified": _http_date(source)}
    if needs_view(target.path):
        job_name = target.job_name or ""

        def table_stats(table: str) -> list[dict[str, Any]]:
            from avatar_server.compat.table_stats import advised_table_stats  # loads pandas

            return advised_table_stats(state, target.user_id, job_name, table)

        data = await anyio.to_thread.run_sync(client_view, target.path, table_stats)
        if request.method == "GET":
            await anyio.to_thread.run_sync(
                events.record, state, target.user_id, "download", "file", target.key
            )
        return bytes_response(data, request, headers)
    if request.method == "HEAD":
        size = target.path.stat().st_size
        return Response(
            status_code=200,
            headers={**headers, "Content-Length": str(size), "Accept-Ranges": "bytes"},
            media_type="application/octet-stream",
        )
    response: StreamingResponse = file_response(
        target.path,
        request,
        media_type="application/octet-stream",
        download_name=target.path.name,
    )
    response.headers.update(headers)
    if target.job_name is not None:
        await anyio.to_thread.run_sync(
            events.record, state, target.user_id, "download", "file", target.key
        )
    return response


async def _store(state: ServerState, target: _Target, body: bytes) -> None:
    if not body:
        raise _S3Error(400, "InvalidRequest", "Empty objects are not stored: upload a table.")
    try:
        await anyio.to_thread.run_sync(register_upload, state, target.user_id, target.dataset, body)
    except ApiError as exc:
        raise _S3Error(400, "InvalidArgument", exc.detail) from exc
    await anyio.to_thread.run_sync(
        events.record, state, target.user_id, "create", "file", target.key
    )


def _upload_folder(state: ServerState, target: _Target, upload_id: str) -> Path:
    if not _UPLOAD_ID.fullmatch(upload_id):
        raise _S3Error(404, "NoSuchUpload", "Unknown upload id.")
    folder = _uploads_dir(state, target.user_id) / upload_id
    if not (folder / "key").is_file() or (folder / "key").read_text() != target.key:
        raise _S3Error(404, "NoSuchUpload", "Unknown upload id for this key.")
    return folder


async def _upload_part(
    request: Request, state: ServerState, target: _Target, payload: str, limit: int
) -> Response:
    number = request.query_params.get("partNumber", "")
    if not _PART_NUMBER.fullmatch(number) or int(number) > MAX_PARTS:
        raise _S3Error(400, "InvalidArgument", "partNumber must be 1-10000.")
    folder = _upload_folder(state, target, request.query_params["uploadId"])
    used = sum(p.stat().st_size for p in folder.glob("part-*"))
    body = await _read_body(request, max(limit - used, 0), payload)
    (folder / f"part-{int(number):05d}").write_bytes(body)
    return Response(status_code=200, headers={"ETag": _md5_etag(body)})


async def _complete_upload(
    request: Request, state: ServerState, target: _Target, payload: str, limit: int
) -> Response:
    folder = _upload_folder(state, target, request.query_params["uploadId"])
    await _read_body(request, 1024 * 1024, payload)  # the part list: parts are taken in order
    parts = sorted(folder.glob("part-*"))
    if not parts:
        raise _S3Error(400, "InvalidRequest", "The upload has no parts.")
    body = b"".join(p.read_bytes() for p in parts)
    shutil.rmtree(folder, ignore_errors=True)
    await _store(state, target, body)
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUploadResult>'
        f"<Bucket>{BUCKET}</Bucket><Key>{escape(target.key)}</Key>"
        f"<ETag>{escape(_md5_etag(body))}</ETag></CompleteMultipartUploadResult>"
    )
    return Response(xml, media_type=_XML)
