"""Password hashing with Argon2id."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2-cffi defaults: Argon2id, RFC 9106 low-memory profile



@cache
def _dummy_hash() -> str:
    """Verified against when the user does not exist, so timing does not reveal usernames
    (made on first use: hashing costs a fifth of a second, not to be paid at every start)."""
    return _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    """Hash ``password`` with Argon2id.

    Example:
        >>> hash_password("correct horse").startswith("$argon2id$")
        True
    """
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check ``password`` against a stored hash (constant work when there is no hash).

    Example:
        >>> verify_password(hash_password("a long secret"), "a long secret")
        True
    """
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False
