"""Result files of finished jobs."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from avatar_server.auth import CurrentUser, DbSession, State
from avatar_server.errors import ApiError, error_responses
from avatar_server.figures_on_demand import (
    FiguresUnavailableError,
    ensure_result_file,
    promised_figures,
)
from avatar_server.file_response import file_response
from avatar_server.routes.datasets import BINARY_SCHEMA
from avatar_server.routes.jobs import find_job
from avatar_server.schemas import ResultFiles
from avatar_server.state import ServerState
from avatar_server.storage import InvalidNameError, check_name

router = APIRouter(prefix="/api/results", tags=["results"])

FIGURE_NAMES = frozenset({"projection", "distributions", "correlations"})


def result_kind(file_name: str) -> str:
    """Result kind of a file named ``<table>.<kind>.<ext>`` (or ``report.pdf``).

    Example:
        >>> result_kind("wbcd.projection.png"), result_kind("report.pdf")
        ('figures', 'report')
    """
    parts = file_name.split(".")
    kind = parts[-2] if len(parts) >= 3 else parts[0]
    return "figures" if kind in FIGURE_NAMES else kind


def list_result_files(folder: Path) -> dict[str, list[str]]:
    """Result kind -> sorted file names in a job's results folder."""
    grouped: dict[str, list[str]] = {}
    if not folder.is_dir():
        return grouped
    names = {p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")}
    names.update(promised_figures(folder))  # drawn when first downloaded
    for name in sorted(names):
        grouped.setdefault(result_kind(name), []).append(name)
    return grouped


def draw_missing_figure(state: ServerState, user_id: str, job_name: str, file: str) -> None:
    """Draw the file ``file`` of a job if it is a figure or report file not drawn yet (no-op
    otherwise).

    Raises:
        ApiError: 409 when the file cannot be drawn any more (its dataset changed).
    """
    folder = state.store.fetch_results(user_id, job_name)
    promised = promised_figures(folder)
    if file not in promised or (folder / file).is_file():
        return
    try:
        ensure_result_file(
            folder, file, lambda name: state.store.fetch_dataset(user_id, name),
            lambda name: state.store.fetch_results(user_id, name),
        )
    except FiguresUnavailableError as exc:
        raise ApiError(409, "figures_unavailable", exc.detail) from None
    state.store.publish_results(user_id, job_name, promised)


@router.get("/{job_name}", response_model=ResultFiles, responses=error_responses(401, 404))
def get_results(job_name: str, user: CurrentUser, db: DbSession, state: State) -> ResultFiles:
    """Files produced by a job, by result kind (empty until the job has finished)."""
    job = find_job(db, user, job_name)
    return ResultFiles(list_result_files(state.store.fetch_results(user.id, job.name)))


@router.get(
    "/{job_name}/{file}",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The file bytes",
            "content": {"application/octet-stream": {"schema": BINARY_SCHEMA}},
        },
        206: {
            "description": "The requested byte range",
            "content": {"application/octet-stream": {"schema": BINARY_SCHEMA}},
        },
        **error_responses(401, 404, 416),
    },
)
def get_result_file(
    job_name: str, file: str, request: Request, user: CurrentUser, db: DbSession, state: State
) -> StreamingResponse:
    """Stream one result file (only complete files of finished jobs are ever visible)."""
    job = find_job(db, user, job_name)
    not_found = ApiError(
        404, "result_not_found", f"Job {job.name} has no result file {file[:128]!r}."
    )
    try:
        path = state.store.result_file(user.id, job.name, check_name(file))
    except InvalidNameError as exc:
        raise not_found from exc
    draw_missing_figure(state, user.id, job.name, path.name)
    state.store.fetch_results(user.id, job.name)
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    try:
        return file_response(path, request, media_type=media_type, download_name=path.name)
    except (FileNotFoundError, IsADirectoryError) as exc:
        raise not_found from exc
