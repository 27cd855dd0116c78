"""The real server process: first start, kill -9 recovery, clean SIGTERM stop."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from server_support import LARGE_YAML, WBCD_CSV, WBCD_YAML, write_large_dataset

from avatar_server.jobs import LOST_MESSAGE

pytestmark = [pytest.mark.server, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(folder: Path) -> Iterator[tuple[subprocess.Popen[bytes], httpx.Client]]:
    port = _free_port()
    temp = folder / "tmp"
    temp.mkdir(exist_ok=True)
    log = (folder / "server.log").open("ab")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "avatar_server",
            "--port",
            str(port),
            "--data-dir",
            str(folder / "data"),
            "--credentials-file",
            str(folder / "credentials.json"),
            "--workers",
            "1",
        ],
        stdout=log,
        stderr=log,
        start_new_session=True,  # its own process group: kill -9 takes the workers too
        # temporary files (multiprocessing's folder) go to the test's folder, to be checked
        env={**os.environ, "AVATAR_SERVER_JOB_POLL_SECONDS": "0.1", "TMPDIR": str(temp)},
    )
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, (folder / "server.log").read_text()
            try:
                if client.get("/api/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        key = json.loads((folder / "credentials.json").read_text())["api_key"]
        client.headers["Authorization"] = f"api-key-v1 {key}"
        yield process, client
    finally:
        client.close()
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        log.close()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _job(client: httpx.Client, name: str) -> dict[str, object]:
    return dict(client.get(f"/api/jobs/{name}").json())


def _create(client: httpx.Client, set_name: str, parameters: str, deps: list[str]) -> str:
    response = client.post(
        "/api/jobs",
        json={"set_name": set_name, "parameters_name": parameters, "depends_on": deps},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["name"])


def test_kill_9_recovery_then_clean_sigterm_stop(tmp_path: Path) -> None:
    """Running job -> kill -9 -> restart: it is lost, its dependant parent_error, a queued job
    runs; then SIGTERM stops the server and its workers."""
    large = write_large_dataset(tmp_path / "large.csv")
    with running_server(tmp_path) as (process, client):
        assert (tmp_path / "credentials.json").stat().st_mode & 0o777 == 0o600
        client.put("/api/datasets/large.csv", content=large.read_bytes())
        client.put("/api/datasets/wbcd.csv", content=WBCD_CSV.read_bytes())
        large_set = client.put("/api/resources/large", content=LARGE_YAML).json()["set_name"]
        wbcd_set = client.put("/api/resources/demo", content=WBCD_YAML).json()["set_name"]
        running = _create(client, large_set, "standard", [])
        deadline = time.monotonic() + 90
        while _job(client, running)["status"] != "running":
            assert time.monotonic() < deadline, _job(client, running)
            time.sleep(0.05)
        queued = _create(client, wbcd_set, "standard", [])
        dependant = _create(client, large_set, "privacy_metrics", [running])
        assert _job(client, queued)["status"] == "queued"
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    credentials_written = (tmp_path / "credentials.json").stat().st_mtime_ns
    with running_server(tmp_path) as (process, client):
        lost = _job(client, running)  # marked during startup, before any request
        assert lost["status"] == "lost"
        assert lost["exception"] == LOST_MESSAGE
        assert lost["done"] is True
        finished = client.get(f"/api/jobs/{queued}", params={"wait": 60}).json()
        deadline = time.monotonic() + 120
        while not finished["done"] and time.monotonic() < deadline:
            finished = client.get(f"/api/jobs/{queued}", params={"wait": 60}).json()
        assert finished["status"] == "finished", finished
        orphan = _job(client, dependant)
        assert orphan["status"] == "parent_error"
        assert running in str(orphan["exception"])
        assert (tmp_path / "credentials.json").stat().st_mtime_ns == credentials_written
        assert [u["username"] for u in client.get("/api/users").json()["users"]] == ["admin"]

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        deadline = time.monotonic() + 20
        while _group_alive(process.pid):  # workers and the fork server exit too
            assert time.monotonic() < deadline, "processes of the server are left behind"
            time.sleep(0.2)
    log = (tmp_path / "server.log").read_text()
    assert "Application shutdown complete" in log
    credentials = json.loads((tmp_path / "credentials.json").read_text())
    assert credentials["password"] not in log
    assert credentials["api_key"] not in log


def test_sigterm_after_a_cancelled_job_is_prompt_and_clean(tmp_path: Path) -> None:
    """A cancelled running job leaves nothing that slows or dirties the shutdown."""
    large = write_large_dataset(tmp_path / "large.csv")
    with running_server(tmp_path) as (process, client):
        client.put("/api/datasets/large.csv", content=large.read_bytes())
        large_set = client.put("/api/resources/large", content=LARGE_YAML).json()["set_name"]
        running = _create(client, large_set, "standard", [])
        deadline = time.monotonic() + 90
        while _job(client, running)["status"] != "running":
            assert time.monotonic() < deadline, _job(client, running)
            time.sleep(0.05)
        assert client.post(f"/api/jobs/{running}/cancel").status_code == 200
        final = client.get(f"/api/jobs/{running}", params={"wait": 60}).json()
        assert final["status"] == "cancelled", final
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0  # a normal exit: the exit hooks ran
        while _group_alive(process.pid):
            assert time.monotonic() - started < 20, "processes of the server are left behind"
            time.sleep(0.05)
        stopped_after = time.monotonic() - started
    log = (tmp_path / "server.log").read_text()
    assert "Traceback" not in log, log[-3000:]
    assert "leaked semaphore" not in log, log[-3000:]
    assert stopped_after < 5.0, (stopped_after, log[-3000:])
    assert list((tmp_path / "tmp").iterdir()) == [], "temporary files are left behind"
