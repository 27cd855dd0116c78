"""Request authentication: bearer JWT or ``api-key-v1`` key -> the calling user."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session

from avatar_server.errors import ApiError
from avatar_server.models import ApiKey, User
from avatar_server.state import ServerState
from avatar_server.tokens import api_key_id, same_hash

# Declared for the OpenAPI document only; the header is parsed below.
_authorization_scheme = APIKeyHeader(
    name="Authorization",
    auto_error=False,
    description="`Bearer <access token>` or `api-key-v1 <API key>`",
)


def get_state(request: Request) -> ServerState:
    """The app's shared services."""
    state: ServerState = request.app.state.server
    return state


def get_db(request: Request) -> Iterator[Session]:
    """One database session per request."""
    with get_state(request).sessions() as session:
        yield session


def _unauthorized(detail: str, code: str = "not_authenticated") -> ApiError:
    return ApiError(401, code, detail, headers={"WWW-Authenticate": "Bearer"})


def _user_from_api_key(db: Session, key: str) -> User | None:
    key_id = api_key_id(key)
    if key_id is None:
        return None
    row = db.get(ApiKey, key_id)
    if row is None or not same_hash(row.key_hash, key):
        return None
    now = datetime.now(UTC)
    if row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        return None
    return db.get(User, row.user_id)


def current_user(
    request: Request,
    db: Annotated[Session, Depends(get_db)],
    _scheme: Annotated[str | None, Depends(_authorization_scheme)],
) -> User:
    """The authenticated caller, or 401.

    The lookup's transaction is ended before returning, so the request's session gives its
    connection back to the pool: a request that then waits (long-poll, upload body) holds
    none; its next query checks one out again.
    """
    try:
        return _authenticate(request, db)
    finally:
        db.commit()  # objects stay loaded (expire_on_commit=False)


def _authenticate(request: Request, db: Session) -> User:
    header = request.headers.get("authorization", "")
    scheme, _, credential = header.strip().partition(" ")
    credential = credential.strip()
    if not scheme or not credential:
        raise _unauthorized(
            "Missing credentials: send 'Authorization: api-key-v1 <key>' or "
            "'Authorization: Bearer <access token>'."
        )
    user: User | None
    if scheme.lower() == "bearer":
        user_id = get_state(request).token_codec().decode(credential)
        user = db.get(User, user_id) if user_id else None
        if user is None:
            raise _unauthorized(
                "The access token is invalid or expired: refresh it or log in again.",
                "invalid_token",
            )
        return user
    if scheme.lower() == "api-key-v1":
        user = _user_from_api_key(db, credential)
        if user is None:
            raise _unauthorized(
                "The API key is invalid, expired or revoked: create a new one.",
                "invalid_api_key",
            )
        return user
    raise _unauthorized(
        "Unsupported authorization scheme: use 'Bearer' or 'api-key-v1'.", "invalid_scheme"
    )


def admin_user(user: Annotated[User, Depends(current_user)]) -> User:
    """The authenticated caller if they are an admin, else 403."""
    if not user.is_admin:
        raise ApiError(403, "admin_required", "Only administrators may do this.")
    return user


DbSession = Annotated[Session, Depends(get_db)]
CurrentUser = Annotated[User, Depends(current_user)]
AdminUser = Annotated[User, Depends(admin_user)]
State = Annotated[ServerState, Depends(get_state)]
