"""Job state in the database: creation rules, claiming, dependencies, recovery."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, aliased

from avatar_server.models import Job, JobDependency
from avatar_server.schemas import DONE_STATUSES, FAILED_STATUSES, JobResponse, JobStatus

REQUIRED_PARENT_KINDS: dict[str, frozenset[str]] = {
    "standard": frozenset(),
    "advice": frozenset(),
    "privacy_metrics": frozenset({"standard"}),
    "signal_metrics": frozenset({"standard"}),
    "report": frozenset({"standard", "privacy_metrics", "signal_metrics"}),
}
LOST_MESSAGE = "The server stopped while this job ran, so it did not finish. Create the job again."
_FAILED = [status.value for status in FAILED_STATUSES]


def now_utc() -> datetime:
    """The current UTC time."""
    return datetime.now(UTC)


def dependencies_of(db: Session, names: Sequence[str]) -> dict[str, list[str]]:
    """Job name -> its parents' names (in the order given at creation)."""
    result: dict[str, list[str]] = {name: [] for name in names}
    if not names:
        return result
    rows = db.execute(
        select(JobDependency.job_name, JobDependency.parent_name)
        .where(JobDependency.job_name.in_(names))
        .order_by(JobDependency.job_name, JobDependency.position)
    )
    for job_name, parent_name in rows:
        result[job_name].append(parent_name)
    return result


def to_job_response(job: Job, depends_on: list[str]) -> JobResponse:
    """The public view of a job."""
    return JobResponse(
        name=job.name,
        set_name=job.set_name,
        display_name=job.display_name,
        parameters_name=job.parameters_name,
        kind=job.kind,  # type: ignore[arg-type]
        status=job.status,  # type: ignore[arg-type]
        progress=job.progress,
        phase=job.phase,
        exception=job.exception,
        done=job.status in DONE_STATUSES,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        depends_on=depends_on,
    )


def job_responses(db: Session, jobs: Sequence[Job]) -> list[JobResponse]:
    """Public views of several jobs (one query for all dependencies)."""
    deps = dependencies_of(db, [job.name for job in jobs])
    return [to_job_response(job, deps[job.name]) for job in jobs]


def ancestor_kinds(db: Session, parents: Iterable[Job]) -> dict[str, str]:
    """Kind -> job name over the parents and all their ancestors (nearest first)."""
    kinds: dict[str, str] = {}
    frontier = list(parents)
    seen: set[str] = set()
    while frontier:
        for job in frontier:
            kinds.setdefault(job.kind, job.name)
            seen.add(job.name)
        next_names = [
            name
            for names in dependencies_of(db, [job.name for job in frontier]).values()
            for name in names
            if name not in seen
        ]
        frontier = (
            list(db.scalars(select(Job).where(Job.name.in_(next_names)))) if next_names else []
        )
    return kinds


def claim_next_job(db: Session, run_token: str) -> Job | None:
    """Atomically move the oldest runnable queued job to ``running`` and return it."""
    parent = aliased(Job)
    blocked = (
        select(JobDependency.job_name)
        .outerjoin(parent, parent.name == JobDependency.parent_name)
        .where(
            JobDependency.job_name == Job.name,
            or_(parent.name.is_(None), parent.status != JobStatus.FINISHED.value),
        )
        .exists()
    )
    candidates = db.scalars(
        select(Job.name)
        .where(Job.status == JobStatus.QUEUED.value, ~blocked)
        .order_by(Job.created_at, Job.name)
        .limit(5)
    ).all()
    for name in candidates:
        claimed = db.execute(
            update(Job)
            .where(Job.name == name, Job.status == JobStatus.QUEUED.value)
            .values(
                status=JobStatus.RUNNING.value,
                run_token=run_token,
                started_at=now_utc(),
                progress=0.0,
                phase="starting",
            )
        )
        db.commit()
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            return db.get(Job, name, populate_existing=True)
    return None


def has_runnable_jobs(db: Session) -> bool:
    """Whether any job is queued (runnable or not)."""
    count = db.scalar(
        select(func.count()).select_from(Job).where(Job.status == JobStatus.QUEUED.value)
    )
    return bool(count)


def propagate_parent_errors(db: Session) -> int:
    """Mark queued jobs whose parent failed (or vanished) ``parent_error``; returns how many."""
    total = 0
    while True:
        parent = aliased(Job)
        rows = db.execute(
            select(JobDependency.job_name, JobDependency.parent_name, parent.status)
            .join(Job, Job.name == JobDependency.job_name)
            .outerjoin(parent, parent.name == JobDependency.parent_name)
            .where(
                Job.status == JobStatus.QUEUED.value,
                or_(parent.name.is_(None), parent.status.in_(_FAILED)),
            )
        ).all()
        changed = 0
        for job_name, parent_name, parent_status in rows:
            reason = f"ended with status '{parent_status}'" if parent_status else "was deleted"
            result = db.execute(
                update(Job)
                .where(Job.name == job_name, Job.status == JobStatus.QUEUED.value)
                .values(
                    status=JobStatus.PARENT_ERROR.value,
                    exception=f"Parent job {parent_name} {reason}; fix it and create "
                    "both jobs again.",
                    finished_at=now_utc(),
                )
            )
            changed += result.rowcount  # type: ignore[attr-defined]
        db.commit()
        total += changed
        if not changed:
            return total


def mark_running_jobs_lost(db: Session, token_prefix: str | None = None) -> int:
    """Running jobs (optionally only those whose run token starts with a prefix) -> ``lost``."""
    statement = update(Job).where(Job.status == JobStatus.RUNNING.value)
    if token_prefix is not None:
        statement = statement.where(Job.run_token.startswith(token_prefix, autoescape=True))
    result = db.execute(
        statement.values(
            status=JobStatus.LOST.value,
            exception=LOST_MESSAGE,
            finished_at=now_utc(),
        )
    )
    db.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


def finish_job(
    db: Session, name: str, run_token: str, status: JobStatus, exception: str | None
) -> bool:
    """Record the end of a run; False if the run no longer owns the job (lost, deleted)."""
    values: dict[str, object] = {
        "status": status.value,
        "exception": exception,
        "finished_at": now_utc(),
    }
    if status is JobStatus.FINISHED:
        values.update(progress=1.0, phase="done")
    result = db.execute(
        update(Job)
        .where(
            Job.name == name,
            Job.run_token == run_token,
            Job.status == JobStatus.RUNNING.value,
        )
        .values(**values)
    )
    db.commit()
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]
