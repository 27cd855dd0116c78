"""Authentication of every request: API key, or bearer token refreshed lazily.

:class:`ClientAuth` is an ``httpx.Auth``. With an API key it sends
``Authorization: api-key-v1 <key>``. With tokens it sends ``Authorization: Bearer <access>``,
refreshes the access token shortly before it expires (or once after a 401), and makes sure that
concurrent requests trigger exactly one refresh: the first thread refreshes under a lock, the
others find the new token when they get the lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator
from typing import Protocol

import httpx

from avatars.errors import AuthenticationError

__all__ = ["PUBLIC_PATHS", "ClientAuth", "TokenPair", "access_token_expiry"]

# Routes that need no credentials (suffixes of the URL path).
PUBLIC_PATHS = (
    "/api/login",
    "/api/refresh",
    "/api/login/forgotten_password",
    "/api/login/reset_password",
    "/api/health",
    "/api/health/db",
    "/api/check_client",
)
# Refresh this many seconds before the access token expires.
_EXPIRY_MARGIN = 10.0


class TokenPair(Protocol):
    """What the auth needs from :class:`avatars.client.AuthTokens`."""

    access: str
    refresh: str | None


def access_token_expiry(token: str) -> float | None:
    """The ``exp`` claim of a JWT access token (Unix time), or ``None`` if it has none.

    The signature is not checked: the server does that; the SDK only needs to know when to
    refresh. PyJWT (and the cryptography it loads, 8.5 MiB resident) is imported here: a
    client with an API key never needs it.
    """
    import jwt

    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    exp = claims.get("exp")
    return float(exp) if isinstance(exp, int | float) else None


class ClientAuth(httpx.Auth):
    """Credentials of one :class:`~avatars.client.ApiClient`.

    Args:
        api_key: API key (exclusive with tokens).
        verify_auth: refuse, before sending, a request that needs credentials when there are
            none.
        clock: current Unix time (injectable for tests).
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        verify_auth: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.api_key = api_key
        self.verify_auth = verify_auth
        self.tokens: TokenPair | None = None
        self.refresher: Callable[[TokenPair], None] | None = None
        self.refresh_count = 0  # also the generation of the current tokens
        self._clock = clock
        self._lock = threading.Lock()

    def set_tokens(self, tokens: TokenPair, refresher: Callable[[TokenPair], None]) -> None:
        """Use ``tokens`` from now on; ``refresher(tokens)`` renews them in place."""
        with self._lock:
            self.tokens = tokens
            self.refresher = refresher

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Attach credentials; after a 401 with an expired bearer token, refresh and resend."""
        if request.url.path.endswith(PUBLIC_PATHS) or "Authorization" in request.headers:
            yield request
            return
        if self.api_key is not None:
            request.headers["Authorization"] = f"api-key-v1 {self.api_key}"
            yield request
            return
        if self.tokens is None:
            if self.verify_auth:
                raise AuthenticationError(
                    401,
                    "not_authenticated",
                    "No credentials: pass api_key=... to ApiClient (or set AVATAR_API_KEY), "
                    "or call authenticate(username, password) first",
                    method=request.method,
                    url=str(request.url.copy_with(query=None)),
                )
            yield request
            return
        generation, access = self._fresh_access_token()
        request.headers["Authorization"] = f"Bearer {access}"
        response = yield request
        if response.status_code == 401 and self.tokens.refresh:
            renewed = self._refresh(stale=generation)
            if renewed is not None:
                request.headers["Authorization"] = f"Bearer {renewed}"
                yield request

    def _fresh_access_token(self) -> tuple[int, str]:
        assert self.tokens is not None
        generation, access = self.refresh_count, self.tokens.access
        expiry = access_token_expiry(access)
        if expiry is not None and expiry - self._clock() < _EXPIRY_MARGIN and self.tokens.refresh:
            renewed = self._refresh(stale=generation)
            return self.refresh_count, renewed or access
        return generation, access

    def _refresh(self, stale: int) -> str | None:
        """Refresh the tokens unless another thread already did since generation ``stale``.

        Returns the access token to retry with, or ``None`` if there is nothing new to try.
        """
        with self._lock:
            assert self.tokens is not None
            if self.refresh_count == stale and self.refresher is not None:
                self.refresher(self.tokens)
                self.refresh_count += 1
            if self.refresh_count == stale:
                return None
            return self.tokens.access
