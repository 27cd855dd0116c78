"""What each server process loads: the API no data library, workers no drawing or web one."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from avatar_server.worker_start import worker_context

DATA_LIBRARIES = ("pandas", "numpy", "scipy", "pyarrow", "avatar_engine")
DRAWING_LIBRARIES = ("matplotlib", "plotly", "reportlab", "docx", "sklearn", "scipy.stats")
WEB_LIBRARIES = ("fastapi", "starlette")  # the API's; a worker answers no request
TOKEN_LIBRARIES = ("jwt", "cryptography")


def _loaded_after(statement: str, modules: tuple[str, ...]) -> list[str]:
    code = (
        f"import json, sys\n{statement}\n"
        f"print(json.dumps([m for m in {list(modules)!r} if m in sys.modules]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    loaded: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


def test_the_api_process_loads_no_data_library() -> None:
    assert _loaded_after("import avatar_server.app", DATA_LIBRARIES) == []


def test_the_token_library_is_loaded_by_the_first_token_only() -> None:
    """PyJWT loads cryptography (8.5 MiB resident): clients with API keys never need it."""
    assert _loaded_after("import avatar_server.app", TOKEN_LIBRARIES) == []
    statement = (
        "from datetime import timedelta\nfrom avatar_server.tokens import AccessTokenCodec\n"
        "codec = AccessTokenCodec(b'k' * 64, timedelta(minutes=5))\n"
        "assert codec.decode(codec.issue('user-1')) == 'user-1'"
    )
    assert _loaded_after(statement, TOKEN_LIBRARIES) == list(TOKEN_LIBRARIES)


def test_a_worker_is_ready_for_a_standard_job_without_the_drawing_libraries() -> None:
    statement = (
        "import importlib\nfrom avatar_server.worker_start import WORKER_PRELOAD\n"
        "for module in WORKER_PRELOAD:\n    importlib.import_module(module)"
    )
    assert _loaded_after(statement, DRAWING_LIBRARIES) == []
    assert _loaded_after(statement, WEB_LIBRARIES) == []
    assert _loaded_after(statement, ("pandas", "avatar_engine")) == ["pandas", "avatar_engine"]


@pytest.mark.skipif(sys.platform == "win32", reason="no fork server on Windows")
def test_one_worker_is_spawned_several_fork_from_a_fork_server() -> None:
    assert worker_context(1).get_start_method() == "spawn"
    assert worker_context(2).get_start_method() == "forkserver"
