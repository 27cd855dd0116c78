"""Users, refresh-token chains, API keys and password resets (database side)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from avatar_server.errors import ApiError
from avatar_server.models import ApiKey, PasswordResetToken, RefreshToken, User
from avatar_server.passwords import hash_password
from avatar_server.tokens import new_api_key, new_opaque_token, sha256_hex


def create_user(
    db: Session, username: str, password: str, *, email: str | None = None, is_admin: bool = False
) -> User:
    """Add a user (committed); 409 when the username or email is taken.

    Example:
        >>> create_user(db, "alice", "a long password!")  # doctest: +SKIP
    """
    taken = db.scalar(select(User.id).where(User.username == username))
    if taken is None and email is not None:
        taken = db.scalar(select(User.id).where(User.email == email))
    if taken is not None:
        raise ApiError(409, "user_exists", "A user with this username or email already exists.")
    user = User(
        id=str(uuid.uuid4()),
        username=username,
        email=email,
        password_hash=hash_password(password),
        is_admin=is_admin,
        created_at=datetime.now(UTC),
    )
    db.add(user)
    db.commit()
    return user


def issue_refresh_token(
    db: Session, user_id: str, lifetime: timedelta, chain_id: str | None = None
) -> str:
    """Store (hashed) and return a new refresh token of ``chain_id`` (a new chain if None)."""
    token = new_opaque_token()
    now = datetime.now(UTC)
    db.add(
        RefreshToken(
            id=str(uuid.uuid4()),
            user_id=user_id,
            chain_id=chain_id or str(uuid.uuid4()),
            token_hash=sha256_hex(token),
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    db.commit()
    return token


def rotate_refresh_token(db: Session, token: str, lifetime: timedelta) -> tuple[str, str]:
    """Consume ``token`` and return ``(user_id, new refresh token)`` of the same chain.

    Reusing an already used token revokes the whole chain (it was probably stolen).
    """
    invalid = ApiError(
        401, "invalid_refresh_token", "The refresh token is invalid or expired: log in again."
    )
    row = db.scalar(select(RefreshToken).where(RefreshToken.token_hash == sha256_hex(token)))
    now = datetime.now(UTC)
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise invalid
    claimed = db.execute(
        update(RefreshToken)
        .where(RefreshToken.id == row.id, RefreshToken.used_at.is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        db.execute(
            update(RefreshToken)
            .where(RefreshToken.chain_id == row.chain_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        db.commit()
        raise ApiError(
            401,
            "refresh_token_reused",
            "This refresh token was already used; all sessions started from the same login "
            "are revoked. Log in again.",
        )
    db.commit()
    return row.user_id, issue_refresh_token(db, row.user_id, lifetime, row.chain_id)


def create_api_key(
    db: Session, user_id: str, name: str, expiration_days: int | None
) -> tuple[ApiKey, str]:
    """Store a new API key (hashed) and return the row and the plaintext key."""
    key_id, key = new_api_key()
    now = datetime.now(UTC)
    row = ApiKey(
        id=key_id,
        user_id=user_id,
        name=name,
        key_hash=sha256_hex(key),
        created_at=now,
        expires_at=now + timedelta(days=expiration_days) if expiration_days else None,
    )
    db.add(row)
    db.commit()
    return row, key


def create_reset_token(db: Session, user_id: str, lifetime: timedelta) -> str:
    """Store (hashed) and return a single-use password reset token."""
    token = new_opaque_token()
    db.add(
        PasswordResetToken(
            id=str(uuid.uuid4()),
            user_id=user_id,
            token_hash=sha256_hex(token),
            expires_at=datetime.now(UTC) + lifetime,
        )
    )
    db.commit()
    return token


def consume_reset_token(db: Session, user: User, token: str) -> bool:
    """Mark the user's reset ``token`` used; False if it is unknown, used or expired."""
    now = datetime.now(UTC)
    result = db.execute(
        update(PasswordResetToken)
        .where(
            PasswordResetToken.user_id == user.id,
            PasswordResetToken.token_hash == sha256_hex(token),
            PasswordResetToken.used_at.is_(None),
            PasswordResetToken.expires_at > now,
        )
        .values(used_at=now)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def revoke_user_sessions(db: Session, user_id: str) -> None:
    """Revoke every refresh token of a user (after a password change)."""
    db.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
