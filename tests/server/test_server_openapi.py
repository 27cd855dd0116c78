"""openapi.json is current and follows the generator's rules (CONTRACTS.md section 2)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from avatar_server import Settings, create_app

ROOT = Path(__file__).resolve().parents[2]
EXPECTED_TAGS = {
    "auth": {"login", "refresh", "forgotten_password", "reset_password"},
    "api_keys": {"create_api_key", "get_api_keys", "revoke_api_key"},
    "health": {"get_health", "get_health_db"},
    "compatibility": {"check_client"},
    "datasets": {
        "upload_dataset",
        "get_datasets",
        "get_dataset",
        "download_dataset",
        "delete_dataset",
    },
    "resources": {"put_resources", "get_resources"},
    "jobs": {"create_job", "get_jobs", "get_job", "cancel_job", "bulk_delete_jobs"},
    "results": {"get_results", "get_result_file"},
    "users": {"get_me", "create_user", "get_users", "get_user"},
}


def _export_module() -> Any:
    spec = importlib.util.spec_from_file_location(
        "export_openapi", ROOT / "scripts" / "export_openapi.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("openapi")))
    return dict(app.openapi())


def _operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return [op for item in schema["paths"].values() for op in item.values()]


def test_committed_openapi_matches_the_app() -> None:
    rendered = _export_module().render_schema()
    committed = (ROOT / "openapi.json").read_text()
    assert committed == rendered, "openapi.json is stale: run python scripts/export_openapi.py"


def test_check_mode_fails_on_a_stale_file(tmp_path: Path) -> None:
    module = _export_module()
    stale = tmp_path / "openapi.json"
    stale.write_text("{}\n")
    assert module.main(["--check", "--output", str(stale)]) == 1
    assert module.main(["--output", str(stale)]) == 0
    assert module.main(["--check", "--output", str(stale)]) == 0
    text = stale.read_text()
    assert text.endswith("}\n")
    assert json.loads(text)["openapi"].startswith("3.")


def test_operation_ids_and_tags_follow_the_contract(schema: dict[str, Any]) -> None:
    by_tag: dict[str, set[str]] = {}
    for op in _operations(schema):
        assert len(op["tags"]) == 1
        by_tag.setdefault(op["tags"][0], set()).add(op["operationId"])
    assert by_tag == EXPECTED_TAGS


def test_every_route_declares_error_responses(schema: dict[str, Any]) -> None:
    for op in _operations(schema):
        errors = {code: r for code, r in op["responses"].items() if code.startswith(("4", "5"))}
        assert {"422", "500"} <= errors.keys(), op["operationId"]
        for response in errors.values():
            ref = response["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/ErrorResponse"


def test_binary_bodies_and_unique_titles(schema: dict[str, Any]) -> None:
    text = json.dumps(schema)
    assert "contentMediaType" not in text
    assert "HTTPValidationError" not in text
    upload = schema["paths"]["/api/datasets/{name}"]["put"]["requestBody"]["content"]
    assert upload["application/octet-stream"]["schema"] == {"type": "string", "format": "binary"}
    download = schema["paths"]["/api/datasets/{name}/content"]["get"]["responses"]["200"]
    assert download["content"]["application/octet-stream"]["schema"]["format"] == "binary"
    titles = [c.get("title", name) for name, c in schema["components"]["schemas"].items()]
    assert len(titles) == len(set(titles))
    assert not [t for t in titles if t.endswith(("-Input", "-Output"))]


@pytest.mark.slow
def test_pinned_generator_accepts_the_schema_without_warnings(tmp_path: Path) -> None:
    import subprocess
    import sys

    generator = Path(sys.executable).with_name("openapi-python-client")
    if not generator.exists():
        pytest.skip("openapi-python-client is not installed in this environment")
    config = tmp_path / "config.yaml"
    config.write_text("post_hooks: []\n")
    result = subprocess.run(
        [
            str(generator),
            "generate",
            "--path",
            str(ROOT / "openapi.json"),
            "--meta",
            "none",
            "--fail-on-warning",
            "--config",
            str(config),
            "--output-path",
            str(tmp_path / "client"),
            "--overwrite",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout + result.stderr
    for tag, operations in EXPECTED_TAGS.items():
        for operation in operations:
            assert (tmp_path / "client" / "api" / tag / f"{operation}.py").exists()
    models = {p.stem for p in (tmp_path / "client" / "models").glob("*.py")}
    assert {"job_response", "error_response", "login_response", "result_files"} <= models
