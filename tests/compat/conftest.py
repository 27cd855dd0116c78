"""Fixtures of the wire-compatibility tests: the pinned client's venv and a live server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from compat_support import COMPAT_PYTHON, LiveServer, live_server


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One live server for the compat tests (the client's venv must exist)."""
    if not COMPAT_PYTHON.exists():
        pytest.skip(
            "no .compat-venv: scripts/compat_env.sh found no Python 3.12 to install "
            "octopize-avatar==1.30.0 into"
        )
    folder: Path = tmp_path_factory.mktemp("compat-server")
    with live_server(folder / "data") as running:
        yield running
