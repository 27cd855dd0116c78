"""Waiting for jobs: long-poll loop, deadline, typed errors, progress display."""

from __future__ import annotations

import io
import sys
import types
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from avatars import _waiting
from avatars._waiting import wait_for_job
from avatars.errors import JobCancelledError, JobFailedError, TimeoutError


@dataclass
class Job:
    name: str
    status: str
    progress: float = 0.0
    phase: str | None = None
    exception: str | None = None


class FakeServer:
    """Plays a scripted sequence of job states; records the waits asked for."""

    def __init__(self, states: list[Job], clock: list[float], step: float = 1.0) -> None:
        self.states = states
        self.waits: list[float] = []
        self.clock = clock
        self.step = step

    def __call__(self, name: str, wait: float) -> Job:
        self.waits.append(wait)
        self.clock[0] += min(wait, self.step) if wait else 0.0
        return self.states.pop(0) if len(self.states) > 1 else self.states[0]


def _clock(now: list[float]) -> Callable[[], float]:
    return lambda: now[0]


def test_returns_the_finished_job_after_long_polls() -> None:
    now = [0.0]
    server = FakeServer(
        [Job("j", "queued"), Job("j", "running", 0.5, "projection"), Job("j", "finished", 1.0)],
        now,
    )
    job = wait_for_job(server, "j", clock=_clock(now), sleep=lambda s: None, show_progress=False)
    assert job.status == "finished"
    assert server.waits[0] == 0.0
    assert all(w == 30.0 for w in server.waits[1:])


@pytest.mark.parametrize(
    ("status", "exception", "error", "text"),
    [
        ("error", "column 'age' has only missing values", JobFailedError, "only missing values"),
        ("parent_error", None, JobFailedError, "depends on failed"),
        ("cancelled", None, JobCancelledError, "cancelled"),
        ("lost", None, JobCancelledError, "server stopped"),
    ],
)
def test_a_job_that_did_not_finish_raises_a_typed_error(
    status: str, exception: str | None, error: type[Exception], text: str
) -> None:
    now = [0.0]
    server = FakeServer([Job("j", status, exception=exception)], now)
    with pytest.raises(error, match=text) as info:
        wait_for_job(server, "j", clock=_clock(now), show_progress=False)
    assert info.value.job_name == "j"  # type: ignore[attr-defined]


def test_the_deadline_raises_a_timeout_that_says_what_to_do() -> None:
    now = [0.0]
    server = FakeServer([Job("j", "running", 0.1)], now, step=30.0)
    with pytest.raises(TimeoutError, match=r"still running after 100 seconds.*larger timeout"):
        wait_for_job(server, "j", timeout=100, clock=_clock(now), show_progress=False)
    assert server.waits[-1] == pytest.approx(10.0)


def test_an_unlimited_wait_is_refused() -> None:
    with pytest.raises(ValueError, match="finite"):
        wait_for_job(lambda n, w: Job(n, "finished"), "j", timeout=None)


def test_a_server_that_long_polls_is_never_slept_on() -> None:
    # it answers a 30 s long-poll after 2 s, each time with the job's progress moved
    now = [0.0]
    sleeps: list[float] = []
    states = [Job("j", "queued"), *[Job("j", "running", i / 10) for i in range(5)]]
    server = FakeServer([*states, Job("j", "finished", 1.0)], now, step=2.0)

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    job = wait_for_job(server, "j", clock=_clock(now), sleep=sleep, show_progress=False)
    assert job.status == "finished"
    assert sleeps == []
    assert len(server.waits) == 7


def test_a_server_answering_at_once_is_not_hammered() -> None:
    now = [0.0]
    sleeps: list[float] = []
    calls: list[float] = []

    def fetch(name: str, wait: float) -> Job:
        calls.append(wait)
        return Job(name, "running") if len(calls) < 12 else Job(name, "finished")

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    wait_for_job(fetch, "j", clock=_clock(now), sleep=sleep, show_progress=False)
    first = _waiting.FIRST_BACKOFF
    assert sleeps[:5] == pytest.approx([first, 2 * first, 4 * first, 8 * first, 16 * first])
    assert max(sleeps) == _waiting.MAX_BACKOFF
    assert sum(sleeps) > 5  # 12 requests spread over seconds, not a busy loop


def test_the_pauses_stop_when_the_server_long_polls_again() -> None:
    now = [0.0]
    sleeps: list[float] = []
    answers = iter([0.0, 0.0, 0.0, 30.0, 0.0, 30.0])

    def fetch(name: str, wait: float) -> Job:
        now[0] += next(answers, 30.0) if wait else 0.0
        return Job(name, "running") if now[0] < 90 else Job(name, "finished")

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    wait_for_job(fetch, "j", clock=_clock(now), sleep=sleep, show_progress=False)
    first = _waiting.FIRST_BACKOFF
    assert sleeps == pytest.approx([first, 2 * first, 4 * first, first])


def test_the_progress_bar_follows_the_job(monkeypatch: pytest.MonkeyPatch) -> None:
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    now = [0.0]
    server = FakeServer(
        [Job("j", "running", 0.25, "projection"), Job("j", "finished", 1.0)], now
    )
    wait_for_job(server, "j", clock=_clock(now), show_progress=True, description="standard")
    out = err.getvalue()
    assert "standard" in out
    assert "projection" in out
    assert "100%" in out


def test_a_notebook_without_ipywidgets_gets_a_text_bar_and_no_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class ZMQInteractiveShell:
        pass

    ipython = types.ModuleType("IPython")
    ipython.get_ipython = ZMQInteractiveShell  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "ipykernel.zmqshell", types.ModuleType("zmqshell"))
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # not installed
    for name in ("tqdm.auto", "tqdm.autonotebook", "tqdm.notebook"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    now = [0.0]
    server = FakeServer([Job("j", "finished", 1.0)], now)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        wait_for_job(server, "j", clock=_clock(now), show_progress=True, description="standard")
    assert [str(w.message) for w in caught] == []
    assert "100%" in err.getvalue()
