"""Which server a command talks to (flag, environment, config file, else a local one)."""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from avatars import _config_file, _local
from avatars._cli.exits import EXIT_CREDENTIALS, CliError
from avatars._cli.output import info

if TYPE_CHECKING:
    from avatars.manager import Manager


@dataclass(frozen=True)
class Target:
    """The server to use: ``base_url`` None means the local server."""

    base_url: str | None
    api_key: str | None
    source: str  # where base_url came from, for messages


def target(args: argparse.Namespace) -> Target:
    """The server and key for a command: ``--server``, then AVATAR_BASE_URL, then the config
    file, else the local server; a key is taken from the config file only for its own URL.

    Example:
        >>> target(argparse.Namespace(server="http://h:8000", api_key="k"))  # doctest: +SKIP
        Target(base_url='http://h:8000', api_key='k', source='--server')
    """
    config = _config_file.read_config()
    explicit_key = getattr(args, "api_key", None) or os.environ.get("AVATAR_API_KEY") or None
    for url, source in (
        (getattr(args, "server", None), "--server"),
        (os.environ.get("AVATAR_BASE_URL", "").strip() or None, "AVATAR_BASE_URL"),
    ):
        if url:
            same_as_config = config.base_url is not None and same_url(url, config.base_url)
            key = explicit_key or (config.api_key if same_as_config else None)
            return Target(url, key, source)
    if config.base_url:
        return Target(
            config.base_url, explicit_key or config.api_key, str(_config_file.config_path())
        )
    return Target(None, None, "local")


def same_url(left: str, right: str) -> bool:
    """Whether two server URLs name the same server (trailing ``/`` and ``/api`` ignored).

    Example:
        >>> same_url("http://h:8000/api/", "http://h:8000")
        True
    """

    def norm(url: str) -> str:
        url = url.strip().rstrip("/")
        return url[: -len("/api")] if url.endswith("/api") else url

    return norm(left) == norm(right)


@contextlib.contextmanager
def manager(args: argparse.Namespace) -> Iterator[Manager]:
    """A Manager for the configured server, or for a local server started for the command.

    Example:
        >>> with manager(args) as m:  # doctest: +SKIP
        ...     m.auth_client.jobs.get_jobs()
    """
    from avatars.manager import Manager

    where = target(args)
    if where.base_url is None:
        info(f"Using the local avatar server (data in {_local.local_data_dir()}) ...")
        with _local.local_server() as server:
            args._server_description = f"the local avatar server at {server.base_url}"
            yield Manager(base_url=server.base_url, api_key=server.api_key)
        return
    args._server_description = f"the avatar server at {where.base_url} (from {where.source})"
    if not where.api_key:
        raise CliError(
            f"no API key for {where.base_url}: pass --api-key, set AVATAR_API_KEY, or run "
            f"`avatars login --server {where.base_url}`",
            EXIT_CREDENTIALS,
        )
    yield Manager(base_url=where.base_url, api_key=where.api_key)
