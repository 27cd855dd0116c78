"""The server on a real PostgreSQL: database layer, concurrent claims, a full job lifecycle.

PostgreSQL comes from the ``pgserver`` wheel (``dev`` extra, so it runs in CI too), else from
``initdb``/``pg_ctl`` on PATH; without either the tests are skipped with the reason.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from server_support import (
    WBCD_CSV,
    WBCD_YAML,
    create_job,
    put_resource_set,
    started_server,
    upload_dataset,
    wait_for_job,
)
from sqlalchemy import create_engine, text

from avatar_server.database import create_tables, make_engine, make_session_factory
from avatar_server.jobs import claim_next_job, finish_job, now_utc
from avatar_server.models import Job, User
from avatar_server.schemas import JobStatus

pytestmark = [pytest.mark.server, pytest.mark.slow]
psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed (extra 'postgres')")


def _start_with_pgserver(folder: Path) -> tuple[str, Any] | None:
    try:
        import pgserver
    except ImportError:
        return None
    server = pgserver.get_server(folder, cleanup_mode="stop")
    uri = str(server.get_uri())  # postgresql://postgres:@/postgres?host=<socket folder>
    return uri.replace("postgresql://", "postgresql+psycopg://", 1), server.cleanup


def _start_with_pg_ctl(folder: Path) -> tuple[str, Any] | None:
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb is None or pg_ctl is None:
        return None
    data, sockets = folder / "data", folder / "sockets"
    sockets.mkdir(parents=True)
    subprocess.run(
        [initdb, "-D", str(data), "-U", "postgres", "-A", "trust"], check=True, capture_output=True
    )
    options = f"-k {sockets} -c listen_addresses=''"
    subprocess.run(
        [pg_ctl, "-D", str(data), "-o", options, "-w", "start", "-l", str(folder / "log")],
        check=True,
        capture_output=True,
    )

    def stop() -> None:
        subprocess.run(
            [pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"], check=False, capture_output=True
        )

    return f"postgresql+psycopg://postgres@/postgres?host={sockets}", stop


@pytest.fixture(scope="module")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a PostgreSQL server private to this module (stopped at the end)."""
    folder = tmp_path_factory.mktemp("pg")
    reasons = []
    for start in (_start_with_pgserver, _start_with_pg_ctl):
        try:
            started = start(folder / start.__name__)
        except Exception as exc:  # e.g. no permission to run postgres here
            reasons.append(f"{start.__name__}: {type(exc).__name__}: {exc}"[:300])
            continue
        if started is not None:
            break
    else:
        pytest.skip(
            "no PostgreSQL available: install the 'dev' extra (pgserver) or put initdb and "
            f"pg_ctl on PATH ({'; '.join(reasons) or 'neither found'})"
        )
    url, stop = started
    try:
        yield url
    finally:
        stop()


@pytest.fixture
def database_url(postgres_url: str) -> Iterator[str]:
    """A fresh, empty database on the module's server."""
    name = f"avatars_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = postgres_url.replace("/postgres?", f"/{name}?", 1)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def _queued_jobs(sessions: Any, count: int) -> list[str]:
    with sessions() as db:
        user = User(id=str(uuid.uuid4()), username="u", password_hash="x", created_at=now_utc())
        db.add(user)
        db.flush()
        names = [str(uuid.uuid4()) for _ in range(count)]
        for name in names:
            db.add(
                Job(
                    name=name,
                    user_id=user.id,
                    set_name=str(uuid.uuid4()),
                    display_name="d",
                    parameters_name="standard",
                    kind="standard",
                    status="queued",
                    created_at=now_utc(),
                )
            )
        db.commit()
    return names


def test_concurrent_claims_never_share_a_job(database_url: str) -> None:
    engine = make_engine(database_url)
    assert engine.dialect.name == "postgresql"
    create_tables(engine)
    sessions = make_session_factory(engine)
    names = _queued_jobs(sessions, 30)
    claimed: list[str] = []
    lock = threading.Lock()

    def claimer(index: int) -> None:
        while True:
            token = f"{4_000_000 + index}-{uuid.uuid4().hex[:24]}"
            with sessions() as db:
                job = claim_next_job(db, token)
            if job is None:
                return
            assert job.run_token == token
            assert job.started_at is not None
            assert job.started_at.tzinfo is not None
            with lock:
                claimed.append(job.name)
            with sessions() as db:
                assert finish_job(db, job.name, token, JobStatus.FINISHED, None)

    threads = [threading.Thread(target=claimer, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(claimed) == sorted(names)  # every job exactly once
    with sessions() as db:
        statuses = {job.status for job in db.query(Job)}
    assert statuses == {"finished"}
    engine.dispose()


def test_full_job_lifecycle_on_postgresql(tmp_path: Path, database_url: str) -> None:
    with started_server(tmp_path, database_url=database_url, workers=2) as server:
        assert server.app.state.server.engine.dialect.name == "postgresql"
        client = server.user("paula")
        upload_dataset(client, WBCD_CSV, "wbcd.csv")
        assert client.get("/api/datasets").json()["datasets"][0]["name"] == "wbcd.csv"
        set_name = put_resource_set(client, WBCD_YAML)
        standard = create_job(client, set_name, "standard", None, **{"Idempotency-Key": "k-1"})
        assert (
            create_job(client, set_name, "standard", None, **{"Idempotency-Key": "k-1"}) == standard
        )
        privacy = create_job(client, set_name, "privacy_metrics", [standard])
        finished = wait_for_job(client, privacy, timeout=90)
        assert finished["status"] == "finished", finished
        job = client.get(f"/api/jobs/{standard}").json()
        assert job["status"] == "finished"
        assert job["started_at"] <= job["finished_at"]
        files = client.get(f"/api/results/{standard}").json()
        assert files["shuffled"] == ["wbcd.shuffled.csv"]
        advice = create_job(client, set_name, "advice")
        cancelled = client.post(f"/api/jobs/{advice}/cancel")
        assert cancelled.status_code in {200, 409}
        assert wait_for_job(client, advice)["done"] is True
        page = client.get("/api/jobs", params={"limit": 2}).json()
        assert page["total"] == 3
        deleted = client.post("/api/jobs/bulk-delete", json={"job_names": [advice]}).json()
        assert deleted["deleted_jobs"] == [advice]
