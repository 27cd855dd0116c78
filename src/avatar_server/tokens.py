"""Secrets handed to clients: JWT access tokens, refresh tokens, API keys, reset tokens."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

JWT_ALGORITHM = "HS256"
API_KEY_PREFIX = "avk_"


def sha256_hex(secret: str) -> str:
    """SHA-256 of a high-entropy secret, as stored in the database.

    Example:
        >>> len(sha256_hex("x"))
        64
    """
    return hashlib.sha256(secret.encode()).hexdigest()


def load_or_create_jwt_secret(path: Path) -> bytes:
    """Read the signing secret, creating it (mode 0600) on first start.

    Example:
        >>> import tempfile; d = Path(tempfile.mkdtemp())
        >>> load_or_create_jwt_secret(d / "s") == load_or_create_jwt_secret(d / "s")
        True
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        secret = path.read_bytes().strip()
        if len(secret) >= 32:
            return secret
        raise RuntimeError(f"JWT secret file {path} is empty or too short; delete it") from None
    value = secrets.token_hex(64).encode()
    with os.fdopen(fd, "wb") as handle:
        handle.write(value)
        handle.flush()
        os.fsync(handle.fileno())
    return value


@dataclass(frozen=True)
class AccessTokenCodec:
    """Issues and checks short-lived HS256 access tokens (algorithm pinned on decode).

    PyJWT is imported on first use: it loads cryptography (8.5 MiB resident), which a server
    whose clients all use API keys never needs.

    Example:
        >>> codec = AccessTokenCodec(b"k" * 64, timedelta(minutes=5))
        >>> codec.decode(codec.issue("user-1"))
        'user-1'
    """

    secret: bytes
    lifetime: timedelta

    def issue(self, user_id: str) -> str:
        """A signed access token for ``user_id``."""
        import jwt

        now = datetime.now(UTC)
        claims = {
            "sub": user_id,
            "iat": now,
            "exp": now + self.lifetime,
            "jti": uuid.uuid4().hex,
            "typ": "access",
        }
        return jwt.encode(claims, self.secret, algorithm=JWT_ALGORITHM)

    def decode(self, token: str) -> str | None:
        """The user id of a valid token, ``None`` for an expired, forged or malformed one."""
        import jwt

        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=[JWT_ALGORITHM],
                options={"require": ["exp", "iat", "sub"]},
            )
        except jwt.PyJWTError:
            return None
        if claims.get("typ") != "access" or not isinstance(claims.get("sub"), str):
            return None
        return str(claims["sub"])


def new_opaque_token() -> str:
    """A random URL-safe token (refresh and reset tokens)."""
    return secrets.token_urlsafe(32)


def new_api_key() -> tuple[str, str]:
    """A new API key as ``(public_id, full_key)``; the key starts with its public id.

    Example:
        >>> key_id, key = new_api_key()
        >>> key.startswith(key_id + ".")
        True
    """
    key_id = API_KEY_PREFIX + secrets.token_hex(8)
    return key_id, f"{key_id}.{secrets.token_urlsafe(32)}"


def api_key_id(key: str) -> str | None:
    """The public id part of an API key, ``None`` if the key is malformed."""
    key_id, sep, secret = key.partition(".")
    if not sep or not key_id.startswith(API_KEY_PREFIX) or len(key_id) > 32 or not secret:
        return None
    return key_id


def same_hash(stored: str, candidate_secret: str) -> bool:
    """Constant-time comparison of a stored SHA-256 with the hash of a candidate."""
    return hmac.compare_digest(stored, sha256_hex(candidate_secret))
