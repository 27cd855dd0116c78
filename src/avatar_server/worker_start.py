"""How the job worker processes start; loaded before the API so the fork server starts first.

Example:
    >>> worker_context(1).get_start_method()
    'spawn'
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.forkserver
import multiprocessing.resource_tracker
import os
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext, SpawnContext
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING

from avatar_server.settings import Settings

if TYPE_CHECKING:
    from avatar_server.worker_channel import WorkerChannel

__all__ = [
    "WORKER_PRELOAD", "start_forkserver_early", "start_workers_early", "take_early_worker",
    "worker_context",
]

# Workers spawned before the API was imported, waiting to be adopted by the job supervisor.
_EARLY: list[tuple[BaseProcess, WorkerChannel]] = []

# Imported before the first job (by the fork server, or by a spawned worker at its start), so
# that job runs at once. The drawing libraries stay out: report jobs load them when needed.
WORKER_PRELOAD = ("avatar_server.worker", "avatar_server.pipeline")


def worker_context(workers: int) -> ForkServerContext | SpawnContext:
    """How ``workers`` worker processes start.

    Several workers fork from a fork server that imported the engine once (they share its
    pages, a restarted worker is ready at once). A single worker is spawned and imports the
    engine itself: a fork server would only hold a second copy of it in memory. Never plain
    fork: the API process has threads and open database connections.
    """
    if workers > 1 and "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(WORKER_PRELOAD))
        return context
    _without_resource_tracker()
    return multiprocessing.get_context("spawn")


def _without_resource_tracker() -> None:
    """Spawn workers without starting multiprocessing's resource tracker process.

    The tracker unlinks named semaphores and shared memory left by processes that died; the
    workers create none (their channel is a pipe, see ``worker_channel``), so it would only
    be one more Python process (12 MiB resident) per server. ``spawn`` starts it before its
    first child unless a tracker pipe is already open: it gets one that discards what is
    written to it. A tracker started earlier in this process is kept.
    """
    tracker = getattr(multiprocessing.resource_tracker, "_resource_tracker", None)
    if tracker is None or getattr(tracker, "_fd", 0) is not None:
        return
    with contextlib.suppress(OSError):
        tracker._fd = os.open(os.devnull, os.O_WRONLY)


def start_forkserver_early(settings: Settings) -> None:
    """Start the fork server now, before the API is imported, when the workers will use one.

    It imports the engine on another core while this process imports the API, so the
    workers of a fresh server are ready sooner.

    Example:
        >>> start_forkserver_early(Settings(workers=2))  # doctest: +SKIP
    """
    context = worker_context(settings.resolved_workers())
    if settings.warm_workers and context.get_start_method() == "forkserver":
        multiprocessing.forkserver.ensure_running()


def start_workers_early(settings: Settings) -> None:
    """Start the fork server, or spawn the single worker, before the API is imported.

    A spawned worker imports the engine on another core while this process imports the API
    (a fresh server's first job started ~1 s sooner); it then waits, touching neither the
    database nor the data folder, until the job supervisor adopts it
    (:func:`take_early_worker`) once the server is initialized (stray workers reaped, lost
    jobs recovered). It dies with this process, like every worker.

    Example:
        >>> start_workers_early(Settings(workers=1))  # doctest: +SKIP
    """
    start_forkserver_early(settings)
    context = worker_context(settings.resolved_workers())
    if not settings.warm_workers or context.get_start_method() != "spawn" or _EARLY:
        return
    from avatar_server.worker_channel import WorkerChannel

    channel, worker_end = WorkerChannel.create(context)
    process = context.Process(
        target=_adopted_worker_main, args=(settings, worker_end), name="avatar-worker"
    )
    try:
        process.start()
    finally:
        worker_end.close()  # the worker has its own copy now
    _EARLY.append((process, channel))


def take_early_worker() -> tuple[BaseProcess, WorkerChannel] | None:
    """A worker started by :func:`start_workers_early` not adopted yet (it waits for its
    first wake before it looks for jobs), or None.

    Example:
        >>> take_early_worker() is None
        True
    """
    while _EARLY:
        process, channel = _EARLY.pop()
        if process.is_alive():
            return process, channel
        channel.stop()
    return None


def _adopted_worker_main(settings: Settings, connection: Connection) -> None:
    """Target of an early worker: wait for the supervisor's first wake, then run jobs."""
    from avatar_server.worker import worker_process_main

    worker_process_main(settings, connection, hold=True)
