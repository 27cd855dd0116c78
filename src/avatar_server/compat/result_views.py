"""Result files as the established client reads them (metrics and advice as lists of dicts)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from fastapi import Request, Response

_METRICS_FILE = re.compile(r"^(?P<table>.+)\.(?P<kind>privacy_metrics|signal_metrics)\.json$")
_ADVICE_FILE = re.compile(r"^(?P<table>.+)\.advice\.json$")
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


# Projections: stored as ``<table>.original_projections.csv``, named by the client
# ``<table>.projections.original.csv`` (it takes the table name from that file name).
_CLIENT_NAMES = {
    "original_projections": "projections.original",
    "avatar_projections": "projections.avatars",
}


def client_file_name(stored: str) -> str:
    """The name the client expects for a stored result file.

    Example:
        >>> client_file_name("wbcd.original_projections.csv")
        'wbcd.projections.original.csv'
    """
    for ours, theirs in _CLIENT_NAMES.items():
        if stored.endswith(f".{ours}.csv"):
            return stored.removesuffix(f".{ours}.csv") + f".{theirs}.csv"
    return stored


def stored_file_name(client_name: str) -> str:
    """The stored result file behind a name from :func:`client_file_name`.

    Example:
        >>> stored_file_name("wbcd.projections.avatars.csv")
        'wbcd.avatar_projections.csv'
    """
    for ours, theirs in _CLIENT_NAMES.items():
        if client_name.endswith(f".{theirs}.csv"):
            return client_name.removesuffix(f".{theirs}.csv") + f".{ours}.csv"
    return client_name


def needs_view(path: Path) -> bool:
    """Whether the client reads this result file in another shape than the one stored."""
    return (
        _METRICS_FILE.fullmatch(path.name) is not None
        or _ADVICE_FILE.fullmatch(path.name) is not None
    )


def client_view(path: Path) -> bytes:
    """The bytes the client reads for a result file of another shape.

    Metrics are stored as ``{"metrics": {name: {"value", "target", ...}}, ...}``; the client
    reads ``[{name: value, ..., "targets": {...}, "metadata": {"table_name": ...}}]``. The
    advice of a table is stored as ``{"k", "ncp", "reasons", "details"}``; the client reads
    ``[{"table_name": ..., "advice": {"k", "ncp", "reasons"}}]``.

    Example:
        >>> client_view(Path("wbcd.privacy_metrics.json"))  # doctest: +SKIP
        b'[{"hidden_rate": 94.4, ...
    """
    advice = _ADVICE_FILE.fullmatch(path.name)
    if advice is not None:
        stored_advice: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        advised = {k: stored_advice[k] for k in ("k", "ncp", "reasons") if k in stored_advice}
        return json.dumps([{"table_name": advice["table"], "advice": advised}]).encode()
    match = _METRICS_FILE.fullmatch(path.name)
    if match is None:
        return path.read_bytes()
    stored: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    metrics = stored.get("metrics", {})
    entry: dict[str, Any] = {name: item.get("value") for name, item in metrics.items()}
    entry["targets"] = {name: item.get("target") for name, item in metrics.items()}
    entry["passed"] = {name: item.get("passed") for name, item in metrics.items()}
    entry["metadata"] = {"table_name": match["table"], "computation_type": "standalone"}
    return json.dumps([entry], default=str).encode()


def bytes_response(data: bytes, request: Request, headers: dict[str, str]) -> Response:
    """Answer with ``data``, honouring a single ``Range: bytes=a-b`` (206) as S3 does."""
    header = request.headers.get("range", "")
    match = _RANGE.fullmatch(header.strip())
    if request.method == "HEAD" or match is None or not (match[1] or match[2]):
        if request.method == "HEAD":
            return Response(
                status_code=200,
                headers={**headers, "Content-Length": str(len(data)), "Accept-Ranges": "bytes"},
            )
        return Response(data, media_type="application/octet-stream", headers=headers)
    if match[1]:
        start, end = int(match[1]), min(int(match[2] or len(data) - 1), len(data) - 1)
    else:
        start, end = max(len(data) - int(match[2]), 0), len(data) - 1
    if start >= len(data) or start > end:
        return Response(status_code=416, headers={"Content-Range": f"bytes */{len(data)}"})
    return Response(
        data[start : end + 1],
        status_code=206,
        media_type="application/octet-stream",
        headers={**headers, "Content-Range": f"bytes {start}-{end}/{len(data)}"},
    )
