"""Run the established platform's client (in .compat-venv, Python 3.12) against a live server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
COMPAT_PYTHON = ROOT / ".compat-venv" / "bin" / "python"
FLOWS = Path(__file__).resolve().parent / "flows"
FIXTURES = ROOT / "fixtures"


@dataclass
class LiveServer:
    """A reference server running as its own process."""

    url: str
    data_dir: Path

    @property
    def admin_key(self) -> str:
        """The first admin's API key."""
        return str(json.loads((self.data_dir / "credentials.json").read_text())["api_key"])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def live_server(data_dir: Path) -> Iterator[LiveServer]:
    """Start ``avatars server`` on a free port until the block ends."""
    port = _free_port()
    log = (data_dir.parent / "server.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "avatar_server",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            "--credentials-file",
            str(data_dir / "credentials.json"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((data_dir.parent / "server.log").read_text()[-2000:])
            time.sleep(0.2)
        yield LiveServer(url=url, data_dir=data_dir)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def run_flow(name: str, server: LiveServer, api_key: str, *args: str) -> dict[str, Any]:
    """Run ``flows/<name>.py`` with the established client; return the JSON it prints last.

    It runs in the server's temporary folder: the client writes a crash report into its
    working directory when it fails.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AVATAR", "PYTHON"))}
    result = subprocess.run(
        [str(COMPAT_PYTHON), str(FLOWS / f"{name}.py"), server.url, api_key, *args],
        capture_output=True,
        text=True,
        timeout=240,
        env={**env, "FIXTURES": str(FIXTURES)},
        cwd=server.data_dir.parent,
        check=False,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode != 0 or not lines:
        raise AssertionError(
            f"flow {name} failed ({result.returncode}):\n{result.stdout[-3000:]}\n"
            f"{result.stderr[-4000:]}"
        )
    return dict(json.loads(lines[-1]))


def user_key(server: LiveServer, username: str) -> str:
    """Create a non-admin account ``username`` (once) and return a new API key of it."""
    return create_user_key(server.url, server.admin_key, username)


def create_user_key(url: str, admin_key: str, username: str) -> str:
    """Create a non-admin account ``username`` on ``url`` (once); return a new API key of it."""
    admin = {"Authorization": f"api-key-v1 {admin_key}"}
    password = "correct horse battery staple"
    created = httpx.post(
        f"{url}/api/users",
        json={"username": username, "email": f"{username}@example.org", "password": password},
        headers=admin,
    )
    assert created.status_code in (201, 409), created.text
    token = httpx.post(
        f"{url}/api/login", data={"username": username, "password": password}
    ).json()["access_token"]
    answer = httpx.post(
        f"{url}/api/api-keys",
        json={"name": username},
        headers={"Authorization": f"Bearer {token}"},
    )
    return str(answer.json()["key"])
