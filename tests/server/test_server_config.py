"""Configuration (flags and AVATAR_SERVER_* variables) and database portability."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateIndex, CreateTable

from avatar_server.__main__ import settings_from_args
from avatar_server.database import make_engine, make_session_factory
from avatar_server.jobs import claim_next_job, propagate_parent_errors
from avatar_server.models import Base, Job


def test_flags_override_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AVATAR_SERVER_WORKERS", "3")
    monkeypatch.setenv("AVATAR_SERVER_PORT", "9001")
    monkeypatch.setenv("AVATAR_SERVER_DATA_DIR", str(tmp_path))
    settings = settings_from_args(["--port", "9100", "--max-upload-bytes", "1000"])
    assert settings.workers == 3
    assert settings.port == 9100
    assert settings.max_upload_bytes == 1000
    assert settings.resolved_database_url() == f"sqlite:///{tmp_path.resolve()}/avatars.db"
    with pytest.raises(SystemExit):
        settings_from_args(["--port", "not-a-number"])


def test_schema_compiles_for_postgresql() -> None:
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call,unused-ignore]
    for table in Base.metadata.sorted_tables:
        assert "CREATE TABLE" in str(CreateTable(table).compile(dialect=dialect))
        for index in table.indexes:
            str(CreateIndex(index).compile(dialect=dialect))
    query = select(Job).where(Job.run_token.startswith("12-", autoescape=True))
    assert "LIKE" in str(query.compile(dialect=dialect))


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    Base.metadata.create_all(engine)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    with make_session_factory(engine)() as db:
        assert isinstance(db, Session)
        assert claim_next_job(db, "1-x") is None
        assert propagate_parent_errors(db) == 0
    engine.dispose()


def test_missing_database_driver_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if the extra were not installed
    with pytest.raises(RuntimeError, match=r"avatars\[postgres\]") as raised:
        make_engine("postgresql+psycopg://user:secret@127.0.0.1:1/avatars")
    assert "secret" not in str(raised.value)
