"""generated/avatar_api_client is exactly what the committed openapi.json produces."""

from __future__ import annotations

import importlib.util
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


@pytest.mark.slow
def test_generation_is_deterministic_and_detects_hand_edits(tmp_path: Path) -> None:
    script = load_script()
    first = script.generate_into(tmp_path / "a")
    second = script.generate_into(tmp_path / "b")
    assert script.diff_trees(first, second) == []
    readme = (first / "README.md").read_text()
    assert "GENERATED CODE, DO NOT EDIT" in readme
    assert not list(first.rglob(".ruff_cache"))
    assert not list(first.rglob("__pycache__"))

    edited = second / "client.py"
    edited.write_text(edited.read_text() + "\n# hand edit\n")
    (second / "extra.py").write_text("")
    differences = script.diff_trees(first, second)
    assert "unexpected: extra.py" in differences
    assert any(line == "-# hand edit" for line in differences)
