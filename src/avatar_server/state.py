"""Everything a request handler needs, built once per app."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from avatar_server.database import make_engine, make_session_factory
from avatar_server.job_supervisor import JobSupervisor
from avatar_server.job_watcher import JobWatcher
from avatar_server.rate_limit import FailureLimiter
from avatar_server.settings import Settings
from avatar_server.storage import DataStore
from avatar_server.tokens import AccessTokenCodec

CLIENT_FAILURES_FACTOR = 5


@dataclass
class ServerState:
    """Shared services of one app: settings, database, data folder, tokens, workers, waits."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    store: DataStore
    login_limiter: FailureLimiter
    client_login_limiter: FailureLimiter
    supervisor: JobSupervisor
    job_watcher: JobWatcher
    access_tokens: AccessTokenCodec | None = None
    started: bool = False
    users_refcount: int = field(default=0)

    @classmethod
    def build(cls, settings: Settings) -> ServerState:
        """Create the services without touching the disk (that happens on startup)."""
        engine = make_engine(
            settings.resolved_database_url(),
            pool_size=settings.resolved_pool_size(),
            pool_timeout=settings.database_pool_timeout_seconds,
        )
        sessions = make_session_factory(engine)
        store = DataStore.from_settings(settings)
        return cls(
            settings=settings,
            engine=engine,
            sessions=sessions,
            store=store,
            login_limiter=FailureLimiter(
                settings.login_max_failures, settings.login_window_seconds
            ),
            # one address trying many usernames: a looser limit per client address
            client_login_limiter=FailureLimiter(
                settings.login_max_failures * CLIENT_FAILURES_FACTOR, settings.login_window_seconds
            ),
            supervisor=JobSupervisor(settings, sessions),
            job_watcher=JobWatcher(sessions),
        )

    def token_codec(self) -> AccessTokenCodec:
        """The access-token codec (available once the server has started)."""
        if self.access_tokens is None:
            raise RuntimeError("the server has not started: use it inside its lifespan")
        return self.access_tokens

    @property
    def access_lifetime(self) -> timedelta:
        """Lifetime of access tokens."""
        return timedelta(minutes=self.settings.access_token_minutes)
