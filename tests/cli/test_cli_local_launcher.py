"""The embedded launcher's process handling, with a stand-in server (fast, no real server)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from avatars import _local
from avatars._local import LocalServerError, local_server

FAKE = [sys.executable, str(Path(__file__).with_name("fake_server.py"))]

pytestmark = pytest.mark.server


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0); it is dead for our purposes
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait_dead(pid: int, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_starts_answers_and_stops(tmp_path: Path) -> None:
    with local_server(data_dir=tmp_path, command=FAKE) as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        assert httpx.get(f"{server.base_url}/api/health").status_code == 200
        credentials = json.loads((tmp_path / "credentials.json").read_text())
        assert server.api_key == credentials["api_key"]
        state = json.loads((tmp_path / "local-server.json").read_text())
        assert state["pid"] == server.pid
        assert (tmp_path / "local-server.json").stat().st_mode & 0o777 == 0o600
        pid = server.pid
    assert _wait_dead(pid, 1.0)
    assert not (tmp_path / "local-server.json").exists()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.base_url}/api/health")


def test_later_starts_reuse_the_provisioned_key(tmp_path: Path) -> None:
    with local_server(data_dir=tmp_path, command=FAKE) as first:
        key = first.api_key
    with local_server(data_dir=tmp_path, command=FAKE) as second:
        assert second.api_key == key
        assert second.pid != first.pid


def test_reuses_a_running_server_and_the_last_user_stops_it(tmp_path: Path) -> None:
    first = local_server(data_dir=tmp_path, command=FAKE)
    second = local_server(data_dir=tmp_path, command=FAKE)
    assert (second.pid, second.base_url, second.api_key) == (
        first.pid,
        first.base_url,
        first.api_key,
    )
    assert first.started_here
    assert not second.started_here
    first.stop()
    assert second.running, "stopped while another user still needed it"
    second.stop()
    assert _wait_dead(first.pid)


def test_server_left_by_a_killed_process_is_reused_then_stopped(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys, time
        from avatars._local import local_server
        server = local_server(data_dir={str(tmp_path)!r}, command={FAKE!r})
        print(server.pid, flush=True)
        time.sleep(600)
        """
    )
    owner = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout is not None
        pid = int(owner.stdout.readline())
    finally:
        owner.send_signal(signal.SIGKILL)  # no atexit: the server is orphaned
        owner.wait()
    with local_server(data_dir=tmp_path, command=FAKE) as server:
        assert server.pid == pid
        assert not server.started_here
    assert _wait_dead(pid)


def test_stale_state_file_is_ignored(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / "local-server.json").write_text(
        json.dumps({"pid": dead.pid, "port": _local.free_port(), "managed": True})
    )
    with local_server(data_dir=tmp_path, command=FAKE) as server:
        assert server.started_here
        assert server.pid != dead.pid


def test_server_that_dies_at_start_gives_its_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_SERVER_MODE", "fail")
    with pytest.raises(LocalServerError) as info:
        local_server(data_dir=tmp_path, command=FAKE)
    message = str(info.value)
    assert "exited with code 3 before it was ready" in message
    assert "error: cannot open the database" in message
    assert str(tmp_path / "server.log") in message
    assert not (tmp_path / "local-server.json").exists()


def test_server_that_never_answers_is_killed_after_the_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_SERVER_MODE", "mute")
    monkeypatch.setattr(_local, "_STOP_GRACE_SECONDS", 0.5)
    before = set(_local._CHILDREN)
    started = time.monotonic()
    with pytest.raises(LocalServerError, match=r"did not answer .* within 2 s"):
        local_server(data_dir=tmp_path, command=FAKE, startup_timeout=1.5)
    assert time.monotonic() - started < 10
    assert set(_local._CHILDREN) == before, "the unresponsive server was not reaped"


def test_missing_credentials_file_says_what_to_do(tmp_path: Path) -> None:
    with local_server(data_dir=tmp_path, command=FAKE):
        (tmp_path / "credentials.json").unlink()
        with pytest.raises(LocalServerError, match=r"credentials file .* is missing"):
            local_server(data_dir=tmp_path, command=FAKE)


def test_data_dir_follows_avatars_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AVATARS_HOME", str(tmp_path))
    assert _local.local_data_dir() == tmp_path / "server"
    monkeypatch.delenv("AVATARS_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert _local.local_data_dir() == tmp_path / "xdg" / "avatars" / "server"


def test_interrupt_while_starting_stops_the_half_started_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_SERVER_MODE", "mute")
    monkeypatch.setattr(_local, "_STOP_GRACE_SECONDS", 0.5)
    started: list[int] = []
    real_popen = subprocess.Popen

    def popen(*args: object, **kwargs: object) -> subprocess.Popen[bytes]:
        process = real_popen(*args, **kwargs)  # type: ignore[call-overload]
        started.append(process.pid)
        return process

    calls = iter(range(100))

    def healthy(url: str, *, timeout: float) -> bool:
        if next(calls) == 3:
            raise KeyboardInterrupt
        return False

    monkeypatch.setattr(_local.subprocess, "Popen", popen)
    monkeypatch.setattr(_local, "_healthy", healthy)
    with pytest.raises(KeyboardInterrupt):
        local_server(data_dir=tmp_path, command=FAKE)
    assert len(started) == 1
    assert _wait_dead(started[0], 5.0)
    assert not (tmp_path / "local-server.json").exists()


def test_owner_that_exits_first_leaves_the_server_to_the_other_user(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        from avatars._local import local_server
        server = local_server(data_dir={str(tmp_path)!r}, command={FAKE!r})
        print(server.pid, flush=True)
        sys.stdin.readline()
        """
    )
    owner = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert owner.stdout is not None
    assert owner.stdin is not None
    pid = int(owner.stdout.readline())
    with local_server(data_dir=tmp_path, command=FAKE) as server:
        assert server.pid == pid
        owner.stdin.write("\n")
        owner.stdin.close()
        assert owner.wait(timeout=30) == 0  # its atexit handler ran: it must not stop ours
        assert server.running
    assert _wait_dead(pid)
    assert not (tmp_path / "local-server.json").exists()
