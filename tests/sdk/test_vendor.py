"""Vendoring: the SDK copied under another package name runs without ``avatars`` installed."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "acme_avatars"


def _script(name: str) -> ModuleType:
    path = ROOT / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"avatars_scripts_{name}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(f"avatars_scripts_{name}", module)
    spec.loader.exec_module(module)
    return module


vendor = _script("vendor")


@pytest.fixture(scope="module")
def vendored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    into = tmp_path_factory.mktemp("vendored")
    vendor.vendor(into, PACKAGE)
    return into


def _absolute_imports(root: Path) -> list[str]:
    import ast

    found = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            found += [f"{path.name}: {n}" for n in names if n.split(".")[0] in {
                "avatars", "avatar_api_client", "avatar_server", "avatar_engine"}]
    return found


def test_the_copy_has_no_import_of_the_original_packages(vendored: Path) -> None:
    package = vendored / PACKAGE
    assert (package / "manager.py").is_file()
    assert (package / "avatar_api_client" / "__init__.py").is_file()
    assert (package / "py.typed").is_file()
    assert not list(package.rglob("__pycache__"))
    assert _absolute_imports(package) == []
    manager = (package / "manager.py").read_text()
    assert f"from {PACKAGE}.runner import Runner" in manager
    assert f"from {PACKAGE}._local import local_server" in manager
    version = (package / "_version.py").read_text()
    assert f'__version__ = {vendor.project_version()!r}' in version


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from avatars import Manager\n", "from acme import Manager\n"),
        ("from avatars.errors import (\n    A,  # c\n    B,\n)\n",
         "from acme.errors import (\n    A,  # c\n    B,\n)\n"),
        ("import avatars as av, os\n", "import acme as av, os\n"),
        ("import avatars\n", "import acme as avatars\n"),
        (
            "from avatar_api_client.models import X\n",
            "from acme.avatar_api_client.models import X\n",
        ),
        ("if x:\n    import avatar_api_client.types as t\n",
         "if x:\n    import acme.avatar_api_client.types as t\n"),
        ("from . import client\nfrom ..models import Y\n", None),
        ('s = "from avatars import x"  # avatars.client\n', None),
        ("from avatarsx import y\nimport avatars_extra\n", None),
        (
            "# é\nfrom avatars.runner import Runner  # é\n",
            "# é\nfrom acme.runner import Runner  # é\n",
        ),
    ],
)
def test_imports_are_rewritten_token_by_token(source: str, expected: str | None) -> None:
    assert vendor.rewrite_source(source, "acme") == (source if expected is None else expected)


def test_an_import_binding_the_old_name_is_refused() -> None:
    with pytest.raises(ValueError, match="binds the name 'avatars'"):
        vendor.rewrite_source("import avatars.client\n", "acme")


@pytest.mark.parametrize("name", ["avatars", "avatar_api_client", "1abc", "class", "a-b"])
def test_bad_package_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(SystemExit):
        vendor.vendor(tmp_path, name)


def test_an_existing_copy_is_kept_unless_forced(vendored: Path, tmp_path: Path) -> None:
    vendor.main(["--into", str(tmp_path), "--package", "other_pkg"])
    with pytest.raises(SystemExit, match="--force"):
        vendor.vendor(tmp_path, "other_pkg")
    (tmp_path / "other_pkg" / "stale.py").write_text("x = 1\n")
    vendor.vendor(tmp_path, "other_pkg", force=True)
    assert not (tmp_path / "other_pkg" / "stale.py").exists()


QUICK_EXAMPLE = """
import importlib.abc, json, os, sys

BLOCKED = {"avatars", "avatar_api_client", "avatar_server", "avatar_engine"}

class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"{name} is blocked: the vendored copy must not use it")
        return None

sys.meta_path.insert(0, Blocker())
sys.path.insert(0, os.environ["VENDOR_DIR"])

from acme_avatars import Manager
manager = Manager()
manager.authenticate(username=os.environ["ADMIN_USER"], password=os.environ["ADMIN_PASSWORD"])
runner = manager.create_runner(set_name="demo")
runner.add_table("wbcd", "fixtures/wbcd.csv")
runner.set_parameters("wbcd", k=15)
runner.run()

out = {"set_name": runner.set_name, "jobs": runner.jobs, "health": manager.get_health()}
try:
    out["shape"] = list(runner.shuffled("wbcd").shape)
except Exception as exc:
    out["error"] = f"{type(exc).__module__}.{type(exc).__name__}: {exc}"
modules = [m for m in sys.modules if m.split(".")[0] in BLOCKED]
files = {m.__name__: getattr(m, "__file__", "") or "" for m in list(sys.modules.values())
         if m.__name__.startswith("acme_avatars")}
out["blocked_loaded"] = modules
out["outside"] = [n for n, f in files.items() if f and not f.startswith(os.environ["VENDOR_DIR"])]
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Any]]]:
    recorder = _script("record_cassettes")
    data_dir = tmp_path_factory.mktemp("vendor-server")
    process, url, credentials = recorder.start_server(data_dir, data_dir / "server.log")
    try:
        yield url, credentials
    finally:
        recorder.stop_server(process)


@pytest.mark.server
@pytest.mark.slow
def test_the_seed_quick_example_runs_from_the_vendored_copy(
    vendored: Path, server: tuple[str, dict[str, Any]]
) -> None:
    url, credentials = server
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("AVATAR_", "PYTHON"))
    }
    env.update(
        {
            "VENDOR_DIR": str(vendored),
            "AVATAR_BASE_URL": url,
            "ADMIN_USER": credentials["username"],
            "ADMIN_PASSWORD": credentials["password"],
        }
    )
    completed = subprocess.run(
        [sys.executable, "-I", "-W", "ignore::DeprecationWarning", "-c", QUICK_EXAMPLE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    out = json.loads(completed.stdout.strip().splitlines()[-1])
    assert out["blocked_loaded"] == []
    assert out["outside"] == []
    assert out["health"]["status"] == "ok"
    assert len(out["set_name"]) == 36
    assert list(out["jobs"]) == ["standard", "privacy_metrics", "signal_metrics", "report"]
    assert out.get("shape") == [683, 10], out.get("error")
