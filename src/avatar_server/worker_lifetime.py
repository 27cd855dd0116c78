"""Job workers live no longer than their API process.

Three layers, so that a worker never outlives the server that started it, even after a
``kill -9`` of that server:

- ``bind_to_parent`` (in the worker): on Linux the kernel kills the worker when the process
  that forked it dies (``PR_SET_PDEATHSIG``); on every platform a watchdog thread kills the
  worker as soon as the API process's end of the start pipe closes (the API process died).
- ``WorkerRegistry`` (in the API process): each worker's pid and start time are written into
  the data folder; a server starting on that folder kills the workers recorded there that
  still run (strays of a server that died), before it recovers their jobs as lost.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
from pathlib import Path

logger = logging.getLogger("avatar_server")

_PR_SET_PDEATHSIG = 1


def _set_parent_death_signal() -> bool:
    """Ask the Linux kernel to SIGKILL this process when its parent dies."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return bool(libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def die_with_parent(forked_by: int) -> None:
    """Make this process (a helper forked by a worker) die when the process that forked it
    dies; on platforms without a parent-death signal the helper only lives seconds anyway.

    Args:
        forked_by: the pid of the forking process, read BEFORE the fork: read in the child,
            it would already be the reaper's pid if the parent died in between.

    Example:
        >>> worker = os.getpid()  # doctest: +SKIP
        >>> if os.fork() == 0: die_with_parent(worker)  # doctest: +SKIP
    """
    if _set_parent_death_signal() and os.getppid() != forked_by:
        _kill_self()  # the parent died before the signal was armed


def _kill_self() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _watch(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    _kill_self()  # the API process is gone: stop now, write nothing more


def bind_to_parent() -> None:
    """Make this worker die with the API process that started it (call first in the worker).

    Example:
        >>> bind_to_parent()  # doctest: +SKIP
    """
    parent = multiprocessing.parent_process()
    forked_by = os.getppid()
    # Armed only for a fork-server child: the signal follows the forking THREAD, and the
    # fork server's single thread lives exactly as long as the fork server, which itself
    # exits when the API process dies.
    forked_by_server = parent is not None and parent.pid != forked_by
    if forked_by_server and _set_parent_death_signal() and os.getppid() != forked_by:
        _kill_self()  # the fork server died before the signal was armed
    if parent is not None and parent.sentinel is not None:
        if not parent.is_alive():
            _kill_self()
        threading.Thread(
            target=_watch, args=(parent.sentinel,), name="avatar-parent-watchdog", daemon=True
        ).start()


def process_start_time(pid: int) -> str | None:
    """The start time of ``pid`` as the kernel reports it (Linux), or None when no such
    process runs (none, or a zombie waiting to be reaped).

    Pid plus start time names a process unambiguously: a reused pid has another start time.

    Example:
        >>> process_start_time(os.getpid()) is not None  # doctest: +SKIP
        True
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()
    if len(fields) <= 19 or fields[0] in {"Z", "X"}:
        return None
    return fields[19]


class WorkerRegistry:
    """The worker processes of this data folder, recorded on disk.

    Example:
        >>> registry = WorkerRegistry(data_dir / "workers")  # doctest: +SKIP
        >>> registry.reap_strays()  # at server start  # doctest: +SKIP
        >>> registry.add(pid); registry.remove(pid)  # doctest: +SKIP
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def add(self, pid: int) -> None:
        """Record a started worker (with this API process as its owner)."""
        started = process_start_time(pid)
        owner = process_start_time(os.getpid())
        if started is None or owner is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / str(pid)).write_text(f"{started} {os.getpid()} {owner}")

    def remove(self, pid: int) -> None:
        """Forget a worker that ended."""
        with contextlib.suppress(OSError):
            (self.folder / str(pid)).unlink()

    def reap_strays(self) -> int:
        """Kill the recorded workers that still run after their server died; return how many.

        Example:
            >>> WorkerRegistry(Path("/nonexistent")).reap_strays()
            0
        """
        if not self.folder.is_dir():
            return 0
        killed = 0
        for entry in self.folder.iterdir():
            if not entry.name.isdigit():
                continue
            pid = int(entry.name)
            with contextlib.suppress(OSError, ValueError):
                started, owner, owner_started = entry.read_text().split()
                if process_start_time(int(owner)) == owner_started and int(owner) != os.getpid():
                    continue  # its server still runs: not a stray
                if pid != os.getpid() and process_start_time(pid) == started:
                    os.kill(pid, signal.SIGKILL)
                    killed += 1
            self.remove(pid)
        if killed:
            logger.warning("killed %d worker process(es) left by a server that stopped", killed)
        return killed
