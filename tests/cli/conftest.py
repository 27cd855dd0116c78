"""Fixtures of the CLI, launcher and example tests: a real local server shared by the session."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import server_pids

from avatars._local import LocalServer, local_server


@pytest.fixture(scope="session")
def shared_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("avatars-home")


@pytest.fixture(scope="session")
def shared_server(shared_home: Path) -> Iterator[LocalServer]:
    """A real reference server for the session; commands run with AVATARS_HOME=shared_home
    reuse it instead of starting their own."""
    if not sys.platform.startswith("linux"):
        pytest.skip("process checks use /proc")
    with local_server(data_dir=shared_home / "server") as server:
        yield server
    assert not server_pids(shared_home / "server"), "the shared server was left running"
