"""Supervisor <-> worker signalling: wakes never block, stop and worker exit are seen."""

from __future__ import annotations

import multiprocessing

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
