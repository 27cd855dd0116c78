"""Every exception the SDK raises, in one tree.

All of them derive from :class:`AvatarsError`, so ``except avatars.AvatarsError`` catches
anything the SDK raises on purpose::

    AvatarsError
    ├── ApiError(status_code, code, detail, request_id)   the server answered with an error
    │   ├── ValidationError            400, 422  the request is invalid (fix the input)
    │   ├── AuthenticationError        401       missing, wrong or expired credentials
    │   ├── PermissionDeniedError      403       authenticated but not allowed
    │   ├── NotFoundError              404       no such object (or not yours)
    │   ├── ConflictError              409       the object already exists / is in use
    │   ├── PayloadTooLargeError       413       the upload is over the server's limit
    │   ├── RateLimitError             429       too many requests (``retry_after`` seconds)
    │   └── ServerError                5xx       the server failed (retried automatically)
    ├── ConnectionError                          the server could not be reached
    ├── TimeoutError                             no answer within the configured timeout
    ├── IncompatibleClientError                  SDK too old, or the URL is not an avatars API
    ├── JobFailedError(job_name, message)        a job ended in error
    └── JobCancelledError(job_name, message)     a job was cancelled (or lost)

:class:`ConnectionError` and :class:`TimeoutError` also derive from the builtins of the same
name, so ``except builtins.TimeoutError`` keeps working; import them as
``avatars.errors.TimeoutError`` (or ``avatars.TimeoutError``) to make the intent explicit.

Example:
    >>> from avatars.errors import NotFoundError, ApiError
    >>> issubclass(NotFoundError, ApiError)
    True
"""

from __future__ import annotations

import builtins
from typing import Any

__all__ = [
    "ApiError",
    "AuthenticationError",
    "AvatarsDeprecationWarning",
    "AvatarsError",
    "ConflictError",
    "ConnectionError",
    "IncompatibleClientError",
    "JobCancelledError",
    "JobFailedError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "TimeoutError",
    "ValidationError",
    "error_for_status",
]


class AvatarsError(Exception):
    """Base class of every error raised by the avatars SDK."""


class ApiError(AvatarsError):
    """The server answered with an error status.

    Attributes:
        status_code: HTTP status of the answer.
        code: stable machine-readable error code from the server (e.g. ``"job_not_found"``).
        detail: the server's explanation (what is wrong and how to fix it).
        request_id: the server's request id, to quote when reporting a problem.
    """

    hint: str = ""

    def __init__(
        self,
        status_code: int,
        code: str,
        detail: str,
        request_id: str | None = None,
        *,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        self.status_code = status_code
        self.code = code
        self.detail = detail
        self.request_id = request_id
        self.method = method
        self.url = url
        super().__init__(self._message())

    def _message(self) -> str:
        where = f" ({self.method} {self.url})" if self.method and self.url else ""
        text = f"{self.status_code} {self.code}: {self.detail}{where}"
        if self.hint:
            text += f". {self.hint}"
        if self.request_id:
            text += f" [request id {self.request_id}]"
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild_api_error,
            (
                type(self),
                self.status_code,
                self.code,
                self.detail,
                self.request_id,
                self.method,
                self.url,
            ),
        )


def _rebuild_api_error(
    cls: type[ApiError],
    status_code: int,
    code: str,
    detail: str,
    request_id: str | None,
    method: str | None,
    url: str | None,
) -> ApiError:
    return cls(status_code, code, detail, request_id, method=method, url=url)


class ValidationError(ApiError):
    """The request was rejected as invalid (400 or 422): fix the input named in ``detail``."""

    hint = "Fix the request as described and try again"


class AuthenticationError(ApiError):
    """Missing, wrong or expired credentials (401)."""

    hint = (
        "Check your API key (ApiClient(api_key=...) or AVATAR_API_KEY), "
        "or call authenticate(username, password) again"
    )


class PermissionDeniedError(ApiError):
    """Authenticated, but not allowed to do this (403)."""

    hint = "Ask an administrator for access, or use an account that owns the object"


class NotFoundError(ApiError):
    """The object does not exist, or belongs to another user (404)."""

    hint = "Check the name or id (list them with the matching get_* method)"


class ConflictError(ApiError):
    """The request conflicts with the current state, e.g. the object already exists (409)."""

    hint = "Use another name, or delete or wait for the existing object"


class PayloadTooLargeError(ApiError):
    """The upload is larger than the server accepts (413)."""

    hint = "Send a smaller file or ask the operator to raise the server's upload limit"


class RateLimitError(ApiError):
    """Too many requests (429).

    Attributes:
        retry_after: seconds the server asked to wait, if it said so.
    """

    def __init__(
        self,
        status_code: int,
        code: str,
        detail: str,
        request_id: str | None = None,
        *,
        method: str | None = None,
        url: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.retry_after = retry_after
        wait = f"{retry_after:g} seconds" if retry_after is not None else "a moment"
        self.hint = f"Wait {wait} and try again, or send fewer requests"
        super().__init__(status_code, code, detail, request_id, method=method, url=url)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_rate_limit_error, (self.__dict__.copy(),))


def _rebuild_rate_limit_error(state: dict[str, Any]) -> RateLimitError:
    return RateLimitError(
        state["status_code"],
        state["code"],
        state["detail"],
        state["request_id"],
        method=state["method"],
        url=state["url"],
        retry_after=state["retry_after"],
    )


class ServerError(ApiError):
    """The server failed to process the request (5xx), even after retries."""

    hint = "This is a server problem: try again later and report it with the request id"


class ConnectionError(AvatarsError, builtins.ConnectionError):
    """The server could not be reached (DNS, refused connection, dropped connection, TLS)."""


class TimeoutError(AvatarsError, builtins.TimeoutError):
    """The server did not answer within the configured timeout.

    Raise the timeout with ``ApiClient(timeout=...)``, ``AVATAR_TIMEOUT`` or the ``timeout=``
    argument of the call.
    """


class IncompatibleClientError(AvatarsError):
    """This SDK cannot talk to this server: it is too old, or the URL is not an avatars API."""


class JobFailedError(AvatarsError):
    """A job ended in error; ``message`` is the server's reason.

    Attributes:
        job_name: name of the failed job.
        message: the user-facing reason reported by the server.
    """

    def __init__(self, job_name: str, message: str) -> None:
        self.job_name = job_name
        self.message = message
        super().__init__(f"Job {job_name} failed: {message}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.job_name, self.message))


class JobCancelledError(AvatarsError):
    """A job was cancelled (or lost when the server stopped) before it finished.

    Attributes:
        job_name: name of the job.
        message: why the job did not finish.
    """

    def __init__(self, job_name: str, message: str = "the job was cancelled") -> None:
        self.job_name = job_name
        self.message = message
        super().__init__(f"Job {job_name} did not finish: {message}. Run it again if needed")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.job_name, self.message))


class AvatarsDeprecationWarning(DeprecationWarning):
    """A feature of the SDK is deprecated; the message gives the migration steps.

    The SDK attributes it to the first caller outside the ``avatars`` package, so Python's
    default filters show it in scripts and notebooks.
    """


_STATUS_CLASSES: dict[int, type[ApiError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    422: ValidationError,
    429: RateLimitError,
}


def error_for_status(
    status_code: int,
    code: str,
    detail: str,
    request_id: str | None = None,
    *,
    method: str | None = None,
    url: str | None = None,
    retry_after: float | None = None,
) -> ApiError:
    """Build the exception matching an HTTP error status.

    Example:
        >>> type(error_for_status(404, "not_found", "No job x")).__name__
        'NotFoundError'
    """
    if status_code == 429:
        return RateLimitError(
            status_code, code, detail, request_id, method=method, url=url, retry_after=retry_after
        )
    cls = _STATUS_CLASSES.get(status_code)
    if cls is None:
        cls = ServerError if status_code >= 500 else ApiError
    return cls(status_code, code, detail, request_id, method=method, url=url)
