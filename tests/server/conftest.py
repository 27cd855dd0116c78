"""Fixtures for the reference server tests (helpers live in server_support.py).

- ``server_settings``: Settings on a fresh data folder under ``tmp_path``.
- ``server``: a started in-process server (``ServerHarness``) on that folder.
- ``server_app``: its FastAPI app (lifespan entered, storage ready).
- ``admin_client`` / ``client_a`` / ``client_b``: authenticated ``httpx.Client`` instances
  (Starlette TestClient) for the first admin and two ordinary users A (alice) and B (bob).
- ``upload_wbcd(client, name="wbcd.csv")``: uploads fixtures/wbcd.csv, returns the JSON answer.
- ``wbcd_yaml``: the canonical resource set (CONTRACTS.md section 3) for wbcd.csv.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from server_support import (
    WBCD_CSV,
    WBCD_YAML,
    ServerHarness,
    TestClient,
    make_settings,
    started_server,
    upload_dataset,
)

from avatar_server import Settings


@pytest.fixture
def server_settings(tmp_path: Path) -> Settings:
    """Settings on a fresh data folder (1 worker, 5 MiB upload limit)."""
    return make_settings(tmp_path)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerHarness]:
    """A started in-process server on a fresh data folder."""
    with started_server(tmp_path) as harness:
        yield harness


@pytest.fixture
def server_app(server: ServerHarness) -> Any:
    """The started FastAPI app of ``server``."""
    return server.app


@pytest.fixture
def admin_client(server: ServerHarness) -> TestClient:
    """Client authenticated as the first admin."""
    return server.admin()


@pytest.fixture
def client_a(server: ServerHarness) -> TestClient:
    """Client authenticated as ordinary user A (``alice``)."""
    return server.user("alice")


@pytest.fixture
def client_b(server: ServerHarness) -> TestClient:
    """Client authenticated as ordinary user B (``bob``)."""
    return server.user("bob")


@pytest.fixture
def upload_wbcd() -> Callable[..., dict[str, Any]]:
    """``upload_wbcd(client, name="wbcd.csv")`` uploads fixtures/wbcd.csv."""

    def upload(client: TestClient, name: str = "wbcd.csv") -> dict[str, Any]:
        return upload_dataset(client, WBCD_CSV, name)

    return upload


@pytest.fixture
def wbcd_yaml() -> str:
    """The canonical wbcd resource set."""
    return WBCD_YAML
