"""`avatars server`: run the reference server in the foreground."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from avatars import _local
from avatars._cli.arguments import SubParsers
from avatars._cli.exits import CliError
from avatars._cli.output import info

ORDER = 20


def register(commands: SubParsers) -> None:
    """Add `avatars server` to the command's sub-parsers."""
    server = commands.add_parser(
        "server",
        help="run the reference server in the foreground",
        description="Run the reference server in the foreground (Ctrl-C stops it). Other "
        "options (--database-url, --workers, --max-upload-bytes, --log-level) are passed on.",
    )
    server.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    server.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    server.add_argument("--data-dir", help=f"data folder (default {_local.local_data_dir()})")
    server.set_defaults(handler=server_command, _accepts_extra=True)


def server_command(args: argparse.Namespace) -> int:
    """Become the server process (same pid); returns only on Windows or on bad input."""
    data_dir = Path(args.data_dir).expanduser() if args.data_dir else _local.local_data_dir()
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    running = _local.running_server(data_dir)
    if running is not None:
        raise CliError(
            f"a server already runs with the data folder {data_dir} at {running} ; stop it "
            "first or pass another --data-dir"
        )
    credentials = data_dir / _local.CREDENTIALS_FILE
    command = [
        sys.executable,
        "-m",
        "avatar_server",
        "--host",
        args.host,
        "--port",
        str(args.port),
        "--data-dir",
        str(data_dir),
        "--credentials-file",
        str(credentials),
        *args.extra,
    ]
    shown_host = "127.0.0.1" if args.host in {"0.0.0.0", "::"} else args.host  # noqa: S104
    info(f"Starting the avatar server on http://{shown_host}:{args.port} (Ctrl-C to stop)")
    info(f"Data folder: {data_dir}")
    if not credentials.exists():
        info(
            f"First start: the admin password and an API key will be written to {credentials} "
            "(readable only by you)."
        )
    else:
        info(f"Admin credentials and API key: {credentials}")
    _local.record_foreground_server(data_dir, args.port)
    sys.stdout.flush()
    sys.stderr.flush()
    if sys.platform == "win32":
        import subprocess

        return subprocess.call(command)  # noqa: S603
    os.execv(sys.executable, command)  # noqa: S606 - becomes the server, same pid
