"""The facades against the real reference server (in process, through Starlette's TestClient).

The SDK only sees an ``httpx.Client`` (``ApiClient(http_client=...)``), so this checks the
generated client, the facades and the error mapping against the server's actual answers.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette's notice about its httpx-based TestClient
    from fastapi.testclient import TestClient

import avatars
from avatar_server import Settings, create_app
from avatars import ApiClient

ROOT = Path(__file__).resolve().parents[2]
WBCD = ROOT / "fixtures" / "wbcd.csv"
YAML = """\
kind: AvatarMetadata
metadata: {name: avatar-metadata-sdk}
spec:
  display_name: sdk
---
kind: AvatarSchema
metadata: {name: schema}
spec:
  tables:
  - name: wbcd
    data: {volume: input, file: wbcd.csv}
    individual_level: true
---
kind: AvatarParameters
metadata: {name: standard}
spec:
  schema: schema
  seed: 1
  avatarization:
    wbcd: {k: 15, ncp: 5}
  results: {volume: results, path: standard}
"""

pytestmark = [pytest.mark.server, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("sdk-server")
    settings = Settings(
        data_dir=folder / "data",
        credentials_file=folder / "credentials.json",
        workers=1,
        max_upload_bytes=1024 * 1024,
        access_token_minutes=1.0,
        shutdown_grace_seconds=0.5,
        job_poll_seconds=0.1,
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as http:
        credentials = json.loads((folder / "credentials.json").read_text())
        yield {"http": http, **credentials}


@pytest.fixture
def client(server: dict[str, Any]) -> ApiClient:
    return ApiClient("http://testserver", api_key=server["api_key"], http_client=server["http"])


def test_health_compatibility_and_identity(client: ApiClient) -> None:
    assert client.health.get_health().status == "ok"
    assert client.compatibility.verify().status == "compatible"
    me = client.users.get_me()
    assert me.username == "admin"
    assert me.is_admin


def test_password_login_refresh_and_api_keys(server: dict[str, Any]) -> None:
    client = ApiClient("http://testserver", http_client=server["http"])
    with pytest.warns(avatars.AvatarsDeprecationWarning, match="create_api_key"):
        client.authenticate(server["username"], server["password"])
    assert client.users.get_me().username == "admin"

    first_refresh = client.auth_tokens.refresh if client.auth_tokens else None
    client._auth._clock = lambda: time.time() + 55  # the 1-minute token is about to expire
    assert client.users.get_me().username == "admin"
    assert client._auth.refresh_count == 1
    assert client.auth_tokens is not None
    assert client.auth_tokens.refresh != first_refresh

    created = client.api_keys.create_api_key(name="sdk-test", expiration_days=1)
    with_key = ApiClient("http://testserver", api_key=created.key, http_client=server["http"])
    assert with_key.users.get_me().username == "admin"
    assert created.id in [key.id for key in client.api_keys.get_api_keys().api_keys]
    client.api_keys.revoke_api_key(created.id)
    with pytest.raises(avatars.AuthenticationError):
        with_key.users.get_me()

    with pytest.raises(avatars.AuthenticationError):
        ApiClient("http://testserver", http_client=server["http"]).authenticate(
            server["username"], "wrong password"
        )


def test_datasets_stream_both_ways_and_map_errors(client: ApiClient, tmp_path: Path) -> None:
    stored = client.datasets.upload_dataset("wbcd.csv", WBCD)
    assert stored.sha256 == hashlib.sha256(WBCD.read_bytes()).hexdigest()
    assert client.datasets.get_dataset("wbcd.csv").size == WBCD.stat().st_size
    assert "wbcd.csv" in [d.name for d in client.datasets.get_datasets().datasets]
    copy = client.datasets.download_dataset("wbcd.csv", tmp_path / "copy.csv")
    assert copy.read_bytes() == WBCD.read_bytes()
    assert client.datasets.read_dataset("wbcd.csv").equals(pd.read_csv(WBCD))

    frame = pd.read_csv(WBCD)
    client.datasets.upload_dataset("frame.parquet", frame)
    assert client.datasets.read_dataset("frame.parquet").equals(frame)
    client.datasets.delete_dataset("frame.parquet")
    with pytest.raises(avatars.NotFoundError) as missing:
        client.datasets.get_dataset("frame.parquet")
    assert missing.value.code
    assert "frame.parquet" in missing.value.detail

    big = tmp_path / "big.csv"
    big.write_bytes(b"a\n" + b"1\n" * (1024 * 1024))
    with pytest.raises(avatars.PayloadTooLargeError):
        client.datasets.upload_dataset("big.csv", big)
    with pytest.raises(avatars.ValidationError):
        client.datasets.upload_dataset("a..b.csv", WBCD)


def test_resources_and_jobs(client: ApiClient) -> None:
    client.datasets.upload_dataset("wbcd.csv", WBCD)
    stored = client.resources.put_resources("sdk", YAML)
    assert stored.display_name == "sdk"
    assert "AvatarParameters" in client.resources.get_resources(stored.set_name)
    with pytest.raises(avatars.ValidationError) as invalid:
        client.resources.put_resources("sdk", YAML.replace("k: 15", "k: -3"))
    assert invalid.value.status_code == 422

    key = str(uuid.uuid4())
    job = client.jobs.create_job(stored.set_name, "standard", idempotency_key=key)
    again = client.jobs.create_job(stored.set_name, "standard", idempotency_key=key)
    assert again.name == job.name
    other = client.jobs.create_job(stored.set_name, "standard")
    assert other.name != job.name

    state = client.jobs.get_job(job.name)
    assert state.set_name == stored.set_name
    listed = client.jobs.get_jobs(display_name="sdk")
    assert {job.name, other.name} <= {j.name for j in listed.jobs}
    for name in (job.name, other.name):
        assert client.jobs.cancel_job(name).name == name
        stopped = client.jobs.get_job(name, wait=20)  # long-poll: answers once it is done
        assert stopped.done
    deleted = client.jobs.bulk_delete_jobs([job.name, other.name, "no-such-job"])
    assert "no-such-job" in deleted.failed_jobs
    with pytest.raises(avatars.NotFoundError):
        client.jobs.get_job("no-such-job")
    with pytest.raises(avatars.NotFoundError):
        client.results.get_results("no-such-job")
