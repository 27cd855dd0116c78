"""No process of a killed server survives it; its restart finds no stray worker."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from server_support import LARGE_YAML, write_large_dataset
from test_server_process import running_server

from avatar_server.jobs import LOST_MESSAGE
from avatar_server.worker_lifetime import WorkerRegistry, process_start_time

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)"),
]


def _alive(pid: int, started: str | None) -> bool:
    """Whether ``pid`` still runs as the same process (not a zombie, not a reused pid)."""
    return started is not None and process_start_time(pid) == started


def descendants(pid: int) -> dict[int, str | None]:
    """Every process below ``pid`` (children, their children, ...) with its start time."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat[stat.rfind(")") + 2 :].split()[1])
    found: dict[int, str | None] = {}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, its_parent in parents.items():
            if its_parent == parent and child not in found:
                found[child] = process_start_time(child)
                frontier.append(child)
    return found


def _job(client: httpx.Client, name: str) -> dict[str, object]:
    return dict(client.get(f"/api/jobs/{name}").json())


def test_kill_9_of_the_server_alone_leaves_no_process_behind(tmp_path: Path) -> None:
    """SIGKILL to the server process only (not its group), in the middle of a job: its
    fork server, worker and helpers all end within seconds; the restarted server finds no
    stray worker and reports the job lost."""
    large = write_large_dataset(tmp_path / "large.csv", rows=60_000)
    with running_server(tmp_path) as (process, client):
        client.put("/api/datasets/large.csv", content=large.read_bytes())
        set_name = client.put("/api/resources/large", content=LARGE_YAML).json()["set_name"]
        response = client.post(
            "/api/jobs", json={"set_name": set_name, "parameters_name": "standard"}
        )
        running = str(response.json()["name"])
        deadline = time.monotonic() + 90
        while _job(client, running)["status"] != "running":
            assert time.monotonic() < deadline, _job(client, running)
            time.sleep(0.05)
        children = descendants(process.pid)
        workers = sorted(p.name for p in (tmp_path / "data" / "workers").iterdir())
        assert workers, "the worker is recorded in the data folder"
        assert {int(pid) for pid in workers} <= set(children)
        os.kill(process.pid, signal.SIGKILL)  # the server alone, not its process group
        process.wait(timeout=30)
        deadline = time.monotonic() + 10
        while survivors := [pid for pid, started in children.items() if _alive(pid, started)]:
            assert time.monotonic() < deadline, f"processes of the killed server: {survivors}"
            time.sleep(0.05)
        # the worker wrote nothing after its server died: the job is still "running" on
        # disk until a new server recovers it (a worker that outlived the server would
        # have ended the job itself)
        with sqlite3.connect(tmp_path / "data" / "avatars.db") as db:
            row = db.execute("SELECT status FROM jobs WHERE name = ?", (running,)).fetchone()
        assert row == ("running",)

    with running_server(tmp_path) as (_process, client):
        lost = _job(client, running)
        assert lost["status"] == "lost"
        assert lost["exception"] == LOST_MESSAGE
    assert "left by a server that stopped" not in (tmp_path / "server.log").read_text()


def _sleeper() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])


def test_a_starting_server_kills_the_workers_of_a_dead_server_only(tmp_path: Path) -> None:
    """The registry kills a recorded process whose server is gone, never one whose server
    still runs, and never an unrelated process that reused a recorded pid."""
    registry = WorkerRegistry(tmp_path / "workers")
    stray, kept, reused = _sleeper(), _sleeper(), _sleeper()
    try:
        registry.add(stray.pid)
        registry.add(kept.pid)
        dead_server = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                                     capture_output=True, text=True, check=True)
        dead_pid = int(dead_server.stdout)
        for pid in (stray.pid, reused.pid):  # owned by a server that has exited
            (tmp_path / "workers" / str(pid)).write_text(
                f"{process_start_time(pid) if pid == stray.pid else '1'} {dead_pid} 1"
            )
        (tmp_path / "workers" / str(kept.pid)).write_text(  # owned by a live server
            f"{process_start_time(kept.pid)} {os.getppid()} {process_start_time(os.getppid())}"
        )
        assert registry.reap_strays() == 1
        assert stray.wait(timeout=10) == -signal.SIGKILL
        assert kept.poll() is None
        assert reused.poll() is None  # its start time differs from the recorded one
        assert sorted(p.name for p in (tmp_path / "workers").iterdir()) == [str(kept.pid)]
    finally:
        for process in (stray, kept, reused):
            process.kill()
            process.wait()


HELPER_PARENT = """
import os, sys, time
from avatar_server.worker_lifetime import die_with_parent
worker = os.getpid()
pid = os.fork()
if pid == 0:
    die_with_parent(worker)
    time.sleep(60)
    os._exit(0)
print(pid, flush=True)
time.sleep(60)
"""


def test_a_helper_forked_by_a_worker_dies_with_that_worker() -> None:
    """The report job's plot helper (forked by its worker) does not outlive the worker."""
    parent = subprocess.Popen(
        [sys.executable, "-c", HELPER_PARENT], stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout is not None
        helper = int(parent.stdout.readline())
        started = process_start_time(helper)
        assert _alive(helper, started)
        parent.kill()  # kill -9 of the worker
        parent.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _alive(helper, started):
            assert time.monotonic() < deadline, "the helper survived its worker"
            time.sleep(0.05)
    finally:
        parent.kill()
