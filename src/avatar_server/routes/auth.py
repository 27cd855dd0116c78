"""Login, token refresh and password reset."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from sqlalchemy import select

from avatar_server.accounts import (
    consume_reset_token,
    create_reset_token,
    issue_refresh_token,
    revoke_user_sessions,
    rotate_refresh_token,
)
from avatar_server.auth import DbSession, State
from avatar_server.errors import ApiError, error_responses
from avatar_server.mailer import OutboxMailer
from avatar_server.models import User
from avatar_server.passwords import hash_password, verify_password
from avatar_server.schemas import (
    ForgottenPasswordRequest,
    LoginForm,
    LoginResponse,
    RefreshRequest,
    ResetPasswordRequest,
)
from avatar_server.state import ServerState

router = APIRouter(prefix="/api", tags=["auth"])

MIN_PASSWORD_LENGTH = 12


def _rate_limited(retry_after: int) -> ApiError:
    return ApiError(
        429,
        "rate_limited",
        f"Too many failed attempts. Wait {retry_after} s before trying again.",
        headers={"Retry-After": str(retry_after)},
    )


def client_address(request: Request) -> str:
    """The caller's address as the server sees it ("unknown" without one)."""
    return request.client.host if request.client else "unknown"


def attempt_key(kind: str, request: Request, subject: str) -> str:
    """The lock-out key of one (client address, account) pair.

    Failures from one address lock only that address out of that account: nobody can keep
    the owner out by failing from elsewhere, and API keys are never locked out.

    Example:
        >>> attempt_key("user", request, "Lea")  # doctest: +SKIP
        'user:lea@203.0.113.7'
    """
    return f"{kind}:{subject.lower()}@{client_address(request)}"


def _check_limits(state: ServerState, *keys: str) -> None:
    wait = max(state.login_limiter.retry_after(key) for key in keys)
    if wait:
        raise _rate_limited(wait)


def _token_pair(state: ServerState, user_id: str, refresh: str) -> LoginResponse:
    return LoginResponse(
        access_token=state.token_codec().issue(user_id),
        refresh_token=refresh,
        token_type="bearer",  # noqa: S106 (OAuth2 token type, not a secret)
    )


@router.post(
    "/login",
    response_model=LoginResponse,
    responses=error_responses(401, 429),
)
def login(
    form: Annotated[LoginForm, Form()], request: Request, db: DbSession, state: State
) -> LoginResponse:
    """Exchange a username and password for an access token and a refresh token."""
    user_key = attempt_key("user", request, form.username)
    client_key = "ip:" + client_address(request)
    _check_limits(state, user_key)
    wait = state.client_login_limiter.retry_after(client_key)
    if wait:
        raise _rate_limited(wait)
    user = db.scalar(select(User).where(User.username == form.username))
    if not verify_password(user.password_hash if user else None, form.password) or user is None:
        state.login_limiter.record_failure(user_key)
        state.client_login_limiter.record_failure(client_key)
        raise ApiError(401, "invalid_credentials", "Wrong username or password.")
    state.login_limiter.reset(user_key)
    lifetime = timedelta(days=state.settings.refresh_token_days)
    refresh = issue_refresh_token(db, user.id, lifetime)
    return _token_pair(state, user.id, refresh)


@router.post("/refresh", response_model=LoginResponse, responses=error_responses(401))
def refresh(body: RefreshRequest, db: DbSession, state: State) -> LoginResponse:
    """Rotate a refresh token: the old one stops working, reusing it revokes the chain."""
    lifetime = timedelta(days=state.settings.refresh_token_days)
    user_id, new_refresh = rotate_refresh_token(db, body.refresh_token, lifetime)
    return _token_pair(state, user_id, new_refresh)


@router.post(
    "/login/forgotten_password",
    status_code=204,
    response_class=Response,
    responses=error_responses(429),
)
def forgotten_password(
    body: ForgottenPasswordRequest, request: Request, db: DbSession, state: State
) -> Response:
    """Send a password reset token to the user's email (204 whether or not it exists)."""
    key = attempt_key("forgot", request, body.email)
    _check_limits(state, key)
    state.login_limiter.record_failure(key)
    user = db.scalar(select(User).where(User.email == body.email))
    if user is not None:
        lifetime = timedelta(minutes=state.settings.reset_token_minutes)
        token = create_reset_token(db, user.id, lifetime)
        OutboxMailer(state.store.outbox_dir).send(
            body.email,
            "Reset your avatars password",
            f"Use this token to reset your password: {token}\n"
            f"It expires in {state.settings.reset_token_minutes:g} minutes.",
        )
    return Response(status_code=204)


@router.post(
    "/login/reset_password",
    status_code=204,
    response_class=Response,
    responses=error_responses(400, 429),
)
def reset_password(
    body: ResetPasswordRequest, request: Request, db: DbSession, state: State
) -> Response:
    """Set a new password with the token received by email."""
    key = attempt_key("reset", request, body.email)
    _check_limits(state, key)
    if body.new_password != body.new_password_repeated:
        raise ApiError(422, "password_mismatch", "new_password and new_password_repeated differ.")
    if len(body.new_password) < MIN_PASSWORD_LENGTH:
        raise ApiError(
            422,
            "weak_password",
            f"The new password is too short: use at least {MIN_PASSWORD_LENGTH} characters.",
        )
    user = db.scalar(select(User).where(User.email == body.email))
    if user is None or not consume_reset_token(db, user, body.token):
        db.rollback()
        state.login_limiter.record_failure(key)
        raise ApiError(
            400,
            "invalid_reset_token",
            "The reset token is invalid, used or expired: ask for a new one.",
        )
    user.password_hash = hash_password(body.new_password)
    revoke_user_sessions(db, user.id)
    db.commit()
    return Response(status_code=204)
