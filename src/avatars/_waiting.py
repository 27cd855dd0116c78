"""Wait for a job with the server's long-poll, a progress display and a deadline.

``GET /api/jobs/{name}?wait=<seconds>`` answers as soon as the job is done (or the wait ends),
so waiting costs one request per ``poll_seconds`` and learns of completion at once.
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Callable
from typing import Any, Protocol

from avatars.errors import JobCancelledError, JobFailedError, TimeoutError

__all__ = [
    "DEFAULT_JOB_TIMEOUT",
    "FAILED_STATUSES",
    "JobLike",
    "job_status",
    "raise_for_job",
    "wait_for_job",
]

DEFAULT_JOB_TIMEOUT = 3600.0
DEFAULT_POLL_SECONDS = 30.0
FAILED_STATUSES = frozenset({"error", "parent_error"})
CANCELLED_STATUSES = frozenset({"cancelled", "lost"})
DONE_STATUSES = frozenset({"finished"}) | FAILED_STATUSES | CANCELLED_STATUSES
# A server that honours ``?wait=`` answers a long-poll early only with news (the job ended,
# or its progress moved), so waiting on it never sleeps. One that ignores ``wait`` (a proxy,
# an older server) answers at once with the same state: then the pauses between requests
# grow from FIRST_BACKOFF to MAX_BACKOFF seconds, and drop back to none as soon as a
# long-poll is honoured again.
FIRST_BACKOFF = 0.05
MAX_BACKOFF = 1.0
# A long-poll answered sooner than this share of the wait asked for was not honoured.
EARLY_ANSWER_SHARE = 0.5


class JobLike(Protocol):
    """What the waiting needs from a job (``JobResponse`` of the generated client)."""

    name: str
    status: Any
    progress: Any
    phase: Any
    exception: Any


def _text(value: Any) -> str | None:
    """Plain text of an optional generated-model field (enum, ``Unset`` or ``None``)."""
    if value is None or type(value).__name__ == "Unset":
        return None
    return str(getattr(value, "value", value))


def job_status(job: JobLike) -> str:
    """The job's status as a plain string, e.g. ``"running"``."""
    return _text(job.status) or "unknown"


def _fraction(job: JobLike) -> float:
    text = _text(job.progress)
    try:
        return min(max(float(text), 0.0), 1.0) if text is not None else 0.0
    except ValueError:
        return 0.0


def _state(job: JobLike) -> tuple[str, float, str | None]:
    """What a progress display shows of a job: status, progress and phase."""
    return job_status(job), _fraction(job), _text(job.phase)


def raise_for_job(job: JobLike) -> None:
    """Raise the typed error of a job that ended without finishing; do nothing otherwise.

    Raises:
        JobFailedError: status ``error`` or ``parent_error``, with the server's reason.
        JobCancelledError: status ``cancelled`` or ``lost``.
    """
    status = job_status(job)
    reason = _text(job.exception)
    if status == "error":
        raise JobFailedError(job.name, reason or "the server gave no reason")
    if status == "parent_error":
        raise JobFailedError(
            job.name, reason or "a job it depends on failed; look at that job's error first"
        )
    if status == "lost":
        raise JobCancelledError(
            job.name, reason or "the server stopped while the job was running"
        )
    if status == "cancelled":
        raise JobCancelledError(job.name, reason or "the job was cancelled")


def _should_show_progress() -> bool:
    if "ipykernel" in sys.modules:
        return True
    stream = sys.stderr
    return bool(stream is not None and hasattr(stream, "isatty") and stream.isatty())


class _ProgressDisplay:
    """A tqdm bar from 0 to 100 % (a widget in notebooks when ipywidgets is installed: the
    ``notebook`` extra; otherwise a text bar, without tqdm's warning about it)."""

    def __init__(self, description: str, enabled: bool) -> None:
        self._bar: Any = None
        if enabled:
            from tqdm.std import TqdmWarning

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", TqdmWarning)
                from tqdm.auto import tqdm

            self._bar = tqdm(
                total=100,
                desc=description,
                unit="%",
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed} {postfix}",
            )

    def update(self, fraction: float, phase: str | None, status: str) -> None:
        if self._bar is None:
            return
        target = round(fraction * 100)
        if target > self._bar.n:
            self._bar.update(target - self._bar.n)
        self._bar.set_postfix_str(phase or status, refresh=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def wait_for_job(
    fetch: Callable[[str, float], JobLike],
    job_name: str,
    *,
    timeout: float | None = DEFAULT_JOB_TIMEOUT,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
    show_progress: bool | None = None,
    description: str | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> JobLike:
    """Wait until a job is done and return it; raise if it failed, was cancelled or is late.

    Args:
        fetch: ``fetch(job_name, wait_seconds)`` returns the job, waiting up to
            ``wait_seconds`` on the server for it to finish (``GET /api/jobs/{name}?wait=``).
        job_name: the job to wait for.
        timeout: deadline in seconds (``None`` would wait forever and is refused).
        poll_seconds: longest single long-poll.
        show_progress: show a progress bar; ``None`` shows it in terminals and notebooks.
        description: label of the progress bar (default: the job name).
        clock: monotonic clock (tests inject their own).
        sleep: how to pause between requests, used only when the server answers long-polls at
            once (it ignores ``wait``): the pauses then grow from 0.05 s to 1 s.

    Returns:
        The finished job.

    Raises:
        JobFailedError: the job (or a job it depends on) failed; carries the server's message.
        JobCancelledError: the job was cancelled or lost.
        TimeoutError: the job was not done before the deadline (it keeps running on the server).

    Example:
        >>> job = wait_for_job(lambda name, wait: client.jobs.get_job(name, wait=wait), name)
        ... # doctest: +SKIP
    """
    if timeout is None or not 0 < timeout < float("inf"):
        raise ValueError(f"timeout must be a finite number of seconds > 0, got {timeout!r}")
    deadline = clock() + timeout
    enabled = _should_show_progress() if show_progress is None else show_progress
    display = _ProgressDisplay(description or f"job {job_name}", enabled)
    backoff = 0.0  # pause before the next request; 0 while the server long-polls
    try:
        job = fetch(job_name, 0.0)
        while True:
            status = job_status(job)
            display.update(_fraction(job), _text(job.phase), status)
            if status in DONE_STATUSES:
                raise_for_job(job)
                display.update(1.0, None, status)
                return job
            remaining = deadline - clock()
            if remaining <= 0:
                raise TimeoutError(
                    f"Job {job_name} is still {status} after {timeout:g} seconds. It keeps "
                    "running on the server: wait again with a larger timeout "
                    "(e.g. runner.wait(timeout=7200)), or cancel it."
                )
            wait = max(min(poll_seconds, remaining), 0.0)
            before = _state(job)
            started = clock()
            job = fetch(job_name, wait)
            early = clock() - started < EARLY_ANSWER_SHARE * wait
            if job_status(job) in DONE_STATUSES or not early or _state(job) != before:
                backoff = 0.0  # a long-poll honoured, or news: ask again at once
                continue
            backoff = min(backoff * 2, MAX_BACKOFF) if backoff else FIRST_BACKOFF
            sleep(min(backoff, max(deadline - clock(), 0.0)))
    finally:
        display.close()
