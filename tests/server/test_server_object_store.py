"""The server with datasets and results on an S3-compatible object store (moto's server).

The store is moto's standalone S3 server on a free local port (``moto[server]``, ``dev``
extra): real HTTP, real S3 signatures, so this is the same path as MinIO or AWS.
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from palmerpenguins import load_penguins
from server_support import (
    create_job,
    put_resource_set,
    started_server,
    upload_dataset,
    wait_for_job,
)

pytestmark = pytest.mark.server
boto3 = pytest.importorskip("boto3", reason="boto3 is not installed (extra 's3')")
moto_server = pytest.importorskip("moto.server", reason="moto[server] is not installed (dev)")

BUCKET = "avatars-test"
PREFIX = "team-a"
YAML = """\
kind: AvatarMetadata
metadata: {name: avatar-metadata-penguins}
spec: {display_name: penguins}
---
kind: AvatarSchema
metadata: {name: schema}
spec:
  tables:
  - name: penguins
    data: {volume: input, file: penguins.csv}
---
kind: AvatarParameters
metadata: {name: standard}
spec:
  schema: schema
  seed: 3
  avatarization:
    penguins: {k: 8, ncp: 4}
---
kind: AvatarSchema
metadata: {name: schema_avatarized}
spec:
  schema_ref: schema
  tables:
  - {name: penguins, avatars_data: {auto: true}}
---
kind: AvatarSignalMetricsParameters
metadata: {name: signal_metrics}
spec:
  schema: schema_avatarized
  avatarization_ref: standard
  signal_metrics:
    penguins: {ncp: 4}
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def s3_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """URL of a fresh moto S3 server; the standard AWS variables hold its credentials."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "test-key-id",
        "AWS_SECRET_ACCESS_KEY": "test-secret-key",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    server = moto_server.ThreadedMotoServer("127.0.0.1", _free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def _objects(s3: Any, prefix: str) -> dict[str, bytes]:
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read() for o in listed}


def test_job_flow_on_object_store(tmp_path: Path, s3_endpoint: str) -> None:
    penguins = tmp_path / "penguins.csv"
    load_penguins().dropna().to_csv(penguins, index=False)
    s3 = boto3.client("s3", endpoint_url=s3_endpoint)
    storage = {"storage_url": f"s3://{BUCKET}/{PREFIX}", "storage_endpoint_url": s3_endpoint}
    with started_server(tmp_path, **storage) as server:
        paula, bob = server.user("paula"), server.user("bob")
        paula_id = paula.get("/api/users/me").json()["id"]
        upload_dataset(paula, penguins, "penguins.csv")
        datasets_key = f"{PREFIX}/users/{paula_id}/datasets/"
        assert _objects(s3, datasets_key) == {
            datasets_key + "penguins.csv": penguins.read_bytes()
        }  # the bucket was created at start; the upload is the object, byte for byte

        # Another user sees nothing of it, and cannot use it in a job.
        assert bob.get("/api/datasets/penguins.csv/content").status_code == 404
        assert bob.get("/api/datasets").json()["datasets"] == []

        set_name = put_resource_set(paula, YAML)
        job = create_job(paula, set_name, "standard")
        assert wait_for_job(paula, job, timeout=120)["status"] == "finished"
        results_key = f"{PREFIX}/users/{paula_id}/results/{job}/"
        stored = _objects(s3, results_key)
        assert results_key + "penguins.shuffled.csv" in stored
        assert bob.get(f"/api/results/{job}/penguins.shuffled.csv").status_code == 404

        # The data folder is only a cache: emptied, everything is read back from the store.
        shutil.rmtree(server.settings.data_dir / "users")
        files = paula.get(f"/api/results/{job}").json()
        assert files["shuffled"] == ["penguins.shuffled.csv"]
        shuffled = paula.get(f"/api/results/{job}/penguins.shuffled.csv")
        assert shuffled.status_code == 200
        assert shuffled.content == stored[results_key + "penguins.shuffled.csv"]
        assert len(shuffled.content.splitlines()) == len(load_penguins().dropna()) + 1
        # A dependent job reads the standard job's results and the dataset back from the store.
        shutil.rmtree(server.settings.data_dir / "users")
        signal = create_job(paula, set_name, "signal_metrics", [job])
        assert wait_for_job(paula, signal, timeout=120)["status"] == "finished"
        assert paula.get(f"/api/results/{signal}").json()["signal_metrics"]
        ranged = paula.get(
            "/api/datasets/penguins.csv/content", headers={"Range": "bytes=0-8"}
        )
        assert (ranged.status_code, ranged.content) == (206, penguins.read_bytes()[:9])

        # Deleting removes the objects, not only the cached copies.
        deleted = paula.post("/api/jobs/bulk-delete", json={"job_names": [signal, job]}).json()
        assert deleted["deleted_jobs"] == [signal, job]
        assert _objects(s3, results_key) == {}
        assert paula.delete("/api/datasets/penguins.csv").status_code == 204
        assert _objects(s3, datasets_key) == {}


def test_unreachable_store_answers_503(
    tmp_path: Path, s3_endpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    penguins = tmp_path / "penguins.csv"
    load_penguins().dropna().head(60).to_csv(penguins, index=False)
    closed = f"http://127.0.0.1:{_free_port()}"  # nothing listens there
    storage = {"storage_url": f"s3://{BUCKET}", "storage_endpoint_url": closed}
    with started_server(tmp_path, **storage) as server:  # starts anyway, with a warning
        paula = server.user("paula")
        answer = paula.put(
            "/api/datasets/penguins.csv",
            content=penguins.read_bytes(),
            headers={"Content-Type": "application/octet-stream"},
        )
        assert answer.status_code == 503, answer.text
        body = answer.json()
        assert body["code"] == "storage_unavailable"
        assert f"bucket '{BUCKET}' at {closed}" in body["detail"]
        assert "cannot be reached" in body["detail"]
        assert "test-secret-key" not in answer.text
        assert answer.headers["Retry-After"] == "5"
        assert paula.get("/api/datasets").json()["datasets"] == []  # nothing half-stored
    warned = [r.getMessage() for r in caplog.records if "object store" in r.getMessage()]
    assert warned  # the start said so
    assert not any("test-secret-key" in r.getMessage() for r in caplog.records)


def test_large_files_go_in_parts_and_names_stay_in_their_folder(
    tmp_path: Path, s3_endpoint: str
) -> None:
    from avatar_server.object_store import ObjectStore
    from avatar_server.storage import DataStore, InvalidNameError

    remote = ObjectStore(f"s3://{BUCKET}/big", endpoint_url=s3_endpoint)
    store = DataStore(tmp_path / "data", remote)
    store.ensure()
    user = "0b6e9f0c-2a31-4f7e-9d15-5c3a7e1f2b40"
    large = tmp_path / ".upload.part"
    rows = load_penguins().dropna().to_csv(index=False).encode()
    large.write_bytes(rows * (20 * 1024 * 1024 // len(rows) + 1))  # about 20 MiB
    expected = large.read_bytes()
    store.save_dataset(user, "penguins.csv", large)
    key = f"big/users/{user}/datasets/penguins.csv"
    etag = boto3.client("s3", endpoint_url=s3_endpoint).head_object(Bucket=BUCKET, Key=key)
    assert etag["ContentLength"] == len(expected)
    assert etag["ETag"].strip('"').endswith("-3")  # 3 parts of 8 MiB, never one 20 MiB body
    cached = store.dataset_path(user, "penguins.csv")
    cached.unlink()
    assert store.fetch_dataset(user, "penguins.csv").read_bytes() == expected
    cached.unlink()
    store.fetch_all(user)  # what a full listing needs: every object back in the cache
    assert cached.read_bytes() == expected
    for name in ("../other/penguins.csv", "..", ".hidden"):
        with pytest.raises(InvalidNameError):
            store.fetch_dataset(user, name)
    with pytest.raises(InvalidNameError):
        store.fetch_dataset("../" + user, "penguins.csv")
