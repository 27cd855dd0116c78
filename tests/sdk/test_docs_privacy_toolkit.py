"""The examples of docs/privacy_toolkit.md run against the reference server (in process)."""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette's notice about its httpx-based TestClient
    from fastapi.testclient import TestClient

from avatar_server import Settings, create_app
from avatars import ApiClient, Manager

DOCS = Path(__file__).resolve().parents[2] / "docs" / "privacy_toolkit.md"

pytestmark = [pytest.mark.server, pytest.mark.slow]


@pytest.fixture(scope="module")
def manager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Manager]:
    folder = tmp_path_factory.mktemp("docs-server")
    settings = Settings(
        data_dir=folder / "data",
        credentials_file=folder / "credentials.json",
        workers=1,
        job_poll_seconds=0.1,
        shutdown_grace_seconds=0.5,
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as http:
        key = json.loads((folder / "credentials.json").read_text())["api_key"]
        client = ApiClient("http://testserver", api_key=key, http_client=http)
        yield Manager(api_client=client)


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOCS.read_text(), flags=re.S)


def test_the_page_has_examples() -> None:
    assert len(_blocks()) >= 1


@pytest.mark.parametrize("index", range(len(_blocks())))
def test_documented_example_runs(
    manager: Manager, index: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(DOCS.parents[1])  # the examples name files from the repository root
    namespace: dict[str, Any] = {"manager": manager}
    exec(compile(_blocks()[index], f"{DOCS}:block{index}", "exec"), namespace)
    assert "runner" in namespace
