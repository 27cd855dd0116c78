"""The quickstart runs as a script and as a notebook against the embedded local server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from cli_support import REPO, WBCD, clean_env
from nbclient import NotebookClient

from avatars._local import LocalServer

pytestmark = [pytest.mark.server, pytest.mark.slow]

EXAMPLES = REPO / "examples"


def test_quickstart_script(shared_server: LocalServer, shared_home: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "quickstart.py"), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=clean_env(shared_home),
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "683 avatars of 10 columns" in done.stdout
    assert "hidden_rate" in done.stdout or "Hidden rate" in done.stdout
    assert (tmp_path / "out" / "report.pdf").read_bytes().startswith(b"%PDF")
    assert len((tmp_path / "out" / "wbcd.avatars.csv").read_text().splitlines()) == 684
    assert shared_server.running, "the script stopped a server it did not start"


def test_quickstart_notebook(
    shared_server: LocalServer,
    shared_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = clean_env(shared_home)
    for key in [k for k in os.environ if k not in env]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    (tmp_path / "fixtures").mkdir()
    shutil.copy(WBCD, tmp_path / "fixtures" / "wbcd.csv")
    notebook = nbformat.read(EXAMPLES / "quickstart.ipynb", as_version=4)
    client = NotebookClient(
        notebook,
        timeout=240,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()

    outputs = [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs]
    errors = [out for out in outputs if out.output_type == "error"]
    assert not errors, errors
    html = [out["data"]["text/html"] for out in outputs if "text/html" in out.get("data", {})]
    assert any("<table" in item and "hidden" in item.lower() for item in html), "no metrics table"
    assert any("<table" in item and "finished" in item for item in html), "no jobs table"
    images = [out for out in outputs if "image/png" in out.get("data", {})]
    assert len(images) >= 2, "the figures were not displayed"
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    assert shared_server.running
