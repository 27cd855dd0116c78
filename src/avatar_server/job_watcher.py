"""Wakes long-poll requests (``GET /api/jobs/{name}?wait=``) as soon as their job is done.

One watcher thread per app reads, every ``interval`` seconds and only while requests wait,
which of the waited-for jobs reached a final state (or vanished) in ONE query, and wakes
those requests through their event loop. The database is the source of truth, so jobs
finished by any worker, supervisor or other API process are seen the same way; routes of
this process that end a job (cancel) call ``notify`` to wake waiters without delay.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterable

import anyio
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from avatar_server.models import Job
from avatar_server.schemas import DONE_STATUSES

logger = logging.getLogger("avatar_server")

WATCH_INTERVAL_SECONDS = 0.03
_QUERY_CHUNK = 500
_DONE = [status.value for status in DONE_STATUSES]

_Waiter = tuple[asyncio.AbstractEventLoop, asyncio.Event]


class JobWatcher:
    """Shared watcher of the jobs that requests are waiting for.

    Example:
        >>> watcher = JobWatcher(sessions)  # doctest: +SKIP
        >>> await watcher.wait_done(job_name, timeout=30)  # doctest: +SKIP
        >>> watcher.stop()  # doctest: +SKIP
    """

    def __init__(
        self, sessions: sessionmaker[Session], interval: float = WATCH_INTERVAL_SECONDS
    ) -> None:
        self.sessions = sessions
        self.interval = interval
        self._waiters: dict[str, list[_Waiter]] = {}
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False

    async def wait_done(self, name: str, timeout: float) -> bool:
        """Wait until job ``name`` is done (or gone) or ``timeout`` passes; True if woken."""
        waiter: _Waiter = (asyncio.get_running_loop(), asyncio.Event())
        with self._changed:
            idle = not self._waiters
            self._waiters.setdefault(name, []).append(waiter)
            self._ensure_thread()
            if idle:
                self._changed.notify_all()
        try:
            with anyio.move_on_after(timeout):
                await waiter[1].wait()
            return waiter[1].is_set()
        finally:
            with self._changed:
                waiting = self._waiters.get(name, [])
                if waiter in waiting:
                    waiting.remove(waiter)
                if not waiting:
                    self._waiters.pop(name, None)

    def notify(self, names: Iterable[str]) -> None:
        """Wake the requests waiting for ``names`` (thread-safe, from any thread)."""
        with self._changed:
            woken = [waiter for name in names for waiter in self._waiters.get(name, ())]
        for loop, event in woken:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # that request's event loop is closed: nobody to wake
                continue

    def stop(self) -> None:
        """Stop the watcher thread (waiting requests then end at their timeout)."""
        with self._changed:
            self._stopping = True
            thread, self._thread = self._thread, None
            self._changed.notify_all()
        if thread is not None:
            thread.join(timeout=5)
        with self._changed:
            self._stopping = False

    def _ensure_thread(self) -> None:
        if self._thread is None and not self._stopping:
            self._thread = threading.Thread(
                target=self._run, name="avatar-job-watcher", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._waiters and not self._stopping:
                    self._changed.wait()
                if self._stopping:
                    return
                names = list(self._waiters)
            try:
                self.notify(self._ended(names))
            except Exception as exc:  # keep watching; waiters fall back to their timeout
                logger.error("job watcher query failed: %s: %.300s", type(exc).__name__, exc)
            with self._changed:
                if self._stopping:
                    return
                self._changed.wait(self.interval)

    def _ended(self, names: list[str]) -> set[str]:
        """Among ``names``, the jobs in a final state or deleted."""
        ended: set[str] = set()
        with self.sessions() as db:
            for start in range(0, len(names), _QUERY_CHUNK):
                chunk = names[start : start + _QUERY_CHUNK]
                rows = db.execute(select(Job.name, Job.status).where(Job.name.in_(chunk)))
                statuses: dict[str, str] = dict(rows.all())
                ended.update(
                    name for name in chunk if name not in statuses or statuses[name] in _DONE
                )
        return ended
