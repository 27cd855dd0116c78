"""Low-level client of the avatars API: :class:`ApiClient` and :class:`AuthTokens`.

Example:
    >>> from avatars.client import ApiClient
    >>> client = ApiClient(base_url="https://instance/api", api_key="your-api-key")
    >>> client.base_url
    'https://instance/api'
"""

from __future__ import annotations

import contextlib
import uuid
import weakref
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

import attrs
import httpx

from avatars._auth import ClientAuth
from avatars._http import HttpSession
from avatars._policies import RetryPolicy
from avatars._version import __version__
from avatars._warnings import warn_user
from avatars.config import ClientConfig, ResolvedConfig, check_timeout, resolve_config
from avatars.errors import AvatarsDeprecationWarning, IncompatibleClientError

if TYPE_CHECKING:
    from avatar_api_client.models.login_response import LoginResponse

    from avatars._resources import (
        ApiKeysResource,
        AuthResource,
        CompatibilityResource,
        DatasetsResource,
        HealthResource,
        JobsResource,
        ResourcesResource,
        ResultsResource,
        UsersResource,
    )

__all__ = ["ApiClient", "AuthTokens", "BaseClient"]

MIGRATION_URL = "https://python.docs.octopize.io/latest/user_guide.html"
DEPRECATION_MESSAGE = (
    "Username/password authentication is deprecated; use an API key instead:\n"
    "  1. create one while logged in: key = client.api_keys.create_api_key(name='my-key').key\n"
    "     (with a Manager: manager.auth_client.api_keys.create_api_key(name='my-key').key);\n"
    "  2. keep it secret, e.g. in the environment: export AVATAR_API_KEY=<key>;\n"
    "  3. connect with ApiClient(api_key=key) or Manager(api_key=key) (or with no argument when "
    "AVATAR_API_KEY is set), and stop calling authenticate().\n"
    f"See {MIGRATION_URL}"
)


@attrs.define
class AuthTokens:
    """Tokens obtained by :meth:`ApiClient.authenticate`.

    Attributes:
        access: the short-lived access token sent as ``Authorization: Bearer <access>``.
        refresh: the token used to get a new access token, if the server issued one.

    Example:
        >>> tokens = AuthTokens(access="a", refresh="r")
        >>> tokens.refresh
        'r'
    """

    access: str = attrs.field(repr=False)
    refresh: str | None = attrs.field(default=None, repr=False)

    def update(self, resp: LoginResponse) -> None:
        """Replace the tokens by those of a login or refresh response.

        Example:
            >>> from avatar_api_client.models import LoginResponse
            >>> tokens = AuthTokens(access="old")
            >>> tokens.update(LoginResponse(access_token="new", refresh_token="r2",
            ...                             token_type="bearer"))
            >>> tokens.access
            'new'
        """
        self.access = resp.access_token
        refresh = getattr(resp, "refresh_token", None)
        if isinstance(refresh, str) and refresh:
            self.refresh = refresh


class BaseClient:
    """Connection settings and the HTTP session shared by every request of a client."""

    def __init__(
        self, settings: ResolvedConfig, *, session: HttpSession, owns_http_client: bool = True
    ) -> None:
        self._settings = settings
        self._session = session
        self._owns_http_client = owns_http_client

    @property
    def base_url(self) -> str:
        """API endpoint root, e.g. ``https://instance/api``."""
        return self._settings.base_url

    @property
    def timeout(self) -> float:
        """Default timeout of every request, in seconds."""
        return self._settings.timeout

    @property
    def should_verify_ssl(self) -> bool:
        """Whether TLS certificates are verified."""
        return self._settings.should_verify_ssl

    @property
    def should_verify_compatibility(self) -> bool:
        """Whether the :class:`~avatars.manager.Manager` checks compatibility at start."""
        return self._settings.should_verify_compatibility

    @property
    def config(self) -> ResolvedConfig:
        """The resolved settings (arguments, config, environment, defaults)."""
        return self._settings

    @contextlib.contextmanager
    def stream(
        self,
        method: str,
        path: str,
        *,
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> Iterator[httpx.Response]:
        """Send a request and stream its answer; auth, retries and error mapping apply.

        Args:
            method: HTTP method.
            path: path below ``base_url``, e.g. ``"/results/<job>/wbcd.shuffled.csv"``.
            timeout: timeout of this call, in seconds.
            headers: extra headers.
            **kwargs: passed to ``httpx.Client.build_request`` (``params``, ``content``...).

        Example:
            >>> with client.stream("GET", f"/results/{job}/wbcd.shuffled.csv") as response:
            ...     for chunk in response.iter_bytes():  # doctest: +SKIP
            ...         sink.write(chunk)
        """
        with self._session.stream(
            method, self._api_path(path), timeout=timeout, headers=headers, **kwargs
        ) as response:
            yield response

    def request(
        self,
        method: str,
        path: str,
        *,
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send a request below ``base_url`` and return its (successful, read) response.

        Example:
            >>> client.request("GET", "/health").json()["status"]  # doctest: +SKIP
            'ok'
        """
        return self._session.request(
            method, self._api_path(path), timeout=timeout, headers=headers, **kwargs
        )

    @staticmethod
    def _api_path(path: str) -> str:
        return "/api/" + path.lstrip("/")

    def close(self) -> None:
        """Close the connections (only those of an ``httpx.Client`` the SDK created)."""
        if self._owns_http_client:
            self._session.close()

    def __enter__(self) -> BaseClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class ApiClient(BaseClient):
    """Low-level client: HTTP, authentication, token refresh and resource facades.

    Args:
        base_url: API endpoint root, e.g. ``https://instance/api`` (``/api`` is added when
            missing). Default: ``config.base_url``, ``AVATAR_BASE_URL``, then
            ``http://localhost:8000/api``.
        timeout: default timeout of every request, in seconds (``AVATAR_TIMEOUT``, default 60).
        should_verify_ssl: verify TLS certificates (``AVATAR_SHOULD_VERIFY_SSL``, default true).
        verify_auth: refuse, without sending it, a request that needs credentials when the
            client has none.
        http_client: a custom ``httpx.Client`` (proxies, transports...). The SDK still applies
            its base URL, authentication, timeouts and retries; configure TLS on that client.
        api_key: API key (``AVATAR_API_KEY``); exclusive with :meth:`authenticate`.
        config: a :class:`~avatars.config.ClientConfig` for the values not given here.

    Raises:
        ValueError: for invalid or conflicting arguments (the message names them).

    Example:
        >>> from avatars.client import ApiClient
        >>> client = ApiClient(base_url="https://instance/api", api_key="your-api-key")
        >>> jobs = client.jobs.get_jobs().jobs  # doctest: +SKIP
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        timeout: int | None = None,
        should_verify_ssl: bool | None = None,
        verify_auth: bool = True,
        http_client: httpx.Client | None = None,
        api_key: str | None = None,
        config: ClientConfig | None = None,
    ) -> None:
        if http_client is not None and should_verify_ssl is not None:
            raise ValueError(
                "should_verify_ssl and http_client conflict: TLS verification is a setting of "
                "the httpx.Client you pass; create it with httpx.Client(verify=...) instead"
            )
        if http_client is not None and not isinstance(http_client, httpx.Client):
            raise ValueError(
                f"http_client must be an httpx.Client, got {type(http_client).__name__}"
            )
        if api_key is not None and not api_key.strip():
            raise ValueError("api_key is empty: pass the key returned by create_api_key()")
        settings = resolve_config(
            base_url=base_url,
            api_key=api_key,
            timeout=timeout,
            should_verify_ssl=should_verify_ssl,
            config=config,
        )
        owns_http_client = http_client is None
        if http_client is None:
            http_client = httpx.Client(verify=settings.should_verify_ssl, follow_redirects=False)
            # Close the connections of a client nobody closed, when it is collected or at exit.
            weakref.finalize(self, http_client.close)
        self._auth = ClientAuth(settings.api_key, verify_auth=verify_auth)
        session = HttpSession(
            settings.base_url.removesuffix("/api"),
            http_client,
            timeout=settings.timeout,
            retry=RetryPolicy(
                max_retries=settings.max_retries, max_retry_wait=settings.max_retry_wait
            ),
            auth=self._auth,
        )
        super().__init__(settings, session=session, owns_http_client=owns_http_client)
        self.verify_auth = verify_auth
        self.auth_tokens: AuthTokens | None = None
        self.idempotency_key_factory: Callable[[], str] = lambda: str(uuid.uuid4())
        self._generated = _generated_client(session)
        self._init_resources()

    def _init_resources(self) -> None:
        from avatars._resources import (
            ApiKeysResource,
            AuthResource,
            CompatibilityResource,
            DatasetsResource,
            HealthResource,
            JobsResource,
            ResourcesResource,
            ResultsResource,
            UsersResource,
        )

        self.auth: AuthResource = AuthResource(self)
        self.api_keys: ApiKeysResource = ApiKeysResource(self)
        self.compatibility: CompatibilityResource = CompatibilityResource(self)
        self.datasets: DatasetsResource = DatasetsResource(self)
        self.health: HealthResource = HealthResource(self)
        self.jobs: JobsResource = JobsResource(self)
        self.resources: ResourcesResource = ResourcesResource(self)
        self.results: ResultsResource = ResultsResource(self)
        self.users: UsersResource = UsersResource(self)

    @property
    def api_key(self) -> str | None:
        """The API key this client sends, if any (never shown in ``repr``)."""
        return self._auth.api_key

    def __repr__(self) -> str:
        mode = "api key" if self.api_key else ("tokens" if self.auth_tokens else "anonymous")
        return f"ApiClient(base_url={self.base_url!r}, auth={mode})"

    # -- authentication -----------------------------------------------------------------------
    def authenticate(self, username: str, password: str, timeout: int | None = None) -> None:
        """Log in with a username and password (deprecated: prefer an API key).

        Exchanges the credentials for access/refresh tokens, stored in ``auth_tokens``; every
        later request carries the bearer token, refreshed lazily when it expires. Emits an
        :class:`~avatars.errors.AvatarsDeprecationWarning` with the steps to move to an API key.

        Raises:
            ValueError: if the client was created with an API key (the two are exclusive).
            AuthenticationError: if the credentials are wrong.

        Example:
            >>> client = ApiClient(base_url="https://instance/api")
            >>> client.authenticate("user", "pass")  # doctest: +SKIP
        """
        if self.api_key is not None:
            raise ValueError(
                "authenticate() cannot be used with an API key: this client already "
                "authenticates with api_key (argument, config or AVATAR_API_KEY). Remove the "
                "API key to log in with a username and password"
            )
        response = self.auth.login(username, password, timeout=_timeout(timeout))
        tokens = AuthTokens(access=response.access_token, refresh=response.refresh_token)
        self.auth_tokens = tokens
        self._auth.set_tokens(tokens, self._refresh_tokens)
        warn_user(DEPRECATION_MESSAGE, AvatarsDeprecationWarning)

    def _refresh_tokens(self, tokens: Any) -> None:
        if not tokens.refresh:
            return
        # A refresh rotates the refresh token: never let it inherit the per-call headers
        # (e.g. an Idempotency-Key, which would make it retried) or timeout of the call.
        with self._session.overrides():
            pair = self.auth.refresh(tokens.refresh)
        cast(AuthTokens, tokens).update(pair)

    def forgotten_password(self, email: str, timeout: int | None = None) -> None:
        """Ask the server to send a password-reset token to ``email``.

        The server answers the same whether or not the address is known.

        Example:
            >>> client.forgotten_password("user@example.com")  # doctest: +SKIP
        """
        self.auth.forgotten_password(email, timeout=_timeout(timeout))

    def reset_password(
        self,
        email: str,
        new_password: str,
        new_password_repeated: str,
        token: UUID,
        timeout: int | None = None,
    ) -> None:
        """Set a new password with the token received by email.

        Raises:
            ValueError: if the two passwords differ.
            ValidationError: if the token is invalid or expired, or the password too weak.

        Example:
            >>> client.reset_password(
            ...     "user@example.com", "n3w-pass!", "n3w-pass!", token)  # doctest: +SKIP
        """
        if new_password != new_password_repeated:
            raise ValueError("new_password and new_password_repeated differ: type it again")
        self.auth.reset_password(
            email, new_password, new_password_repeated, token, timeout=_timeout(timeout)
        )

    # -- compatibility ------------------------------------------------------------------------
    def verify_compatibility(self, timeout: float | None = None) -> None:
        """Check that the server at ``base_url`` is an avatars API that accepts this SDK.

        Raises:
            IncompatibleClientError: if the SDK is too old, or the URL does not serve the
                avatars API.

        Example:
            >>> client.verify_compatibility()  # doctest: +SKIP
        """
        self.compatibility.verify(timeout=timeout)


def _timeout(timeout: float | None) -> float | None:
    return check_timeout(timeout, "timeout") if timeout is not None else None


def _generated_client(session: HttpSession) -> Any:
    """A generated ``avatar_api_client.Client`` whose I/O goes through ``session``."""
    try:
        from avatar_api_client import Client
    except ImportError as exc:  # pragma: no cover - packaging problem
        raise IncompatibleClientError(
            "The generated client (avatar_api_client) is missing from this installation: "
            f"reinstall the avatars package (version {__version__})"
        ) from exc
    client = Client(base_url=session.root_url, raise_on_unexpected_status=False)
    client.set_httpx_client(cast(httpx.Client, session))
    return client
