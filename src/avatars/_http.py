"""The one HTTP path of the SDK: every request (generated or streamed) goes through here.

:class:`HttpSession` wraps an ``httpx.Client`` (the SDK's own or the user's) and applies, in
this order: the absolute URL, the ``User-Agent``, the timeout (default or per-call override),
authentication (an ``httpx.Auth``), the retry loop of :mod:`avatars._policies`, and the
mapping of error statuses and transport failures to :mod:`avatars.errors`.

The generated client calls ``session.request(...)`` as if it were an ``httpx.Client``.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import random
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx

from avatars._policies import RetryPolicy, parse_retry_after
from avatars._version import USER_AGENT
from avatars.errors import ApiError, ConnectionError, TimeoutError, error_for_status

__all__ = ["HttpSession", "api_error_from_response"]

_MAX_DETAIL_CHARS = 300

_timeout_override: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "avatars_timeout_override", default=None
)
_extra_headers: contextvars.ContextVar[Mapping[str, str] | None] = contextvars.ContextVar(
    "avatars_extra_headers", default=None
)


def api_error_from_response(response: httpx.Response) -> ApiError:
    """Build the typed exception for an error ``response`` (its body must be read).

    Example:
        >>> r = httpx.Response(404, json={"detail": "No job x", "code": "job_not_found"},
        ...                    request=httpx.Request("GET", "http://h/api/jobs/x"))
        >>> str(api_error_from_response(r)).startswith("404 job_not_found: No job x")
        True
    """
    code = f"http_{response.status_code}"
    detail = response.reason_phrase or "error"
    try:
        body = json.loads(response.content) if response.content else None
    except ValueError:
        body = None
    if isinstance(body, dict):
        raw_detail = body.get("detail")
        if isinstance(raw_detail, str):
            detail = raw_detail
        elif raw_detail is not None:
            detail = json.dumps(raw_detail)[:_MAX_DETAIL_CHARS]
        if isinstance(body.get("code"), str):
            code = body["code"]
    elif response.content:
        content_type = response.headers.get("Content-Type", "")
        if "html" in content_type:
            detail = (
                f"{detail} (the server answered an HTML page: is the base URL the root of an "
                "avatars API, e.g. https://host/api?)"
            )
        else:
            detail = response.text[:_MAX_DETAIL_CHARS]
    request = response.request
    return error_for_status(
        response.status_code,
        code,
        detail,
        response.headers.get("X-Request-ID"),
        method=request.method,
        url=str(request.url.copy_with(query=None)),
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
    )


class HttpSession:
    """Sends requests with the SDK's URL, headers, timeout, auth, retries and error mapping.

    Args:
        root_url: server root without ``/api`` (the generated paths start with ``/api``).
        http_client: the ``httpx.Client`` that performs the I/O.
        timeout: default timeout of every request, in seconds.
        retry: the retry policy.
        auth: authentication applied to every request.
    """

    def __init__(
        self,
        root_url: str,
        http_client: httpx.Client,
        *,
        timeout: float,
        retry: RetryPolicy,
        auth: httpx.Auth | None = None,
    ) -> None:
        self.root_url = root_url.rstrip("/")
        self.http_client = http_client
        self.timeout = timeout
        self.retry = retry
        self.auth = auth
        self.sleep: Callable[[float], None] = time.sleep
        self.rng: Callable[[], float] = random.random

    # -- per-call overrides -------------------------------------------------------------------
    @contextlib.contextmanager
    def overrides(
        self, *, timeout: float | None = None, headers: Mapping[str, str] | None = None
    ) -> Iterator[None]:
        """Apply a timeout and extra headers to the requests sent inside the block."""
        timeout_token = _timeout_override.set(timeout)
        headers_token = _extra_headers.set(headers)
        try:
            yield
        finally:
            _timeout_override.reset(timeout_token)
            _extra_headers.reset(headers_token)

    def _timeout(self, timeout: float | None) -> httpx.Timeout:
        seconds = timeout if timeout is not None else _timeout_override.get()
        return httpx.Timeout(seconds if seconds is not None else self.timeout)

    # -- httpx.Client-like surface --------------------------------------------------------------
    def build_request(
        self,
        method: str,
        url: str,
        *,
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Request:
        """Build a request for ``url`` (a path starting with ``/api`` or an absolute URL)."""
        merged = {"User-Agent": USER_AGENT}
        merged.update(_extra_headers.get() or {})
        merged.update(headers or {})
        absolute = url if "://" in url else self.root_url + "/" + url.lstrip("/")
        return self.http_client.build_request(
            method, absolute, headers=merged, timeout=self._timeout(timeout), **kwargs
        )

    def request(
        self,
        method: str,
        url: str,
        *,
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send a request and return its fully read, successful response.

        Raises:
            ApiError: (a subclass of) for any status >= 400, after the allowed retries.
            ConnectionError: when the server cannot be reached.
            TimeoutError: when the server does not answer in time.
        """
        kwargs.pop("follow_redirects", None)
        request = self.build_request(method, url, timeout=timeout, headers=headers, **kwargs)
        return self.send(request)

    @contextlib.contextmanager
    def stream(
        self,
        method: str,
        url: str,
        *,
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> Iterator[httpx.Response]:
        """Like :meth:`request`, but the body is left unread for ``iter_bytes()``."""
        request = self.build_request(method, url, timeout=timeout, headers=headers, **kwargs)
        response = self.send(request, stream=True)
        try:
            yield response
        except httpx.TimeoutException as exc:
            raise _timeout_error(request, exc) from exc
        except httpx.TransportError as exc:
            raise _connection_error(request, exc) from exc
        finally:
            response.close()

    def send(self, request: httpx.Request, *, stream: bool = False) -> httpx.Response:
        """Send ``request`` with retries; raise the typed error of a failure."""
        attempt = 0
        while True:
            try:
                response = self.http_client.send(request, auth=self.auth, stream=True)
                if not stream or response.status_code >= 400:
                    try:
                        response.read()
                    finally:
                        response.close()
            except httpx.TimeoutException as exc:
                if self.retry.retry_exception(request, exc, attempt):
                    self.sleep(self.retry.backoff(attempt, self.rng))
                    attempt += 1
                    continue
                raise _timeout_error(request, exc) from exc
            except httpx.TransportError as exc:
                if self.retry.retry_exception(request, exc, attempt):
                    self.sleep(self.retry.backoff(attempt, self.rng))
                    attempt += 1
                    continue
                raise _connection_error(request, exc) from exc
            if 300 <= response.status_code < 400 and "Location" in response.headers:
                response.close()
                raise ApiError(
                    response.status_code,
                    "redirect",
                    f"The server redirects to {response.headers['Location']}: use that "
                    "address as base_url (redirects are not followed, so credentials are never "
                    "sent to another host)",
                    method=request.method,
                    url=str(request.url.copy_with(query=None)),
                )
            if response.status_code < 400:
                return response
            wait = self.retry.retry_wait(request, response, attempt, self.rng)
            if wait is None:
                raise api_error_from_response(response)
            self.sleep(wait)
            attempt += 1

    def close(self) -> None:
        """Close the underlying ``httpx.Client``."""
        self.http_client.close()


def _where(request: httpx.Request) -> str:
    return f"{request.method} {request.url.copy_with(query=None)}"


def _timeout_error(request: httpx.Request, exc: Exception) -> TimeoutError:
    timeout = request.extensions.get("timeout", {})
    seconds = max((v for v in timeout.values() if v is not None), default=None)
    limit = f" within {seconds:g} s" if seconds is not None else ""
    return TimeoutError(
        f"{_where(request)}: the server did not answer{limit} ({type(exc).__name__}). "
        "Raise the timeout (timeout=..., ClientConfig(timeout=...) or AVATAR_TIMEOUT) or "
        "check the server's load"
    )


def _connection_error(request: httpx.Request, exc: Exception) -> ConnectionError:
    return ConnectionError(
        f"{_where(request)}: could not reach the server ({type(exc).__name__}: {exc}). "
        "Check the base URL (ApiClient(base_url=...) or AVATAR_BASE_URL), that the server is "
        "running, and your network or proxy settings"
    )
