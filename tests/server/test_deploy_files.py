"""The deployment files (Dockerfile, compose.yaml) hold together and use real settings.

Structural checks that run everywhere; ``docker compose config`` runs too where a compose
command exists (skipped with the reason elsewhere).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from avatar_server.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / "compose.env.example"
SETTINGS_PREFIX = "AVATAR_SERVER_"
# What the stack must run: the server, its database and object store, a Dask cluster.
REQUIRED_IMAGES = {"postgres": "postgres:", "minio": "minio/minio"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(loaded, dict)
    return loaded


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def test_services_and_references_exist(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"server", "postgres", "minio", "dask-scheduler"} <= set(services)
    workers = [name for name, s in services.items() if "worker" in str(s.get("command", ""))]
    assert len(workers) == 2, workers
    for name, image in REQUIRED_IMAGES.items():
        assert str(services[name]["image"]).startswith(image)
    declared_volumes = set(compose.get("volumes") or {})
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown service {dependency}"
        for volume in service.get("volumes", []):
            source = str(volume).split(":", 1)[0]
            if not source.startswith((".", "/")):
                assert source in declared_volumes, f"{name} mounts undeclared volume {source}"
        for value in _environment(service).values():
            url = urlsplit(re.sub(r"\$\{[^}]*\}", "x", value))  # ${VAR} -> a placeholder
            host = url.hostname if url.scheme not in {"", "s3"} else None  # s3://<bucket>
            if host and "." not in host and host != "localhost":
                assert host in services, f"{name} points at unknown host {host} ({value})"
    assert "build" in services["server"]
    for name in ("dask-scheduler", *workers):
        assert services[name]["image"] == services["server"]["image"]  # the server's image
        assert services[name]["healthcheck"]["disable"] is True  # no HTTP API there
    assert services["server"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["server"]["depends_on"]["minio"]["condition"] == "service_healthy"


def test_server_environment_names_real_settings(compose: dict[str, Any]) -> None:
    env = _environment(compose["services"]["server"])
    names = {k[len(SETTINGS_PREFIX) :].lower() for k in env if k.startswith(SETTINGS_PREFIX)}
    unknown = names - set(Settings.model_fields)
    assert not unknown, f"compose.yaml sets unknown server settings: {sorted(unknown)}"
    assert {"database_url", "storage_url", "storage_endpoint_url", "dask_scheduler"} <= names
    assert env["AVATAR_SERVER_DATABASE_URL"].startswith("postgresql+psycopg://")
    values = {
        n: env[SETTINGS_PREFIX + n.upper()]
        for n in names
        if "${" not in env[SETTINGS_PREFIX + n.upper()]
    }
    Settings(**values)  # every literal value is valid for its setting
    published = compose["services"]["server"]["ports"][0]
    assert str(published).endswith(":" + env["AVATAR_SERVER_PORT"])


def test_every_required_variable_is_in_the_example(compose: dict[str, Any]) -> None:
    required = set(re.findall(r"\$\{(\w+)(?::?[-?][^}]*)?\}", COMPOSE.read_text()))
    example = {
        line.split("=", 1)[0]
        for line in ENV_EXAMPLE.read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert required <= example, f"missing from compose.env.example: {required - example}"


def test_dockerfile_is_multi_stage_non_root_with_healthcheck() -> None:
    text = DOCKERFILE.read_text()
    stages = re.findall(r"^FROM\s+\S+\s+AS\s+(\w+)", text, flags=re.MULTILINE)
    assert len(stages) >= 2
    assert "COPY --from=" + stages[0] in text
    users = re.findall(r"^USER\s+(\S+)", text, flags=re.MULTILINE)
    assert users
    assert users[-1] not in {"root", "0"}
    assert "/api/health" in text.split("HEALTHCHECK", 1)[1]
    extras = set(re.findall(r'\.\[([\w,]+)\]"', text)[0].split(","))
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert extras <= set(declared), f"Dockerfile installs unknown extras {extras - set(declared)}"
    for copied in re.findall(r"^COPY\s+(?!--)(.+)\s+\S+$", text, flags=re.MULTILINE):
        for source in copied.split():
            assert (ROOT / source).exists(), f"Dockerfile copies missing {source}"


def _compose_command() -> list[str] | None:
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run(
            [docker, "compose", "version"], capture_output=True, check=False
        ).returncode
        == 0
    ):
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_docker_compose_config_accepts_the_file(tmp_path: Path) -> None:
    command = _compose_command()
    if command is None:
        pytest.skip("no 'docker compose' or 'docker-compose' on this machine")
    checked = subprocess.run(
        [*command, "--env-file", str(ENV_EXAMPLE), "-f", str(COMPOSE), "config", "-q"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert checked.returncode == 0, checked.stderr
    missing = subprocess.run(
        [*command, "-f", str(COMPOSE), "--project-directory", str(tmp_path), "config", "-q"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert missing.returncode != 0  # without a .env the secrets are refused, not defaulted
    assert "POSTGRES_PASSWORD" in missing.stderr + missing.stdout
