"""Long-poll ``GET /api/jobs/{name}?wait=``: waiting requests wake when their job ends."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from server_support import ServerHarness, started_server
from sqlalchemy import update

from avatar_server.jobs import now_utc
from avatar_server.models import Job, User

pytestmark = pytest.mark.server

UPDATE_AFTER_SECONDS = 0.06
MAX_WAKE_SECONDS = 0.15


def _running_job(server: ServerHarness, username: str) -> str:
    """A job row in state ``running`` that no worker owns (the test ends it by hand)."""
    state = server.app.state.server
    with state.sessions() as db:
        user = db.query(User).filter_by(username=username).one()
        name = str(uuid.uuid4())
        db.add(
            Job(
                name=name,
                user_id=user.id,
                set_name=str(uuid.uuid4()),
                display_name="demo",
                parameters_name="standard",
                kind="standard",
                status="running",
                run_token="0-test",
                progress=0.5,
                created_at=now_utc(),
                started_at=now_utc(),
            )
        )
        db.commit()
    return name


def _finish_later(server: ServerHarness, name: str, marks: dict[str, float]) -> threading.Thread:
    def finish() -> None:
        time.sleep(UPDATE_AFTER_SECONDS)
        with server.app.state.server.sessions() as db:
            db.execute(
                update(Job)
                .where(Job.name == name)
                .values(status="finished", progress=1.0, finished_at=now_utc())
            )
            db.commit()
        marks["finished"] = time.monotonic()

    thread = threading.Thread(target=finish)
    thread.start()
    return thread


def _wait_once(server: ServerHarness, client: Any) -> tuple[float, dict[str, Any]]:
    name = _running_job(server, "lea")
    marks: dict[str, float] = {}
    finisher = _finish_later(server, name, marks)
    response = client.get(f"/api/jobs/{name}", params={"wait": 10})
    returned = time.monotonic()
    finisher.join()
    assert response.status_code == 200, response.text
    return returned - marks["finished"], response.json()


def test_waiting_requests_wake_promptly_when_the_job_ends(tmp_path: Path) -> None:
    """A job ended by another process (here: a direct database write) wakes its waiters
    within a few tens of milliseconds, not at the next coarse re-read."""
    with started_server(tmp_path) as server:
        client = server.user("lea")
        delays = []
        for _ in range(3):
            delay, job = _wait_once(server, client)
            assert job["status"] == "finished"
            assert job["done"] is True
            delays.append(delay)
        assert min(delays) < MAX_WAKE_SECONDS, delays


def test_many_waiters_share_one_watcher_and_all_wake(tmp_path: Path) -> None:
    with started_server(tmp_path) as server:
        client = server.user("lea")
        state = server.app.state.server
        names = [_running_job(server, "lea") for _ in range(8)]
        answers: dict[str, dict[str, Any]] = {}

        def wait(name: str) -> None:
            answers[name] = client.get(f"/api/jobs/{name}", params={"wait": 20}).json()

        threads = [threading.Thread(target=wait, args=(name,)) for name in names]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 10
        while len(state.job_watcher._waiters) < len(names) and time.monotonic() < deadline:
            time.sleep(0.01)
        watchers = [t for t in threading.enumerate() if t.name == "avatar-job-watcher"]
        assert len(watchers) == 1
        started = time.monotonic()
        with state.sessions() as db:
            db.execute(update(Job).where(Job.name.in_(names)).values(status="cancelled"))
            db.commit()
        for thread in threads:
            thread.join(timeout=15)
        assert time.monotonic() - started < 5
        assert {answers[name]["status"] for name in names} == {"cancelled"}
        assert not state.job_watcher._waiters


def test_wait_times_out_with_the_current_state(tmp_path: Path) -> None:
    with started_server(tmp_path) as server:
        client = server.user("lea")
        name = _running_job(server, "lea")
        started = time.monotonic()
        job = client.get(f"/api/jobs/{name}", params={"wait": 1.2}).json()
        assert 1.1 < time.monotonic() - started < 5
        assert job["status"] == "running"
        assert job["done"] is False
