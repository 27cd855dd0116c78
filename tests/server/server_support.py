"""Helpers for the reference server tests (fixtures in conftest.py use them).

- ``server_settings``: Settings on a fresh data folder under ``tmp_path``.
- ``server_app``: a started app (lifespan entered) on that folder.
- ``admin_client`` / ``client_a`` / ``client_b``: authenticated ``httpx.Client`` instances
  (Starlette TestClient) for the first admin and for two ordinary users A and B.
- ``upload_wbcd(client, name="wbcd.csv")``: uploads fixtures/wbcd.csv, returns the JSON answer.
- ``wbcd_yaml``: the canonical resource set (CONTRACTS.md section 3) for wbcd.csv.
- ``ServerHarness`` / ``started_server``: the same for module- or session-scoped servers.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from argon2 import PasswordHasher

from avatar_server import Settings, create_app, passwords

# Cheaper Argon2id parameters keep the tests fast on a loaded machine; the production
# parameters are checked in test_server_security_units.py.
passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
passwords._dummy_hash.cache_clear()  # the dummy hash is made with the cheaper parameters

REPO_ROOT = Path(__file__).resolve().parents[2]
WBCD_CSV = REPO_ROOT / "fixtures" / "wbcd.csv"
USER_PASSWORD = "correct horse battery staple"

# The canonical example of the resource-set contract, verbatim (comments included).
WBCD_YAML = """\
kind: AvatarMetadata
metadata: {name: avatar-metadata-demo}
spec:
  display_name: demo
  pia_metadata: {datarecipient: unknown, data_type: unknown, datasubject: unknown,
                 sensitivity_level: undefined}
  max_distribution_plots: 20        # optional
---
kind: AvatarSchema
metadata: {name: schema}
spec:
  tables:
  - name: wbcd
    data: {volume: input, file: wbcd.csv}     # file = uploaded dataset name
    individual_level: true
    columns:
    - {field: Clump_Thickness, type: int}
    - {field: Class, type: category}
---
kind: AvatarSchema
metadata: {name: schema_avatarized}
spec:
  schema_ref: schema
  tables:
  - name: wbcd
    avatars_data: {auto: true}
---
kind: AvatarParameters
metadata: {name: standard}
spec:
  schema: schema
  seed: 42
  avatarization:
    wbcd: {k: 15, ncp: 5}
  results: {volume: results, path: standard}
---
kind: AvatarPrivacyMetricsParameters
metadata: {name: privacy_metrics}
spec:
  schema: schema_avatarized
  avatarization_ref: standard
  privacy_metrics:
    wbcd: {ncp: 5}
  results: {volume: results, path: privacy_metrics}
---
kind: AvatarSignalMetricsParameters
metadata: {name: signal_metrics}
spec:
  schema: schema_avatarized
  avatarization_ref: standard
  signal_metrics:
    wbcd: {ncp: 5}
  results: {volume: results, path: signal_metrics}
---
kind: AvatarReportParameters
metadata: {name: report}
spec:
  report_type: basic
  output_format: pdf
  language: en
  results: {volume: results, path: report}
---
kind: AvatarAdviceParameters
metadata: {name: advice}
spec:
  schema: schema
  advice: {advisor_type: [parameters]}
  results: {volume: results, path: advice}
"""


def make_settings(folder: Path, **overrides: Any) -> Settings:
    """Settings for a test server whose data folder and credentials live in ``folder``."""
    values: dict[str, Any] = {
        "data_dir": folder / "data",
        "credentials_file": folder / "credentials.json",
        "workers": 1,
        "max_upload_bytes": 5 * 1024 * 1024,
        "job_poll_seconds": 0.1,
        "shutdown_grace_seconds": 5.0,
    }
    values.update(overrides)
    return Settings(**values)


@dataclass
class ServerHarness:
    """A started in-process server and helpers to get authenticated clients."""

    app: Any
    settings: Settings
    stack: ExitStack
    clients: dict[str, TestClient] = field(default_factory=dict)

    @property
    def credentials(self) -> dict[str, str]:
        """The first admin's credentials (from the credentials file)."""
        assert self.settings.credentials_file is not None
        return dict(json.loads(self.settings.credentials_file.read_text()))

    def anonymous(self) -> TestClient:
        """A client without credentials."""
        return self.stack.enter_context(TestClient(self.app, raise_server_exceptions=False))

    def admin(self) -> TestClient:
        """A client authenticated with the first admin's API key."""
        if "admin" not in self.clients:
            client = self.anonymous()
            client.headers["Authorization"] = f"api-key-v1 {self.credentials['api_key']}"
            self.clients["admin"] = client
        return self.clients["admin"]

    def user(self, username: str) -> TestClient:
        """A client authenticated (API key) as ``username``, created on first use."""
        if username not in self.clients:
            admin = self.admin()
            created = admin.post(
                "/api/users",
                json={
                    "username": username,
                    "email": f"{username}@example.org",
                    "password": USER_PASSWORD,
                },
            )
            assert created.status_code == 201, created.text
            client = self.anonymous()
            token = client.post(
                "/api/login", data={"username": username, "password": USER_PASSWORD}
            ).json()["access_token"]
            client.headers["Authorization"] = f"Bearer {token}"
            key = client.post("/api/api-keys", json={"name": "tests"}).json()["key"]
            client.headers["Authorization"] = f"api-key-v1 {key}"
            self.clients[username] = client
        return self.clients[username]


@contextmanager
def started_server(folder: Path, **overrides: Any) -> Iterator[ServerHarness]:
    """Start an app on ``folder`` for the duration of the block (workers stopped after)."""
    settings = make_settings(folder, **overrides)
    app = create_app(settings)
    with ExitStack() as stack:
        stack.enter_context(TestClient(app))  # runs the lifespan: storage, admin, workers
        yield ServerHarness(app=app, settings=settings, stack=stack)


def upload_dataset(client: TestClient, path: Path, name: str) -> dict[str, Any]:
    """Upload ``path`` as dataset ``name`` and return the JSON answer (asserts 201)."""
    response = client.put(
        f"/api/datasets/{name}",
        content=path.read_bytes(),
        headers={"Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def put_resource_set(client: TestClient, yaml_text: str, display_name: str = "demo") -> str:
    """Store a resource set and return its set_name (asserts 201)."""
    response = client.put(
        f"/api/resources/{display_name}",
        content=yaml_text.encode(),
        headers={"Content-Type": "text/yaml"},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["set_name"])


def create_job(
    client: TestClient,
    set_name: str,
    parameters_name: str,
    depends_on: list[str] | None = None,
    **headers: str,
) -> str:
    """Create a job and return its name (asserts 201)."""
    response = client.post(
        "/api/jobs",
        json={
            "set_name": set_name,
            "parameters_name": parameters_name,
            "depends_on": depends_on or [],
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["name"])


def wait_for_job(client: TestClient, name: str, timeout: float = 180.0) -> dict[str, Any]:
    """Long-poll a job until it is done; returns its final JSON."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        response = client.get(f"/api/jobs/{name}", params={"wait": 30})
        assert response.status_code == 200, response.text
        job = dict(response.json())
        if job["done"]:
            return job
        assert time.monotonic() < deadline, f"job not done after {timeout} s: {job}"


def wait_for_status(
    client: TestClient, name: str, statuses: set[str], timeout: float = 120.0
) -> dict[str, Any]:
    """Poll a job until its status is one of ``statuses``."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        job = dict(client.get(f"/api/jobs/{name}").json())
        if job["status"] in statuses or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


def write_large_dataset(path: Path, rows: int = 30_000, seed: int = 0) -> Path:
    """A numeric + categorical CSV big enough for a job to run for a while."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({f"x{i}": rng.normal(size=rows).round(4) for i in range(8)})
    frame["group"] = rng.choice(["a", "b", "c"], size=rows)
    frame.to_csv(path, index=False)
    return path


LARGE_YAML = """\
kind: AvatarMetadata
metadata: {name: avatar-metadata-large}
spec:
  display_name: large
---
kind: AvatarSchema
metadata: {name: schema}
spec:
  tables:
  - name: large
    data: {volume: input, file: large.csv}
    columns:
    - {field: group, type: category}
---
kind: AvatarParameters
metadata: {name: standard}
spec:
  schema: schema
  seed: 1
  avatarization:
    large: {k: 20, ncp: 5}
  results: {volume: results, path: standard}
---
kind: AvatarSchema
metadata: {name: schema_avatarized}
spec:
  schema_ref: schema
  tables:
  - name: large
    avatars_data: {auto: true}
---
kind: AvatarPrivacyMetricsParameters
metadata: {name: privacy_metrics}
spec:
  schema: schema_avatarized
  avatarization_ref: standard
  privacy_metrics:
    large: {ncp: 5}
  results: {volume: results, path: privacy_metrics}
"""
