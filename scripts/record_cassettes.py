"""Record the SDK's cassettes against a real reference server.

Starts ``python -m avatar_server`` on a free loopback port with a temporary data folder, runs
``tests/sdk/test_cassettes.py`` in record mode (``AVATARS_CASSETTE_MODE=record``), which
rewrites ``cassettes/*.yaml`` with passwords, tokens and API keys replaced by placeholders
before anything is written, stops the server, and checks that no secret of the run appears in
any cassette.

Then, when ``.compat-venv`` exists (``scripts/compat_env.sh``), the established platform's
client runs its flows against the same server through a recording proxy
(``scripts/compat_recording.py``), which writes ``cassettes/established_client/*.yaml``.

Usage:
    .venv/bin/python scripts/record_cassettes.py [-k <pytest expression>] [--only sdk|client]
        [--flow <established client flow>]...
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compat_recording import COMPAT_PYTHON, record_flows

ROOT = Path(__file__).resolve().parent.parent
CASSETTES = ROOT / "cassettes"
TESTS = "tests/sdk/test_cassettes.py"
STARTUP_SECONDS = 120.0


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(data_dir: Path, log_path: Path) -> tuple[subprocess.Popen[bytes], str, dict]:
    """Start the reference server; return it, its root URL and its first-start credentials."""
    port = free_port()
    credentials = data_dir / "credentials.json"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "avatar_server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir / "server"),
            "--credentials-file",
            str(credentials),
            "--log-level",
            "warning",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited ({process.returncode}); see {log_path}")
        try:
            healthy = httpx.get(f"{url}/api/health", timeout=2).status_code == 200
            if healthy and credentials.exists():
                return process, url, json.loads(credentials.read_text())
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    stop_server(process)
    raise SystemExit(f"the server did not answer within {STARTUP_SECONDS:g} s; see {log_path}")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL after 15 seconds."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def leaked_secrets(secrets: list[str]) -> list[str]:
    """Cassettes containing any of ``secrets`` (must be empty)."""
    leaks = []
    for path in sorted(CASSETTES.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8", errors="replace")
        leaks += [f"{path.name}: {s[:4]}..." for s in secrets if s and s in text]
    return leaks


def main(argv: list[str] | None = None) -> int:
    """Record the cassettes; exit non-zero if a test fails or a secret leaked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", dest="expression", help="only the scenarios matching (pytest -k)")
    parser.add_argument(
        "--only",
        choices=("sdk", "client"),
        help="record only this SDK's cassettes, or only the established client's",
    )
    parser.add_argument(
        "--flow",
        action="append",
        dest="flows",
        help="record only this flow of the established client (repeatable)",
    )
    args = parser.parse_args(argv)
    CASSETTES.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="avatars-record-") as tmp:
        data_dir = Path(tmp)
        log_path = data_dir / "server.log"
        process, url, credentials = start_server(data_dir, log_path)
        try:
            env = dict(os.environ)
            env.update(
                {
                    "AVATARS_CASSETTE_MODE": "record",
                    "AVATARS_RECORD_BASE_URL": url,
                    "AVATARS_RECORD_USERNAME": credentials["username"],
                    "AVATARS_RECORD_PASSWORD": credentials["password"],
                    "AVATARS_RECORD_API_KEY": credentials["api_key"],
                    "AVATARS_RECORD_OUTBOX": str(data_dir / "server" / "outbox"),
                }
            )
            env.pop("AVATAR_API_KEY", None)
            env.pop("AVATAR_BASE_URL", None)
            command = [sys.executable, "-m", "pytest", TESTS, "-p", "no:cacheprovider", "-q"]
            if args.expression:
                command += ["-k", args.expression]
            returncode = 0
            if args.only != "client":
                returncode = subprocess.run(command, cwd=ROOT, env=env, check=False).returncode
            if args.only != "sdk":
                record_client_flows(url, credentials, args.flows)
        finally:
            stop_server(process)
        if returncode != 0:
            sys.stderr.write(log_path.read_text(errors="replace")[-4000:])
        leaks = leaked_secrets([credentials["password"], credentials["api_key"]])
        if leaks:
            print("SECRETS LEAKED into cassettes:", *leaks, sep="\n  ", file=sys.stderr)
            return 2
    recorded = sorted(p.name for p in CASSETTES.glob("*.yaml"))
    print(f"cassettes: {', '.join(recorded) or 'none'}")
    return returncode


def record_client_flows(url: str, credentials: dict, flows: list[str] | None = None) -> None:
    """The established client's cassettes (skipped, with a note, without .compat-venv)."""
    if not COMPAT_PYTHON.exists():
        print("no .compat-venv (scripts/compat_env.sh): established client not recorded")
        return
    for path in record_flows(url, credentials["api_key"], [credentials["password"]], flows):
        print(f"recorded {path.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
