"""``avatars-server`` / ``python -m avatar_server``: run the reference server with uvicorn.

Every flag can also be given as an ``AVATAR_SERVER_<NAME>`` environment variable.

Example:
    $ avatars-server --data-dir ~/avatars-data --port 8000 --workers 2
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import logging
import os
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any

from avatar_server.request_id import RequestIdFilter
from avatar_server.settings import Settings

GRACEFUL_SHUTDOWN_SECONDS = 5


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="avatars-server",
        description="Open reference server of the avatars API. Flags override "
        "AVATAR_SERVER_<NAME> environment variables.",
    )
    parser.add_argument("--host", help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="TCP port (default 8000; 0 picks a free one)")
    parser.add_argument("--data-dir", type=Path, help="folder for the database, datasets, results")
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: SQLite in --data-dir)")
    parser.add_argument(
        "--storage-url", help="keep datasets and results in s3://bucket/prefix (default: data dir)"
    )
    parser.add_argument("--storage-endpoint-url", help="endpoint of a non-AWS S3 store")
    parser.add_argument(
        "--workers", type=int, help="number of job worker processes (default: one per CPU)"
    )
    parser.add_argument("--max-upload-bytes", type=int, help="largest accepted dataset upload")
    parser.add_argument(
        "--credentials-file",
        type=Path,
        help="on first start, write the admin credentials here (JSON, mode 0600) instead of "
        "printing them",
    )
    parser.add_argument(
        "--batch-threshold-rows", type=int,
        help="tables of more rows are avatarized in batches (default 1000000)",
    )
    parser.add_argument("--batch-rows", type=int, help="rows per batch (default 500000)")
    parser.add_argument(
        "--dask-scheduler",
        help="Dask scheduler address (tcp://host:8786) for the batches (default: a "
        "LocalCluster per large table)",
    )
    parser.add_argument("--log-level", help="debug, info, warning or error (default info)")
    return parser


def settings_from_args(argv: list[str] | None = None) -> Settings:
    """Settings from environment variables, overridden by the given flags.

    Example:
        >>> settings_from_args(["--port", "9000"]).port
        9000
    """
    args = _parser().parse_args(argv)
    overrides: dict[str, Any] = {
        key: value for key, value in vars(args).items() if value is not None
    }
    return Settings(**overrides)


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    """After its graceful shutdown uvicorn raises the stop signal again; exiting through
    ``SystemExit`` instead of the default handler lets the interpreter run its exit hooks
    (multiprocessing then removes its temporary folder, logs are flushed)."""
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> None:
    """Run the server until SIGINT/SIGTERM."""
    from avatar_server.worker_start import start_workers_early

    settings = settings_from_args(argv)
    start_workers_early(settings)  # they import the engine on another core meanwhile

    import uvicorn

    from avatar_server.app import create_app

    level = settings.log_level.upper()
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        stream=sys.stderr,
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(RequestIdFilter())
    try:
        app = create_app(settings)
    except RuntimeError as exc:  # configuration the operator must fix
        sys.exit(f"avatars-server: {exc}")
    signal.signal(signal.SIGTERM, _exit_cleanly)
    signal.signal(signal.SIGINT, _exit_cleanly)
    code: str | int | None = 0
    try:
        uvicorn.run(
            app,
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level.lower(),
            log_config=None,  # use the logging set up above (timestamps, one format)
            access_log=False,  # our middleware logs paths without query strings
            proxy_headers=False,
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,  # long-polls: no delay
        )
    except SystemExit as stop:
        code = stop.code
    _exit_now(code)


def _exit_now(code: str | int | None) -> None:
    """End the stopped server: exit hooks and log flush, then no module-by-module teardown
    (it took longer than the rest of the stop, and whoever stopped the server waits for it)."""
    if isinstance(code, str):
        sys.stderr.write(code + "\n")
        code = 1
    atexit._run_exitfuncs()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code or 0)


if __name__ == "__main__":
    main()
