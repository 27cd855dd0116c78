"""generated/avatar_api_client is exactly what the committed openapi.json produces."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "generate_client.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_client", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_generated_client_is_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, (
        "generated/avatar_api_client differs from what openapi.json produces; run "
        "`.venv/bin/python scripts/generate_client.py` and commit the result.\n"
        + result.stdout[-4000:]
        + result.stderr[-4000:]
    )


def test_hand_edits_are_detected(tmp_path: Path) -> None:
    script = load_script()
    committed = ROOT / "generated" / "avatar_api_client"
    assert "GENERATED CODE, DO NOT EDIT" in (committed / "README.md").read_text()
    assert script.diff_trees(committed, committed) == []

    edited = tmp_path / "avatar_api_client"
    shutil.copytree(committed, edited, ignore=shutil.ignore_patterns("__pycache__"))
    client = edited / "client.py"
    client.write_text(client.read_text() + "\n# hand edit\n")
    (edited / "extra.py").write_text("")
    (edited / "types.py").unlink()
    differences = script.diff_trees(committed, edited)
    assert "unexpected: extra.py" in differences
    assert "missing: types.py" in differences
    assert "-# hand edit" in differences
