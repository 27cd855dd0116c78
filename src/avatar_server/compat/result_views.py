"""Result files as the established client reads them (metrics and advice as lists of dicts)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import Request, Response

from avatar_server.compat.figure_views import (
    FIGURES_INDEX,
    client_figure_name,
    figure_page,
    figures_index,
    stored_figure_name,
)
from avatar_server.compat.metric_summaries import SUMMARY_FILES, metrics_summary

TableStats = Callable[[str], list[dict[str, Any]]]

_METRICS_FILE = re.compile(r"^(?P<table>.+)\.(?P<kind>privacy_metrics|signal_metrics)\.json$")
_ADVICE_FILE = re.compile(r"^(?P<table>.+)\.advice\.json$")
_LINKS_ADVICE_FILE = re.compile(r"^(?P<table>.+)\.links\.advice\.json$")
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
    figure = client_figure_name(stored)
    if figure is not None:
        return figure
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
    figure = stored_figure_name(client_name)
    if figure is not None:
        return figure
    for ours, theirs in _CLIENT_NAMES.items():
        if client_name.endswith(f".{theirs}.csv"):
            return client_name.removesuffix(f".{theirs}.csv") + f".{ours}.csv"
    return client_name


def is_derived(path: Path) -> bool:
    """Whether ``path`` is a file the client reads that is made from its folder's files."""
    return path.name == FIGURES_INDEX or path.name in SUMMARY_FILES


def view_exists(path: Path) -> bool:
    """Whether the client can read ``path`` (a stored file, or one derived from its folder)."""
    return path.is_file() or (is_derived(path) and path.parent.is_dir())


def view_source(path: Path) -> Path:
    """The file or folder whose modification stands for the view's (ETag, Last-Modified)."""
    return path.parent if is_derived(path) else path


def needs_view(path: Path) -> bool:
    """Whether the client reads this result file in another shape than the one stored."""
    return (
        _METRICS_FILE.fullmatch(path.name) is not None
        or _ADVICE_FILE.fullmatch(path.name) is not None
        or is_derived(path)
        or client_figure_name(path.name) is not None
    )


def client_view(path: Path, table_stats: TableStats | None = None) -> bytes:
    """The bytes the client reads for a result file of another shape.

    Metrics are stored as ``{"metrics": {name: {"value", "target", ...}}, ...}``; the client
    reads ``[{name: value, ..., "targets": {...}, "metadata": {"table_name": ...}}]``. The
    advice of a table is stored as ``{"k", "ncp", "reasons", "details"}``; the client reads
    ``[{"table_name": ..., "advice": {"k", "ncp", "reasons", "summary": {"stats"}}}]``, the
    statistics of each column coming from ``table_stats(table)``. Figures are HTML pages;
    the figures index and the metric summaries are made from the folder's files.

    Example:
        >>> client_view(Path("wbcd.privacy_metrics.json"))  # doctest: +SKIP
        b'[{"hidden_rate": 94.4, ...
    """
    if path.name == FIGURES_INDEX:
        return figures_index(path.parent)
    if path.name in SUMMARY_FILES:
        return metrics_summary(path)
    if client_figure_name(path.name) is not None:
        return figure_page(path)
    links = _LINKS_ADVICE_FILE.fullmatch(path.name)
    if links is not None:
        stored_links: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return json.dumps([{"table_name": links["table"], "advice": stored_links}]).encode()
    advice = _ADVICE_FILE.fullmatch(path.name)
    if advice is not None:
        stored_advice: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        advised: dict[str, Any] = {
            k: stored_advice[k] for k in ("k", "ncp", "reasons") if k in stored_advice
        }
        stats = table_stats(advice["table"]) if table_stats is not None else []
        advised["summary"] = {"stats": stats}
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
