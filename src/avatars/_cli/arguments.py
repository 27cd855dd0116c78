"""The argument parser: shared option types, and one sub-command per `commands` module.

A command module in `avatars._cli.commands` defines ``ORDER`` (its place in ``--help``) and
``register(commands)``, which adds its sub-parser and sets ``handler`` to a function taking the
parsed arguments and returning the exit code. Nothing else needs to change to add a command.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from typing import Any

SubParsers = Any  # argparse's private _SubParsersAction


def positive_int(text: str) -> int:
    """An argparse type: a whole number of 1 or more.

    Example:
        >>> positive_int("20")
        20
    """
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def seed(text: str) -> int:
    """An argparse type: a random seed between 0 and 2**32 - 1.

    Example:
        >>> seed("42")
        42
    """
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be between 0 and 4294967295, got {value}")
    return value


def add_server_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--server`` and ``--api-key`` to a command that talks to a server.

    Example:
        >>> add_server_options(argparse.ArgumentParser())
    """
    parser.add_argument(
        "--server",
        metavar="URL",
        help="server URL (default: AVATAR_BASE_URL, the config file, else a local server)",
    )
    parser.add_argument(
        "--api-key",
        help="API key (default: AVATAR_API_KEY or the config file; prefer those, since "
        "arguments are visible to other users of this machine)",
    )


def command_modules() -> list[Any]:
    """The modules of `avatars._cli.commands`, in their ``ORDER``.

    Example:
        >>> [module.__name__.rsplit(".", 1)[1] for module in command_modules()][:1]
        ['run']
    """
    from avatars._cli import commands

    modules = [
        importlib.import_module(f"{commands.__name__}.{info.name}")
        for info in pkgutil.iter_modules(commands.__path__)
        if not info.name.startswith("_")
    ]
    return sorted(modules, key=lambda module: (getattr(module, "ORDER", 100), module.__name__))


def build_parser() -> argparse.ArgumentParser:
    """The `avatars` parser with every command of `avatars._cli.commands`.

    Example:
        >>> build_parser().prog
        'avatars'
    """
    from avatars._version import __version__

    parser = argparse.ArgumentParser(
        prog="avatars",
        description="Anonymize a table with the avatar method and check privacy and utility.",
        epilog="With no server configured, commands start a local one for their duration. "
        "Exit codes: 2 bad input, 3 server unreachable, 4 bad credentials, 5 job failed.",
    )
    parser.add_argument("--version", action="version", version=f"avatars {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for module in command_modules():
        module.register(commands)
    return parser
