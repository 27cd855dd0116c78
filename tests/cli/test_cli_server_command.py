"""`avatars server` in the foreground, and the launcher's message when the real server fails."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cli_support import clean_env, server_pids

from avatars._cli import main
from avatars._local import LocalServerError, free_port, local_server

pytestmark = [pytest.mark.server, pytest.mark.slow]


def _wait_healthy(url: str, process: subprocess.Popen[str], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[1]
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("the server did not start")


def test_foreground_server_is_reused_and_never_stopped_by_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    port = free_port()
    command = [sys.executable, "-m", "avatars._cli", "server", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--data-dir", str(data_dir), "--workers", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(tmp_path / "home"),
    )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(url, process)
        state = json.loads((data_dir / "local-server.json").read_text())
        assert state["pid"] == process.pid, "avatars server must become the server (exec)"
        assert state["managed"] is False
        credentials = json.loads((data_dir / "credentials.json").read_text())

        with local_server(data_dir=data_dir) as server:
            assert server.base_url == url
            assert server.api_key == credentials["api_key"]
            assert not server.started_here
        assert process.poll() is None, "a user-started server was stopped"

        assert main(["server", "--data-dir", str(data_dir)]) == 2, "two servers on one folder"
        assert "already runs" in capsys.readouterr().err
    finally:
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=60)
    # uvicorn re-raises the signal once it has shut down cleanly
    assert process.returncode in (0, -signal.SIGTERM), err
    assert "Application shutdown complete" in err
    assert "Starting the avatar server on" in err
    assert "will be written to" in err
    assert credentials["password"] not in err
    assert not server_pids(data_dir)


def test_real_server_that_cannot_start_gives_its_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AVATAR_SERVER_WORKERS", "0")  # refused by the server's settings
    with pytest.raises(LocalServerError) as info:
        local_server(data_dir=tmp_path)
    message = str(info.value)
    assert "exited with code" in message
    assert "workers" in message
    assert "Last lines of its log" in message
    assert not server_pids(tmp_path)
