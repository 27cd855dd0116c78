"""Worker process: claims runnable jobs from the database and runs them through the engine."""

from __future__ import annotations

import contextlib
import importlib
import logging
import multiprocessing
import os
import shutil
import sys
import time
import traceback
import uuid
from multiprocessing.connection import Connection
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from avatar_server.database import make_engine, make_session_factory
from avatar_server.jobs import LOST_MESSAGE, ancestor_kinds, claim_next_job, finish_job
from avatar_server.models import Job, JobDependency, ResourceSetRow
from avatar_server.object_store import ObjectStoreUnavailableError
from avatar_server.schemas import JobStatus
from avatar_server.settings import Settings
from avatar_server.storage import DataStore, fsync_dir
from avatar_server.worker_channel import WorkerSignals
from avatar_server.worker_lifetime import bind_to_parent
from avatar_server.worker_start import WORKER_PRELOAD

logger = logging.getLogger("avatar_server.worker")

PROGRESS_INTERVAL_SECONDS = 0.5
STOP_CHECK_INTERVAL_SECONDS = 0.5
CANCELLED_MESSAGE = "The job was cancelled."
RUN_TOKEN_LENGTH = 36  # "<pid>-<random hex>" must fit the jobs.run_token column


def _parent_alive() -> bool:
    """Whether the API process that started this worker still runs (works with forkserver)."""
    parent = multiprocessing.parent_process()
    return parent is None or parent.is_alive()


class _Run:
    """One claimed job being executed; owns progress writes and stop checks."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        job: Job,
        run_token: str,
        signals: WorkerSignals,
    ) -> None:
        self.sessions = sessions
        self.job = job
        self.run_token = run_token
        self.signals = signals
        self._last_progress = 0.0
        self._last_check = 0.0
        self._last_phase = ""
        self._stop = False
        self.server_stopping = False

    def _owned(self) -> Job | None:
        with self.sessions() as db:
            job = db.get(Job, self.job.name)
            if job is None or job.run_token != self.run_token or job.status != "running":
                return None
            return job

    def progress(self, fraction: float, phase: str) -> None:
        now = time.monotonic()
        recent = now - self._last_progress < PROGRESS_INTERVAL_SECONDS
        if recent and phase == self._last_phase and fraction < 1.0:
            return  # throttle updates within a phase; phase changes are always written
        self._last_progress = now
        self._last_phase = phase
        with self.sessions() as db:
            db.execute(
                update(Job)
                .where(
                    Job.name == self.job.name,
                    Job.run_token == self.run_token,
                    Job.status == "running",
                )
                .values(progress=max(0.0, min(1.0, float(fraction))), phase=str(phase)[:128])
            )
            db.commit()

    def should_stop(self) -> bool:
        if self._stop:
            return True
        if self.signals.stopping() or not _parent_alive():
            self.server_stopping = True
            self._stop = True
            return True
        now = time.monotonic()
        if now - self._last_check < STOP_CHECK_INTERVAL_SECONDS:
            return False
        self._last_check = now
        job = self._owned()
        self._stop = job is None or job.cancel_requested
        return self._stop


def _context_inputs(db: Session, store: DataStore, job: Job) -> tuple[str, dict[str, Path]]:
    row = db.get(ResourceSetRow, job.set_name)
    if row is None:
        raise LookupError("resource set deleted")
    parents = list(
        db.scalars(
            select(Job)
            .join(JobDependency, JobDependency.parent_name == Job.name)
            .where(JobDependency.job_name == job.name)
        )
    )
    kinds = ancestor_kinds(db, parents)
    parent_outputs = {kind: store.fetch_results(job.user_id, name) for kind, name in kinds.items()}
    return row.yaml_text, parent_outputs


def _execute(run: _Run, settings: Settings, store: DataStore) -> tuple[JobStatus, str | None]:
    from avatar_engine import AvatarizationCancelled
    from avatar_server.job_context import Batching
    from avatar_server.pipeline import JobCancelled, JobContext, JobFailure, run_job
    from avatar_server.resource_sets import ResourceSetError, parse_resource_set

    job = run.job
    with run.sessions() as db:
        yaml_text, parent_outputs = _context_inputs(db, store, job)
    resource_set = parse_resource_set(yaml_text, max_bytes=len(yaml_text.encode()) + 1)
    dataset_paths: dict[str, Path] = {}
    for name in resource_set.dataset_names():
        path = store.fetch_dataset(job.user_id, name)
        if not path.exists():
            return JobStatus.ERROR, f"Dataset {name!r} was deleted: upload it again and rerun."
        dataset_paths[name] = path
    root = store.results_root(job.user_id)
    temp = root / f".tmp-{job.name}-{uuid.uuid4().hex[:8]}"
    temp.mkdir()
    try:
        try:
            run_job(
                JobContext(
                    kind=job.kind,
                    parameters_name=job.parameters_name,
                    resource_set=resource_set,
                    dataset_paths=dataset_paths,
                    parent_outputs=parent_outputs,
                    output_dir=temp,
                    progress=run.progress,
                    should_stop=run.should_stop,
                    batching=Batching(
                        threshold_rows=settings.batch_threshold_rows,
                        batch_rows=settings.batch_rows,
                        dask_scheduler=settings.dask_scheduler,
                        local_workers=settings.dask_local_workers,
                    ),
                )
            )
        except (JobCancelled, AvatarizationCancelled):
            if run.server_stopping:
                return JobStatus.LOST, LOST_MESSAGE
            return JobStatus.CANCELLED, CANCELLED_MESSAGE
        except (JobFailure, ResourceSetError) as exc:
            message = getattr(exc, "user_message", None) or getattr(exc, "detail", str(exc))
            return JobStatus.ERROR, str(message)
        if run.should_stop() and run.server_stopping:
            return JobStatus.LOST, LOST_MESSAGE
        for path in temp.rglob("*"):
            if path.is_file():
                with path.open("rb") as handle:
                    os.fsync(handle.fileno())
        final = store.results_dir(job.user_id, job.name)
        shutil.rmtree(final, ignore_errors=True)
        os.replace(temp, final)
        fsync_dir(root)
        store.publish_results(job.user_id, job.name)
        return JobStatus.FINISHED, None
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def _run_one(
    sessions: sessionmaker[Session],
    settings: Settings,
    store: DataStore,
    job: Job,
    run_token: str,
    signals: WorkerSignals,
) -> None:
    run = _Run(sessions, job, run_token, signals)
    try:
        status, message = _execute(run, settings, store)
    except ObjectStoreUnavailableError as exc:
        status, message = JobStatus.ERROR, exc.detail
        with contextlib.suppress(Exception):
            store.remove_results(job.user_id, job.name)
    except Exception as exc:
        logger.error(
            "job %s failed with %s\n%s",
            job.name,
            type(exc).__name__,
            "".join(traceback.format_tb(exc.__traceback__)),
        )
        status = JobStatus.ERROR
        message = (
            f"Internal error while running the job ({type(exc).__name__}); "
            "the server log has the details."
        )
    with sessions() as db:
        owned = finish_job(db, job.name, run_token, status, message)
    if not owned and status is JobStatus.FINISHED:
        store.remove_results(job.user_id, job.name)
    logger.info("job %s ended: %s", job.name, status.value)


def worker_main(settings: Settings, connection: Connection, *, hold: bool = False) -> None:
    """Entry point of a worker process: claim and run jobs until told to stop.

    ``hold``: a worker started before the server was initialized; after its imports it waits
    for the supervisor's first wake (or a stop) before it opens the database.

    Example:
        >>> channel, worker_end = WorkerChannel.create(context)  # doctest: +SKIP
        >>> worker_main(settings, worker_end)  # doctest: +SKIP
    """
    bind_to_parent()
    for module in WORKER_PRELOAD:  # already there when forked from the fork server
        importlib.import_module(module)
    signals = WorkerSignals(connection)
    if hold:
        signals.wait_for_work(None)
        if signals.stopping():
            return
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    engine = make_engine(settings.resolved_database_url())
    sessions = make_session_factory(engine)
    store = DataStore.from_settings(settings)
    prefix = f"{os.getpid()}-"
    try:
        while not signals.stopping() and _parent_alive():
            run_token = prefix + uuid.uuid4().hex[: RUN_TOKEN_LENGTH - len(prefix)]
            with sessions() as db:
                job = claim_next_job(db, run_token)
            if job is None:
                # Woken at once when a job is queued or cancelled (or the server stops);
                # the timeout is only a fallback.
                signals.wait_for_work(settings.job_poll_seconds)
                continue
            logger.info("job %s (%s) started", job.name, job.kind)
            _run_one(sessions, settings, store, job, run_token, signals)
            signals.job_ended()  # dependants may be runnable now: siblings get woken
    finally:
        engine.dispose()


def worker_process_main(
    settings: Settings, connection: Connection, *, hold: bool = False
) -> None:
    """Target of a worker process: :func:`worker_main`, then a quick exit.

    Once the worker has stopped (its jobs ended, its database connections closed), the
    process ends at once, without tearing the loaded libraries down one by one: a stopping
    server waits for its workers, and that teardown took longer than the rest of the stop.

    Example:
        >>> context.Process(target=worker_process_main, args=(settings, end))  # doctest: +SKIP
    """
    worker_main(settings, connection, hold=hold)
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(0)
