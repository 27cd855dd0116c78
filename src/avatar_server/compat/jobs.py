"""Jobs and their results in the established client's shapes.

Differences from this server's own API: a job depends on parents given by their
``Location`` (``/api/jobs/<name>``) as well as by name; a running job reads ``pending``;
``exception`` is always a string; deleting answers with the deleted jobs; results are
access URLs of storage objects (``<api>/access?url=s3://avatars/<user>/results/<job>/<file>``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response
from sqlalchemy import select, update

from avatar_server.auth import CurrentUser, DbSession, State
from avatar_server.compat import events
from avatar_server.compat.figure_views import FIGURES_INDEX
from avatar_server.compat.metric_summaries import summary_name
from avatar_server.compat.result_views import client_file_name
from avatar_server.compat.upload_urls import user_prefix
from avatar_server.errors import ApiError
from avatar_server.jobs import dependencies_of, job_responses, now_utc, to_job_response
from avatar_server.models import Job, JobDependency, ResourceSetRow, User
from avatar_server.routes import jobs as own_jobs
from avatar_server.routes.results import list_result_files
from avatar_server.schemas import JobCreate, JobResponse, JobStatus
from avatar_server.state import ServerState

router = APIRouter(prefix="/api")

MAX_NAMES = 100
_STATUS = {JobStatus.RUNNING.value: "pending"}
# Result kinds whose files the client can read (it reads everything but pdf/docx/parquet as
# UTF-8 text, so images stay out of the listing).
_READABLE_SUFFIXES = (".csv", ".parquet", ".json", ".pdf", ".docx")


def compat_job(job: JobResponse) -> dict[str, Any]:
    """A job in the established client's ``JobResponse`` shape."""
    return {
        "name": job.name,
        "set_name": job.set_name,
        "parameters_name": job.parameters_name,
        "display_name": job.display_name,
        "created_at": job.created_at.isoformat(),
        "kind": job.kind.value,
        "status": _STATUS.get(job.status.value, job.status.value),
        "exception": job.exception or "",
        "done": job.done,
        "progress": job.progress,
        "phase": job.phase or "",
        "phase_done": 0,
        "phase_total": 0,
        "deleted_at": None,
    }


def _parent_name(reference: str) -> str:
    """A parent given as ``/api/jobs/<name>``, ``/jobs/<name>`` or ``<name>`` -> ``<name>``."""
    return reference.rstrip("/").rsplit("/", 1)[-1]


@router.post("/jobs", status_code=201)
def create_job(
    body: JobCreate, response: Response, user: CurrentUser, db: DbSession, state: State
) -> dict[str, Any]:
    """Queue a job; parents may be given by their Location."""
    body = JobCreate(
        set_name=body.set_name,
        parameters_name=body.parameters_name,
        depends_on=[_parent_name(reference) for reference in body.depends_on],
    )
    created = own_jobs.create_job(body, response, user, db, state)
    events.record(state, user.id, "create", "job", created.name)
    # No Location header: on a 201 with one, the client fetches it and reads the job found
    # there as this answer. In the body it is relative to the API root, as the client keeps it.
    del response.headers["Location"]
    return {"name": created.name, "Location": f"/jobs/{created.name}"}


def _jobs(db: DbSession, user: User, names: list[str] | None = None) -> list[Job]:
    statement = select(Job).where(Job.user_id == user.id)
    if names is not None:
        statement = statement.where(Job.name.in_(names))
    return list(db.scalars(statement.order_by(Job.created_at.desc(), Job.name.desc())))


@router.get("/jobs")
def get_jobs(
    user: CurrentUser,
    db: DbSession,
    kind: Annotated[list[str] | None, Query(max_length=20)] = None,
    display_name: Annotated[str | None, Query(max_length=128)] = None,
    set_name: Annotated[str | None, Query(max_length=64)] = None,
    names: Annotated[list[str] | None, Query()] = None,
    limit: Annotated[int | None, Query(ge=1, le=10_000)] = None,
    include_deleted: bool | None = None,
) -> dict[str, Any]:
    """The caller's jobs, newest first; all filters apply together."""
    if names is not None and len(set(names)) > MAX_NAMES:
        raise ApiError(400, "too_many_names", f"Ask for at most {MAX_NAMES} job names at once.")
    jobs = [
        job
        for job in _jobs(db, user, names)
        if (not kind or job.kind in kind)
        and (display_name is None or job.display_name == display_name)
        and (set_name is None or job.set_name == set_name)
    ][:limit]
    return {"jobs": [compat_job(job) for job in job_responses(db, jobs)]}


@router.get("/jobs/last_set")
def get_last_jobs(user: CurrentUser, db: DbSession) -> dict[str, Any]:
    """The jobs of the caller's most recently stored resource set."""
    last = db.scalar(
        select(ResourceSetRow.set_name)
        .join(Job, Job.set_name == ResourceSetRow.set_name)
        .where(ResourceSetRow.user_id == user.id)
        .order_by(ResourceSetRow.created_at.desc())
        .limit(1)
    )
    jobs = [job for job in _jobs(db, user) if job.set_name == last] if last else []
    return {"jobs": [compat_job(job) for job in job_responses(db, jobs)]}


@router.get("/jobs/{name}")
def get_job_status(name: str, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    """One job's state."""
    job = own_jobs.find_job(db, user, name)
    return compat_job(to_job_response(job, dependencies_of(db, [job.name])[job.name]))


@router.post("/jobs/{name}/cancel")
def cancel_job(name: str, user: CurrentUser, db: DbSession, state: State) -> dict[str, Any]:
    """Cancel a job (409 when it is already over)."""
    cancelled = own_jobs.cancel_job(name, user, db, state)
    events.record(state, user.id, "cancel", "job", cancelled.name)
    for waiting in _cancel_waiting_jobs(db, cancelled.name):
        events.record(state, user.id, "cancel", "job", waiting)
    state.job_watcher.notify([cancelled.name])
    return compat_job(cancelled)


def _cancel_waiting_jobs(db: DbSession, name: str) -> list[str]:
    """Cancel the queued jobs that wait on ``name`` (directly or not), as the client expects."""
    cancelled: list[str] = []
    frontier = [name]
    while frontier:
        children = list(
            db.scalars(
                select(JobDependency.job_name).where(JobDependency.parent_name.in_(frontier))
            )
        )
        frontier = []
        for child in children:
            result = db.execute(
                update(Job)
                .where(Job.name == child, Job.status == JobStatus.QUEUED.value)
                .values(
                    status=JobStatus.CANCELLED.value,
                    exception=f"Cancelled with job {name}, which it waited on.",
                    finished_at=now_utc(),
                    cancel_requested=True,
                )
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                cancelled.append(child)
                frontier.append(child)
    db.commit()
    return cancelled


def _delete(
    db: DbSession, user: User, state: ServerState, names: list[str]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Delete jobs, cancelling running ones first (they are deleted once they stop)."""
    before = {job.name: job for job in job_responses(db, _jobs(db, user, names))}
    for name, job in before.items():
        if job.status is JobStatus.RUNNING:
            own_jobs.cancel_job(name, user, db, state)
    result = own_jobs.bulk_delete_jobs(own_jobs.BulkDeleteRequest(job_names=names), user, db, state)
    for name in result.deleted_jobs:
        events.record(state, user.id, "delete", "job", name)
    return [compat_job(before[name]) for name in result.deleted_jobs], result.failed_jobs


@router.delete("/jobs/{name}")
def delete_job(name: str, user: CurrentUser, db: DbSession, state: State) -> dict[str, Any]:
    """Delete one job and its results."""
    job = own_jobs.find_job(db, user, name)
    deleted, _failed = _delete(db, user, state, [job.name])
    if not deleted:
        raise ApiError(
            409, "job_running", f"Job {job.name} is stopping: delete it again once it has stopped."
        )
    return deleted[0]


@router.post("/jobs/bulk-delete")
def bulk_delete_jobs(
    user: CurrentUser,
    db: DbSession,
    state: State,
    job_names: Annotated[list[str], Body(embed=True, max_length=100)],
) -> dict[str, Any]:
    """Delete up to 100 jobs; the answer lists the deleted jobs and the names that failed."""
    deleted, failed = _delete(db, user, state, list(dict.fromkeys(job_names)))
    return {"deleted_jobs": deleted, "failed_jobs": failed}


def result_urls(
    request: Request, user: User, job_name: str, folder_files: dict[str, list[str]]
) -> dict[str, list[str]]:
    """Result kind -> access URLs of the files the client can read.

    Figures are listed as HTML pages with their index (``figures_metadata``); a metrics job
    also offers its per-table summary.
    """
    base = str(request.base_url).rstrip("/") + "/api/access?url="
    prefix = f"{user_prefix(user)}/results/{job_name}/"
    listed: dict[str, list[str]] = {}
    for kind, names in folder_files.items():
        readable = [
            client_file_name(name)
            for name in names
            if name.endswith(_READABLE_SUFFIXES)
            or (kind == "figures" and client_file_name(name).endswith(".html"))
        ]
        if readable:
            listed[kind] = readable
    if listed.get("figures"):
        listed["figures_metadata"] = [FIGURES_INDEX]
    summary = summary_name([name for names in folder_files.values() for name in names])
    if summary is not None:
        listed[summary.removesuffix(".json")] = [summary]
    return {kind: [base + prefix + name for name in names] for kind, names in listed.items()}


@router.get("/results/{job_name}")
def get_results(
    job_name: str, request: Request, user: CurrentUser, db: DbSession, state: State
) -> dict[str, list[str]]:
    """URLs of a finished job's result files, by result kind."""
    job = own_jobs.find_job(db, user, job_name)
    if job.status != JobStatus.FINISHED.value:
        raise ApiError(
            409, "job_not_finished", f"Job {job.name} is {job.status}: wait until it finishes."
        )
    files = list_result_files(state.store.fetch_results(user.id, job.name))
    return result_urls(request, user, job.name, files)
