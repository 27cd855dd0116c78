"""Database engine and sessions: SQLite in WAL mode by default, PostgreSQL by URL."""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from avatar_server.models import Base


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


def make_engine(url: str, pool_size: int = 5, pool_timeout: float = 30.0) -> Engine:
    """Create the SQLAlchemy engine for ``url`` with at most ``pool_size`` connections.

    Requests check a connection out only while they query (see ``auth.current_user``), so
    the pool is sized for the threads that can query at once, not for waiting requests.

    Example:
        >>> engine = make_engine("sqlite:///:memory:")
        >>> engine.dialect.name
        'sqlite'
    """
    pooling: dict[str, Any] = {}
    if ":memory:" not in url and url not in {"sqlite://", "sqlite:///"}:
        pooling = {"pool_size": pool_size, "max_overflow": 0, "pool_timeout": pool_timeout}
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, **pooling
        )
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True, **pooling)
    except ModuleNotFoundError as exc:
        raise RuntimeError(
            f"the database driver for {url.split(':', 1)[0]!r} is not installed "
            f"({exc.name}); for PostgreSQL run: pip install 'avatars[postgres]'"
        ) from exc


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def create_tables(engine: Engine) -> None:
    """Create missing tables (idempotent)."""
    Base.metadata.create_all(engine)
