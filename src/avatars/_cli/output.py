"""What the command prints besides its results: errors, progress lines and step timings."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator


def err(message: str) -> None:
    """Print an error on stderr, prefixed with the command's name.

    Example:
        >>> err("no such file: a.csv")  # doctest: +SKIP
        avatars: no such file: a.csv
    """
    print(f"avatars: {message}", file=sys.stderr, flush=True)


_VERBOSITY = {"quiet": False, "verbose": False}


def set_verbosity(*, quiet: bool = False, verbose: bool = False) -> None:
    """``--quiet``: only errors, warnings and results; ``--verbose``: every step's timing.

    Example:
        >>> set_verbosity(quiet=True)  # doctest: +SKIP
    """
    _VERBOSITY.update(quiet=quiet, verbose=verbose)


def info(message: str, *, always: bool = False) -> None:
    """Print a progress line on stderr (stdout is kept for results); silent with --quiet.

    Args:
        message: the line.
        always: print it even with --quiet (warnings the user must see).

    Example:
        >>> info("Using the local avatar server ...")  # doctest: +SKIP
    """
    if always or not _VERBOSITY["quiet"]:
        print(message, file=sys.stderr, flush=True)


@contextlib.contextmanager
def step(label: str) -> Iterator[None]:
    """Say when a step is done, where no progress bar shows it (output not a terminal).

    Example:
        >>> with step("report"):  # doctest: +SKIP
        ...     runner.download_report("report.pdf")
    """
    started = time.monotonic()
    yield
    if _VERBOSITY["verbose"] or not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
        info(f"  {label}: done in {time.monotonic() - started:.1f} s")
