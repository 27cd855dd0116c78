"""First start and restart: folders, tables, signing secret, first admin, job recovery."""

from __future__ import annotations

import json
import logging
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from avatar_server.accounts import create_api_key, create_user
from avatar_server.database import create_tables
from avatar_server.jobs import mark_running_jobs_lost, propagate_parent_errors
from avatar_server.models import User
from avatar_server.state import ServerState
from avatar_server.storage import atomic_write_bytes
from avatar_server.tokens import AccessTokenCodec, load_or_create_jwt_secret

logger = logging.getLogger("avatar_server")

ADMIN_USERNAME = "admin"


@dataclass(frozen=True)
class InitialCredentials:
    """The first admin's credentials, handed to the operator once."""

    username: str
    password: str
    api_key: str


def _bootstrap_admin(state: ServerState) -> InitialCredentials | None:
    with state.sessions() as db:
        if db.scalar(select(func.count()).select_from(User)):
            return None
        password = secrets.token_urlsafe(18)
        user = create_user(db, ADMIN_USERNAME, password, is_admin=True)
        _row, key = create_api_key(db, user.id, "initial admin key", None)
    return InitialCredentials(ADMIN_USERNAME, password, key)


def _hand_over(credentials: InitialCredentials, credentials_file: Path | None) -> None:
    if credentials_file is not None:
        payload = {
            "username": credentials.username,
            "password": credentials.password,
            "api_key": credentials.api_key,
        }
        atomic_write_bytes(
            credentials_file, (json.dumps(payload, indent=2) + "\n").encode(), mode=0o600
        )
        os.chmod(credentials_file, 0o600)
        logger.info("initial admin credentials written to %s", credentials_file)
        return
    sys.stderr.write(
        "\n=== avatars server: first start ===\n"
        f"admin username: {credentials.username}\n"
        f"admin password: {credentials.password}\n"
        f"admin API key:  {credentials.api_key}\n"
        "These are shown only once: store them now.\n\n"
    )
    sys.stderr.flush()


def provision_admin(state: ServerState) -> None:
    """On the first start, create the admin and hand over its credentials (file or stderr).

    Called once the workers are starting: hashing the password does not delay them.

    Example:
        >>> provision_admin(state)  # doctest: +SKIP
    """
    credentials = _bootstrap_admin(state)
    if credentials is not None:
        _hand_over(credentials, state.settings.credentials_file)


def initialize(state: ServerState) -> None:
    """Prepare storage and database; recover jobs left running by a stopped server.

    Example:
        >>> initialize(ServerState.build(Settings(data_dir=tmp)))  # doctest: +SKIP
    """
    state.store.ensure()
    create_tables(state.engine)
    secret = load_or_create_jwt_secret(state.store.jwt_secret_path)
    state.access_tokens = AccessTokenCodec(secret, state.access_lifetime)
    state.supervisor.reap_strays()  # workers of a server that died write nothing more
    with state.sessions() as db:
        lost = mark_running_jobs_lost(db)
        failed_children = propagate_parent_errors(db)
    if lost:
        logger.warning(
            "%d job(s) were running when the server stopped: marked lost (%d dependant(s) "
            "marked parent_error)",
            lost,
            failed_children,
        )
