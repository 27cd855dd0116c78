"""Starts and watches the worker processes; propagates failures to dependent jobs."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import multiprocessing.connection
import multiprocessing.forkserver
import os
import threading
from multiprocessing.connection import Connection

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from avatar_server.jobs import (
    has_runnable_jobs,
    mark_running_jobs_lost,
    now_utc,
    propagate_parent_errors,
)
from avatar_server.models import Job
from avatar_server.schemas import JobStatus
from avatar_server.settings import Settings
from avatar_server.worker import worker_process_main
from avatar_server.worker_channel import WorkerChannel
from avatar_server.worker_lifetime import WorkerRegistry
from avatar_server.worker_start import take_early_worker, worker_context

logger = logging.getLogger("avatar_server")

CRASH_MESSAGE = (
    "The worker process running this job stopped unexpectedly (for example out of memory). "
    "Try a smaller dataset or fewer components, then create the job again."
)


class JobSupervisor:
    """A background thread of the API process that owns the worker processes.

    Workers are started with the server (``warm_workers``; else when the first job is
    queued), forked from a fork server that imported the engine once (spawned when there is
    a single worker), restarted if they die,
    and stopped on shutdown; jobs whose parents failed become ``parent_error`` here.

    Example:
        >>> supervisor = JobSupervisor(settings, sessions)  # doctest: +SKIP
        >>> supervisor.start(); supervisor.wake(); supervisor.stop()  # doctest: +SKIP
    """

    def __init__(self, settings: Settings, sessions: sessionmaker[Session]) -> None:
        self.settings = settings
        self.sessions = sessions
        self._context = worker_context(settings.resolved_workers())
        self._workers: list[tuple[multiprocessing.process.BaseProcess, WorkerChannel]] = []
        self._wake_read, self._wake_write = os.pipe()  # wakes the supervising thread
        os.set_blocking(self._wake_write, False)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.registry = WorkerRegistry(settings.data_dir / "workers")

    def reap_strays(self) -> int:
        """Kill workers left running by a server that died on this data folder.

        Called at startup, before the jobs they were running are marked lost.
        """
        return self.registry.reap_strays()

    def start(self) -> None:
        """Start the supervising thread (idempotent)."""
        with self._lock:
            if self._thread is not None:
                return
            self._stopping.clear()
            self._thread = threading.Thread(
                target=self._loop, name="avatar-job-supervisor", daemon=True
            )
            self._thread.start()
            if self._context.get_start_method() == "forkserver":
                # Import the engine in the fork server now, not when the first job arrives.
                threading.Thread(
                    target=multiprocessing.forkserver.ensure_running,
                    name="avatar-forkserver-warmup",
                    daemon=True,
                ).start()

    def wake(self) -> None:
        """Look at the queue now (a job was created or cancelled)."""
        self._wake_thread()
        for _process, channel in list(self._workers):
            channel.wake()

    def _wake_thread(self) -> None:
        with contextlib.suppress(BlockingIOError):  # already woken
            os.write(self._wake_write, b"x")

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self._tick()
            except Exception as exc:  # keep supervising; never log data
                logger.error("job supervisor tick failed: %s: %.300s", type(exc).__name__, exc)
            self._wait()

    def _wait(self) -> None:
        """Sleep until woken, a worker reports a job ended, or the poll interval passes."""
        channels = [channel for _process, channel in list(self._workers)]
        watched: list[Connection | int] = [self._wake_read]
        watched += [channel.connection for channel in channels if channel.connection]
        ready = multiprocessing.connection.wait(watched, self.settings.job_poll_seconds)
        if self._wake_read in ready:
            os.read(self._wake_read, 4096)
        if any(channel.jobs_ended() for channel in channels):
            for channel in channels:  # dependants may be runnable now: let idle ones look
                channel.wake()

    def _tick(self) -> None:
        with self.sessions() as db:
            propagate_parent_errors(db)
            self._reap_dead_workers(db)
            if not self._workers and (self.settings.warm_workers or has_runnable_jobs(db)):
                self._start_workers()

    def _start_workers(self) -> None:
        for _ in range(self.settings.resolved_workers()):
            self._spawn_worker()

    def _spawn_worker(self) -> None:
        early = take_early_worker()
        if early is not None:  # spawned before the API was imported: its imports are done
            process, channel = early
            self._workers.append((process, channel))
            if process.pid is not None:
                self.registry.add(process.pid)
            channel.wake()  # the server is initialized: it may look for jobs now
            logger.info("worker process %s started", process.pid)
            return
        channel, worker_end = WorkerChannel.create(self._context)
        process = self._context.Process(
            target=worker_process_main, args=(self.settings, worker_end), name="avatar-worker"
        )
        try:
            process.start()
        finally:
            worker_end.close()  # the worker has its own copy now
        self._workers.append((process, channel))
        if process.pid is not None:
            self.registry.add(process.pid)
        logger.info("worker process %s started", process.pid)

    def _reap_dead_workers(self, db: Session) -> None:
        alive = []
        for process, channel in self._workers:
            if process.is_alive():
                alive.append((process, channel))
                continue
            channel.stop()
            logger.warning("worker process %s exited (code %s)", process.pid, process.exitcode)
            for job in db.scalars(
                select(Job).where(
                    Job.status == JobStatus.RUNNING.value,
                    Job.run_token.startswith(f"{process.pid}-", autoescape=True),
                )
            ):
                job.status = JobStatus.ERROR.value
                job.exception = CRASH_MESSAGE
                job.finished_at = now_utc()
            db.commit()
            if process.pid is not None:
                self.registry.remove(process.pid)
            process.close()
        restart = len(self._workers) - len(alive)
        self._workers = alive
        if self._workers or restart:
            for _ in range(restart):
                self._spawn_worker()

    def stop(self) -> None:
        """Stop the thread and the workers; jobs still running become ``lost``."""
        self._stopping.set()
        self._wake_thread()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        for _process, channel in self._workers:
            channel.stop()
        for process, _channel in self._workers:
            process.join(timeout=self.settings.shutdown_grace_seconds)
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join(timeout=5)
            if process.pid is not None and not process.is_alive():
                self.registry.remove(process.pid)
        self._workers = []
        with self.sessions() as db:
            lost = mark_running_jobs_lost(db)
        if lost:
            logger.warning("%d running job(s) marked lost at shutdown", lost)
