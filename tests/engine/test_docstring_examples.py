"""Every docstring example of the three packages runs and prints what it shows.

Examples that need a running server or a job's context are marked ``# doctest: +SKIP`` in the
docstring itself; every other example is executed here, in a fresh folder holding the
repository's ``fixtures/`` (examples read ``fixtures/wbcd.csv``; the files they write stay there).
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("avatar_engine", "avatar_server", "avatars")


def _modules() -> list[str]:
    names: list[str] = []
    for package in PACKAGES:
        root = importlib.import_module(package)
        names.append(package)
        for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
            if not info.name.endswith(".__main__"):  # running it would start the program
                names.append(info.name)
    return sorted(names)


MODULES = _modules()


def test_every_package_module_is_found() -> None:
    assert {"avatar_engine.neighbours", "avatar_server.storage", "avatars.client"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "fixtures").symlink_to(ROOT / "fixtures", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    output: list[str] = []
    for test in finder.find(module):
        runner.run(test, out=output.append)
    failed, _ = runner.summarize(verbose=False)
    assert failed == 0, "".join(output)
