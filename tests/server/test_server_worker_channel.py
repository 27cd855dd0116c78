"""Supervisor <-> worker signalling: wakes never block, stop and worker exit are seen."""

from __future__ import annotations

import multiprocessing
import sys
from pathlib import Path

import pytest

from avatar_server.worker_channel import WorkerChannel, WorkerSignals


def test_wakes_never_block_and_stop_is_seen() -> None:
    channel, worker_end = WorkerChannel.create(multiprocessing.get_context())
    signals = WorkerSignals(worker_end)
    for _ in range(50_000):  # far more than the socket buffer holds: must not block
        channel.wake()
    signals.wait_for_work(0.0)
    assert signals.stopping() is False
    channel.stop()
    channel.stop()  # idempotent
    signals.wait_for_work(5.0)  # returns at once on end-of-file
    assert signals.stopping() is True


def test_a_finished_job_is_reported_and_a_gone_worker_is_not_waited_on() -> None:
    channel, worker_end = WorkerChannel.create(multiprocessing.get_context())
    signals = WorkerSignals(worker_end)
    assert channel.jobs_ended() is False
    signals.job_ended()
    assert channel.jobs_ended() is True
    assert channel.jobs_ended() is False
    assert channel.connection is not None
    worker_end.close()
    assert channel.jobs_ended() is False
    assert channel.connection is None
    channel.wake()  # a gone worker is ignored, not an error


@pytest.mark.server
@pytest.mark.skipif(sys.platform == "win32", reason="workers die with the server on POSIX")
def test_an_early_worker_waits_for_the_supervisor_before_touching_the_data(
    tmp_path: Path,
) -> None:
    """Spawned before the API is imported, it opens no database until its first wake."""
    from avatar_server.settings import Settings
    from avatar_server.worker_start import start_workers_early, take_early_worker

    start_workers_early(Settings(workers=1, data_dir=tmp_path))
    early = take_early_worker()
    assert early is not None
    assert take_early_worker() is None
    process, channel = early
    try:
        process.join(timeout=3)  # its imports are done by then on an idle machine
        assert process.is_alive()
        assert list(tmp_path.iterdir()) == []  # no database, no folder created
    finally:
        channel.stop()  # a stop instead of the first wake: it exits
        process.join(timeout=30)
    assert process.exitcode == 0
    assert list(tmp_path.iterdir()) == []
