"""Short-lived storage credentials: derived from the server's secret, never stored."""

from __future__ import annotations

import base64
import hmac
import re
import time
import uuid
from dataclasses import dataclass

ACCESS_KEY_PREFIX = "AVS"
LIFETIME_SECONDS = 12 * 3600
_ACCESS_KEY = re.compile(r"^AVS([0-9a-f]{32})([0-9]{10})$")


@dataclass(frozen=True)
class StorageCredentials:
    """An access key id (who, until when) and the secret that signs requests with it."""

    access_key_id: str
    secret_access_key: str


def _secret_for(server_secret: bytes, access_key_id: str) -> str:
    digest = hmac.new(server_secret, b"storage-credentials:" + access_key_id.encode(), "sha256")
    return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")


def issue_credentials(
    server_secret: bytes, user_id: str, now: float | None = None
) -> StorageCredentials:
    """Credentials for ``user_id``'s storage folder, valid for 12 hours.

    Example:
        >>> creds = issue_credentials(b"k" * 32, "5f0c6b5e-0000-4000-8000-000000000000")
        >>> creds.access_key_id.startswith("AVS")
        True
    """
    expires = int((now if now is not None else time.time()) + LIFETIME_SECONDS)
    key_id = f"{ACCESS_KEY_PREFIX}{uuid.UUID(user_id).hex}{expires:010d}"
    return StorageCredentials(key_id, _secret_for(server_secret, key_id))


def resolve_access_key(
    server_secret: bytes, access_key_id: str, now: float | None = None
) -> tuple[str, str] | None:
    """``(user_id, secret)`` of a valid, unexpired access key id, else ``None``."""
    match = _ACCESS_KEY.fullmatch(access_key_id)
    if match is None:
        return None
    if int(match[2]) < (now if now is not None else time.time()):
        return None
    return str(uuid.UUID(match[1])), _secret_for(server_secret, access_key_id)
