"""The server under concurrent load: waiting requests hold no database connection."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import pytest
from server_support import (
    WBCD_CSV,
    ServerHarness,
    create_job,
    put_resource_set,
    started_server,
    upload_dataset,
)
from sklearn.datasets import load_iris, load_wine

pytestmark = pytest.mark.server

WAITERS = 50


def table_yaml(table: str, file: str, category: str, k: int = 10) -> str:
    """A minimal resource set: one table, one ``standard`` avatarization."""
    return f"""\
kind: AvatarMetadata
metadata: {{name: avatar-metadata-{table}}}
spec: {{display_name: {table}}}
---
kind: AvatarSchema
metadata: {{name: schema}}
spec:
  tables:
  - name: {table}
    data: {{volume: input, file: {file}}}
    columns:
    - {{field: {category}, type: category}}
---
kind: AvatarParameters
metadata: {{name: standard}}
spec:
  schema: schema
  seed: 7
  avatarization:
    {table}: {{k: {k}, ncp: 3}}
"""


def public_tables(folder: Path) -> list[tuple[str, Path, str]]:
    """wbcd.csv and two public tables shipped by scikit-learn, as CSV files."""
    tables = [("wbcd", WBCD_CSV, "Class")]
    for name, loader in (("iris", load_iris), ("wine", load_wine)):
        frame = loader(as_frame=True).frame
        frame["target"] = frame["target"].map(lambda value: f"class_{value}")
        path = folder / f"{name}.csv"
        frame.to_csv(path, index=False)
        tables.append((name, path, "target"))
    return tables


def queue_jobs(server: ServerHarness, folder: Path, per_table: int) -> list[str]:
    client = server.user("lea")
    names = []
    for table, path, category in public_tables(folder):
        upload_dataset(client, path, path.name)
        set_name = put_resource_set(client, table_yaml(table, path.name, category), table)
        names += [create_job(client, set_name, "standard") for _ in range(per_table)]
    return names


def test_fifty_long_polls_while_jobs_run_get_no_server_error(tmp_path: Path) -> None:
    """50 clients long-poll running jobs on a pool of 6 connections with a 3 s checkout
    timeout: waiting requests hold no connection, so every answer is a 200 and every
    job is seen finished (a request holding its connection while it waits would exhaust
    the pool and get 503 after 3 s)."""
    with started_server(
        tmp_path, database_pool_size=6, database_pool_timeout_seconds=3.0, workers=1
    ) as server:
        jobs = queue_jobs(server, tmp_path, per_table=2)
        client = server.user("lea")
        statuses: Counter[int] = Counter()
        finished: Counter[str] = Counter()
        lock = threading.Lock()

        def wait(index: int) -> None:
            name = jobs[-1 - index % len(jobs)]  # most waiters on the jobs that end last
            for _ in range(20):
                response = client.get(f"/api/jobs/{name}", params={"wait": 15})
                with lock:
                    statuses[response.status_code] += 1
                if response.status_code != 200 or response.json()["done"]:
                    break
            with lock:
                finished[response.json().get("status", "?")] += 1

        threads = [threading.Thread(target=wait, args=(i,)) for i in range(WAITERS)]
        for thread in threads:
            thread.start()
        listing = [client.get("/api/jobs", params={"limit": 5}).status_code for _ in range(20)]
        for thread in threads:
            thread.join(timeout=240)
        assert not any(thread.is_alive() for thread in threads)
        assert set(statuses) == {200}, statuses
        assert set(listing) == {200}
        assert finished == Counter({"finished": WAITERS})
        pool = server.app.state.server.engine.pool
        assert pool.size() == 6
