"""Jobs: creation with dependencies and idempotency, listing, long-poll, cancel, delete."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from typing import Annotated

import anyio
from fastapi import APIRouter, Header, Query, Request, Response
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from avatar_server.auth import CurrentUser, DbSession, State
from avatar_server.errors import ApiError, error_responses
from avatar_server.jobs import (
    REQUIRED_PARENT_KINDS,
    ancestor_kinds,
    dependencies_of,
    job_responses,
    now_utc,
    to_job_response,
)
from avatar_server.models import Job, JobDependency, User
from avatar_server.resource_sets import ResourceSetError, parse_resource_set
from avatar_server.routes.resources import find_resource_set
from avatar_server.schemas import (
    DONE_STATUSES,
    BulkDeleteRequest,
    BulkDeleteResponse,
    JobCreate,
    JobCreated,
    JobList,
    JobResponse,
    JobStatus,
)
from avatar_server.state import ServerState

router = APIRouter(prefix="/api/jobs", tags=["jobs"])

MAX_WAIT_SECONDS = 60.0
MAX_OFFSET = 1_000_000_000  # far beyond any job count; keeps the SQL integer in range
DISCONNECT_CHECK_SECONDS = 1.0


def find_job(db: Session, user: User, name: str) -> Job:
    """The user's job ``name``, or 404 (also for other users' jobs)."""
    job = db.get(Job, name[:64], populate_existing=True)
    if job is None or job.user_id != user.id:
        raise ApiError(404, "job_not_found", f"No job named {name[:64]!r}.")
    return job


def _request_hash(body: JobCreate) -> str:
    payload = json.dumps(body.model_dump(), sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def _replay(db: Session, user: User, key: str, request_hash: str) -> Job | None:
    job = db.scalar(select(Job).where(Job.user_id == user.id, Job.idempotency_key == key))
    if job is not None and job.request_hash != request_hash:
        raise ApiError(
            409,
            "idempotency_key_reused",
            "This Idempotency-Key was already used for a different job: use a new key.",
        )
    return job


def _check_parents(db: Session, user: User, kind: str, depends_on: list[str]) -> list[Job]:
    parents = []
    for name in depends_on:
        parents.append(find_job(db, user, name))
    present = ancestor_kinds(db, parents)
    missing = sorted(REQUIRED_PARENT_KINDS[kind] - present.keys())
    if missing:
        raise ApiError(
            422,
            "missing_dependency",
            f"A {kind} job needs a {' and a '.join(missing)} job in depends_on "
            "(directly or through its parents).",
        )
    return parents


def _created(response: Response, job: Job) -> JobCreated:
    location = f"/api/jobs/{job.name}"
    response.headers["Location"] = location
    return JobCreated(name=job.name, Location=location)


@router.post(
    "",
    status_code=201,
    response_model=JobCreated,
    responses=error_responses(401, 404, 409),
)
def create_job(
    body: JobCreate,
    response: Response,
    user: CurrentUser,
    db: DbSession,
    state: State,
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
) -> JobCreated:
    """Queue one parameters document of a resource set; the job is stored before answering.

    With an ``Idempotency-Key`` header, retrying the same request returns the same job.
    """
    request_hash = _request_hash(body)
    if idempotency_key:
        existing = _replay(db, user, idempotency_key, request_hash)
        if existing is not None:
            return _created(response, existing)
    row = find_resource_set(db, user, body.set_name)
    try:
        resource_set = parse_resource_set(row.yaml_text, max_bytes=len(row.yaml_text.encode()) + 1)
    except ResourceSetError as exc:
        raise ApiError(422, exc.code, exc.detail) from exc
    kind = resource_set.job_kind(body.parameters_name)
    if kind is None:
        names = ", ".join(resource_set.parameter_names()) or "none"
        raise ApiError(
            422,
            "unknown_parameters",
            f"The resource set has no parameters document named {body.parameters_name[:128]!r} "
            f"(available: {names}).",
        )
    if kind != "advice" and any(
        schema.spec.check_links_between_tables is False
        for schema in resource_set.schemas.values()
    ):
        raise ApiError(
            422,
            "invalid_resource_set",
            "The schema of this set says its tables are not linked yet "
            "(check_links_between_tables: false): only an advice job runs on it. Add the "
            "links (the links advice lists them), drop check_links_between_tables and store "
            "the set again.",
        )
    depends_on = list(dict.fromkeys(body.depends_on))
    _check_parents(db, user, kind, depends_on)
    job = Job(
        name=str(uuid.uuid4()),
        user_id=user.id,
        set_name=row.set_name,
        display_name=row.display_name,
        parameters_name=body.parameters_name,
        kind=kind,
        status=JobStatus.QUEUED.value,
        progress=0.0,
        idempotency_key=idempotency_key or None,
        request_hash=request_hash,
        created_at=now_utc(),
    )
    db.add(job)
    db.flush()
    for position, parent in enumerate(depends_on):
        db.add(JobDependency(job_name=job.name, parent_name=parent, position=position))
    try:
        db.commit()
    except IntegrityError:  # the same Idempotency-Key won a race
        db.rollback()
        existing = _replay(db, user, idempotency_key or "", request_hash)
        if existing is None:
            raise
        return _created(response, existing)
    state.supervisor.wake()
    return _created(response, job)


@router.get("", response_model=JobList, responses=error_responses(401))
def get_jobs(
    user: CurrentUser,
    db: DbSession,
    display_name: Annotated[str | None, Query(max_length=128)] = None,
    set_name: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> JobList:
    """The caller's jobs, newest first, with the total count for paging."""
    conditions = [Job.user_id == user.id]
    if display_name is not None:
        conditions.append(Job.display_name == display_name)
    if set_name is not None:
        conditions.append(Job.set_name == set_name)
    total = db.scalar(select(func.count()).select_from(Job).where(*conditions)) or 0
    jobs = db.scalars(
        select(Job)
        .where(*conditions)
        .order_by(Job.created_at.desc(), Job.name.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return JobList(jobs=job_responses(db, jobs), total=total)


def _load_job(state: ServerState, user: User, name: str) -> JobResponse:
    with state.sessions() as db:
        job = find_job(db, user, name)
        return to_job_response(job, dependencies_of(db, [job.name])[job.name])


@router.get("/{name}", response_model=JobResponse, responses=error_responses(401, 404))
async def get_job(
    name: str,
    request: Request,
    user: CurrentUser,
    state: State,
    wait: Annotated[
        float | None,
        Query(
            ge=0,
            allow_inf_nan=False,
            description="Seconds to wait for the job to be done (capped at 60).",
        ),
    ] = None,
) -> JobResponse:
    """A job's state; with ``wait=<seconds>`` (capped at 60) answers as soon as it is done."""
    job = await anyio.to_thread.run_sync(_load_job, state, user, name)
    if not wait:
        return job
    deadline = time.monotonic() + min(wait, MAX_WAIT_SECONDS)
    while not job.done:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            # the final answer is read again, in case the watcher could not read the database
            return await anyio.to_thread.run_sync(_load_job, state, user, name)
        if await request.is_disconnected():
            return job
        # Woken by the shared job watcher as soon as the job ends; the slice bounds how
        # long a vanished client keeps its request open.
        if await state.job_watcher.wait_done(job.name, min(DISCONNECT_CHECK_SECONDS, remaining)):
            job = await anyio.to_thread.run_sync(_load_job, state, user, name)
    return job


@router.post("/{name}/cancel", response_model=JobResponse, responses=error_responses(401, 404, 409))
def cancel_job(name: str, user: CurrentUser, db: DbSession, state: State) -> JobResponse:
    """Cancel a job: a queued one at once, a running one at its next safe point."""
    job = find_job(db, user, name)
    if job.status in DONE_STATUSES:
        raise ApiError(
            409, "job_already_done", f"Job {job.name} already ended with status '{job.status}'."
        )
    cancelled = db.execute(
        update(Job)
        .where(Job.name == job.name, Job.status == JobStatus.QUEUED.value)
        .values(
            status=JobStatus.CANCELLED.value,
            exception="The job was cancelled.",
            finished_at=now_utc(),
            cancel_requested=True,
        )
    )
    if cancelled.rowcount != 1:  # type: ignore[attr-defined]
        db.execute(update(Job).where(Job.name == job.name).values(cancel_requested=True))
    db.commit()
    state.supervisor.wake()
    state.job_watcher.notify([job.name])
    job = find_job(db, user, name)
    return to_job_response(job, dependencies_of(db, [job.name])[job.name])


@router.post("/bulk-delete", response_model=BulkDeleteResponse, responses=error_responses(401))
def bulk_delete_jobs(
    body: BulkDeleteRequest, user: CurrentUser, db: DbSession, state: State
) -> BulkDeleteResponse:
    """Delete up to 100 jobs and their results; running jobs are cancelled, not deleted."""
    deleted: list[str] = []
    failed: list[str] = []
    for name in dict.fromkeys(body.job_names):
        job = db.get(Job, name[:64])
        if job is None or job.user_id != user.id:
            failed.append(name)
            continue
        result = db.execute(
            delete(Job).where(Job.name == job.name, Job.status != JobStatus.RUNNING.value)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            db.execute(delete(JobDependency).where(JobDependency.job_name == job.name))
            db.commit()
            state.store.remove_results(user.id, job.name)
            deleted.append(name)
        else:
            db.execute(update(Job).where(Job.name == job.name).values(cancel_requested=True))
            db.commit()
            failed.append(name)
    state.supervisor.wake()
    return BulkDeleteResponse(deleted_jobs=deleted, failed_jobs=failed)
