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
from multiprocessing.context import ForkServerContext, SpawnContext

from avatar_server.settings import Settings

__all__ = ["WORKER_PRELOAD", "start_forkserver_early", "worker_context"]

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
