"""Supervisor <-> worker signalling over one socket pair per worker.

Supervisor -> worker: "look for work" and "stop"; worker -> supervisor: "a job ended" (so
the supervisor wakes idle siblings: dependants may be runnable now).

A pipe needs no named semaphore, so nothing is created in one process and rebuilt by name in
another across the fork server (named ``multiprocessing`` events failed there with
``FileNotFoundError`` in ``SemLock._rebuild`` when the API process had already released them,
and leaked at shutdown). Stopping is closing the write end: the worker sees end-of-file at
once, and also when the API process dies.
"""

from __future__ import annotations

import contextlib
import os
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext

WAKE = b"w"
ENDED = b"e"


class WorkerChannel:
    """The supervisor's end of one worker's pipe.

    Example:
        >>> import multiprocessing
        >>> channel, reader = WorkerChannel.create(multiprocessing.get_context())
        >>> channel.wake(); WorkerSignals(reader).stopping()
        False
        >>> channel.stop(); WorkerSignals(reader).stopping()
        True
    """

    def __init__(self, writer: Connection) -> None:
        self._writer: Connection | None = writer
        self._worker_gone = False

    @classmethod
    def create(cls, context: BaseContext) -> tuple[WorkerChannel, Connection]:
        """A channel and the other end to hand to the worker process."""
        mine, theirs = context.Pipe(duplex=True)
        # A wake is one small write; a full buffer already holds a pending wake.
        os.set_blocking(mine.fileno(), False)
        return cls(mine), theirs

    @property
    def connection(self) -> Connection | None:
        """The supervisor's end (to wait on), None once stopped or the worker is gone."""
        return None if self._worker_gone else self._writer

    def jobs_ended(self) -> bool:
        """Read the worker's messages; True if it reported that a job ended."""
        ended = False
        try:
            while self._writer is not None and self._writer.poll(0):
                ended = self._writer.recv_bytes() == ENDED or ended
        except BlockingIOError:
            pass  # the rest of a message is still on its way
        except (EOFError, OSError):
            self._worker_gone = True  # not waited on any more; the supervisor reaps it
        return ended

    def wake(self) -> None:
        """Ask the worker to look for runnable jobs now (never blocks)."""
        if self._writer is None:
            return
        # OSError: pending wakes fill the buffer already, or the worker is gone (it is reaped)
        with contextlib.suppress(OSError):
            self._writer.send_bytes(WAKE)

    def stop(self) -> None:
        """Tell the worker to stop (it sees end-of-file); idempotent."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None


class WorkerSignals:
    """The worker's end: wait for wakes, learn that it must stop.

    Example:
        >>> signals = WorkerSignals(reader)  # doctest: +SKIP
        >>> signals.wait_for_work(1.0); signals.stopping()  # doctest: +SKIP
    """

    def __init__(self, reader: Connection) -> None:
        self._reader = reader
        self._stopped = False

    def stopping(self) -> bool:
        """Whether the supervisor closed the pipe (stop requested or API process gone)."""
        self._drain()
        return self._stopped

    def job_ended(self) -> None:
        """Tell the supervisor a job ended (it wakes the idle workers)."""
        try:
            self._reader.send_bytes(ENDED)
        except OSError:
            self._stopped = True

    def wait_for_work(self, timeout: float | None) -> None:
        """Block until a wake, a stop or ``timeout`` seconds (None: no limit), whichever
        comes first."""
        if not self._stopped:
            self._reader.poll(timeout)
        self._drain()

    def _drain(self) -> None:
        try:
            while not self._stopped and self._reader.poll(0):
                self._reader.recv_bytes()
        except (EOFError, OSError):
            self._stopped = True
