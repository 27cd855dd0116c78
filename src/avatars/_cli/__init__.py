"""The `avatars` command: the main job and everyday chores from the shell.

    avatars run DATA [--k 20] [--ncp 5] [--table NAME] [--out DIR] [--server URL]
    avatars server [--host 127.0.0.1] [--port 8000] [--data-dir DIR] [server options]
    avatars jobs | avatars results JOB | avatars api-key create|list|revoke | avatars login

With no server configured (`--server`, `AVATAR_BASE_URL`, or the config file written by
`avatars login`), commands use the reference server on this machine: started for the command
and stopped after it (see `avatars._local`).

Layout: `arguments` builds the parser from the modules of `avatars._cli.commands` (one module
per command; adding a command is adding a module there), `connection` finds the server,
`exits` maps failures to exit codes and messages, `output` prints.

Exit codes: 0 done, 1 unexpected error, 2 bad input, 3 server unreachable or not started,
4 bad credentials, 5 job failed, 130 interrupted. `AVATARS_DEBUG=1` shows tracebacks.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import traceback
import warnings
from collections.abc import Iterator, Sequence

from avatars._cli.arguments import build_parser
from avatars._cli.exits import EXIT_INTERRUPTED, EXIT_UNEXPECTED, EXIT_USAGE, classify
from avatars._cli.output import err

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `avatars` command and return its exit code.

    Example:
        >>> main(["--version"])  # doctest: +SKIP
        avatars 1.0.0
    """
    _start_local_server_early(sys.argv[1:] if argv is None else list(argv))
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "_accepts_extra", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    debug = os.environ.get("AVATARS_DEBUG", "").strip() not in {"", "0", "false", "no"}
    try:
        with warnings.catch_warnings(), _exit_cleanly_on_signals():
            if not debug:
                warnings.simplefilter("ignore", DeprecationWarning)
            code: int = args.handler(args)
            return code
    except KeyboardInterrupt:
        err("interrupted.")
        return EXIT_INTERRUPTED
    except BaseException as exc:  # every failure becomes one message and an exit code
        if isinstance(exc, SystemExit):
            raise
        code, message = classify(exc, args)
        if debug:
            traceback.print_exc()
        err(message)
        if code == EXIT_UNEXPECTED and not debug:
            err("This looks like a bug; run again with AVATARS_DEBUG=1 to see the traceback.")
        return code


# Commands that run jobs (-> how many data files they read): on the local server, started
# before the data libraries load.
_JOB_COMMANDS = {"run": 1, "evaluate": 2}
_DATA_SUFFIXES = frozenset(  # those of avatars._table_reading (which loads pandas)
    {".csv", ".txt", ".tsv", ".tab", ".parquet", ".pq", ".xlsx", ".xlsm"})


def _start_local_server_early(argv: list[str]) -> None:
    """Start the local server now if this command will use it (a job command with a data
    file and no server configured): it starts while the command loads pandas and reads the
    table. Never fails: `local_server()` reports any problem when the command gets there.
    """
    import argparse
    from pathlib import Path

    if not argv or argv[0] not in _JOB_COMMANDS or any(
        arg in {"-h", "--help"} or arg.startswith("--server") for arg in argv
    ):
        return
    data = [arg for arg in argv[1:] if not arg.startswith("-")
            and Path(arg).suffix.lower() in _DATA_SUFFIXES]
    if len(data) < _JOB_COMMANDS[argv[0]] or not all(Path(arg).is_file() for arg in data):
        return  # a data file is missing: the command says so without any server
    with contextlib.suppress(Exception):
        from avatars import _local
        from avatars._cli.connection import target

        if target(argparse.Namespace(server=None, api_key=None)).base_url is None:
            _local.prestart_local_server()


@contextlib.contextmanager
def _exit_cleanly_on_signals() -> Iterator[None]:
    """Turn SIGTERM/SIGHUP into SystemExit, so a local server started here is stopped too."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def leave(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = {}
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            previous[number] = signal.signal(number, leave)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
