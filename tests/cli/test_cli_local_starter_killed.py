"""The real local server started by the SDK does not outlive an SDK process killed by -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from avatars._local import local_server

pytestmark = [pytest.mark.server, pytest.mark.slow]


def _starter(folder: Path) -> tuple[subprocess.Popen[str], int]:
    """A Python process that starts the local server on ``folder`` and then hangs."""
    script = textwrap.dedent(
        f"""
        import time
        from avatars._local import local_server
        server = local_server(data_dir={str(folder)!r}, startup_timeout=120)
        print(server.pid, flush=True)
        time.sleep(600)
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "AVATAR_SERVER_WORKERS"}
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                               text=True, env=env)
    assert process.stdout is not None
    return process, int(process.stdout.readline())


def _gone(processes: list[psutil.Process], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in processes):
            return True
        time.sleep(0.1)
    return False


def test_server_stops_when_its_starter_is_killed_unless_another_user_holds_it(
    tmp_path: Path,
) -> None:
    # another process still using the server keeps it alive after the starter's kill -9 ...
    starter, pid = _starter(tmp_path)
    with local_server(data_dir=tmp_path) as shared:
        assert shared.pid == pid
        assert not shared.started_here
        starter.send_signal(signal.SIGKILL)  # no atexit, no stop(): only the pipe closes
        starter.wait()
        time.sleep(3)
        assert shared.running, "a server still in use must not stop"
    # ... whose stop() stops it, as the last user
    assert _gone([psutil.Process(pid)] if psutil.pid_exists(pid) else [], 20)

    # alone, the server and its workers stop by themselves once the starter is killed
    starter, pid = _starter(tmp_path)
    server = psutil.Process(pid)
    family = [server, *server.children(recursive=True)]
    assert len(family) >= 2, "the server runs a job worker"
    starter.send_signal(signal.SIGKILL)
    starter.wait()
    assert _gone(family, 30), [p.pid for p in family if p.is_running()]
    assert not (tmp_path / "local-server.json").exists()
