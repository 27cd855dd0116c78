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
