"""Stream a file from an already opened descriptor, with single-range ``Range`` support."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from fastapi import Request
from fastapi.responses import StreamingResponse

from avatar_server.errors import ApiError

CHUNK_SIZE = 256 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``(start, end inclusive)`` of a single byte range; None to send the whole file."""
    if not header:
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None:
        return None  # malformed or multi-range: RFC 9110 allows ignoring Range
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        length = int(last)
        if length == 0:
            raise _unsatisfiable(size)
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        raise _unsatisfiable(size)
    return start, end


def _unsatisfiable(size: int) -> ApiError:
    return ApiError(
        416,
        "range_not_satisfiable",
        f"The requested range is outside the file ({size} bytes).",
        headers={"Content-Range": f"bytes */{size}"},
    )


def _read(fd: int, start: int, length: int) -> Iterator[bytes]:
    try:
        remaining = length
        offset = start
        while remaining > 0:
            chunk = os.pread(fd, min(CHUNK_SIZE, remaining), offset)
            if not chunk:
                break
            offset += len(chunk)
            remaining -= len(chunk)
            yield chunk
    finally:
        os.close(fd)


def file_response(
    path: Path, request: Request, *, media_type: str, download_name: str
) -> StreamingResponse:
    """Answer with the file at ``path`` (206 for a satisfiable ``Range``).

    The file is opened before answering, so an atomic replacement during the download
    never mixes two versions.

    Example:
        >>> file_response(p, req, media_type="text/csv", download_name="a.csv")  # doctest: +SKIP
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        byte_range = _parse_range(request.headers.get("range"), size)
    except BaseException:
        os.close(fd)
        raise
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Disposition": f'attachment; filename="{download_name}"',
    }
    if byte_range is None:
        headers["Content-Length"] = str(size)
        return StreamingResponse(
            _read(fd, 0, size), media_type=media_type, headers=headers, status_code=200
        )
    start, end = byte_range
    headers["Content-Length"] = str(end - start + 1)
    headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return StreamingResponse(
        _read(fd, start, end - start + 1), media_type=media_type, headers=headers, status_code=206
    )
