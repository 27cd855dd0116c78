"""When to retry a request and how long to wait: the SDK's retry policy, in one place.

Rules:

- Retried statuses: 429, 502, 503, 504. Retried transport errors: connection failures (the
  request never left), and dropped connections / read errors.
- A request is *idempotent* when its method is GET, HEAD, OPTIONS, PUT or DELETE, or when it
  carries an ``Idempotency-Key`` header (the jobs facade always sends one on POST).
- A failed connection attempt and a 429 (the server did not process the request) are retried
  for every request; everything else only for idempotent ones, so a retry never creates a second
  object.
- Waits use exponential backoff with full jitter (``uniform(0, min(cap, base * 2**attempt))``);
  a ``Retry-After`` header (seconds or HTTP date) replaces it. A ``Retry-After`` longer than
  ``max_retry_wait`` is not waited for: the error is raised at once.
- Read, write and pool timeouts are not retried: the configured timeout is the longest a
  call waits for an answer. A connect timeout is retried like any failed connection
  attempt (the request never left).
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from datetime import UTC

import attrs
import httpx

__all__ = ["IDEMPOTENCY_HEADER", "RetryPolicy", "parse_retry_after"]

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})

# The request provably never reached the server: safe to retry whatever the method.
_NOT_SENT_ERRORS: tuple[type[Exception], ...] = (httpx.ConnectError, httpx.ConnectTimeout)
# The connection failed while the request or answer was in flight: retry only idempotent ones.
_IN_FLIGHT_ERRORS: tuple[type[Exception], ...] = (
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
    httpx.CloseError,
)


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait according to a ``Retry-After`` header, or ``None`` if absent or invalid.

    Example:
        >>> parse_retry_after("3")
        3.0
        >>> parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=lambda: 1445412470.0)
        10.0
    """
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = when.timestamp() - now()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """Retry decisions and waits.

    Attributes:
        max_retries: retries after the first attempt (0 disables retries).
        backoff_base: first backoff ceiling, in seconds.
        backoff_cap: largest backoff ceiling, in seconds.
        max_retry_wait: longest ``Retry-After`` honoured, in seconds.

    Example:
        >>> policy = RetryPolicy(max_retries=2)
        >>> policy.is_idempotent(httpx.Request("POST", "http://h/api/jobs"))
        False
    """

    max_retries: int = 3
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    max_retry_wait: float = 60.0

    def is_idempotent(self, request: httpx.Request) -> bool:
        """Whether repeating ``request`` cannot create a second effect on the server."""
        return request.method in IDEMPOTENT_METHODS or IDEMPOTENCY_HEADER in request.headers

    def backoff(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        """Full-jitter exponential backoff for retry number ``attempt`` (0-based)."""
        ceiling = min(self.backoff_cap, self.backoff_base * (2**attempt))
        return ceiling * rng()

    def retry_exception(self, request: httpx.Request, exc: Exception, attempt: int) -> bool:
        """Whether a transport error on ``request`` should be retried."""
        if attempt >= self.max_retries:
            return False
        if isinstance(exc, _NOT_SENT_ERRORS):
            return True
        return isinstance(exc, _IN_FLIGHT_ERRORS) and self.is_idempotent(request)

    def retry_wait(
        self,
        request: httpx.Request,
        response: httpx.Response,
        attempt: int,
        rng: Callable[[], float] = random.random,
    ) -> float | None:
        """Seconds to wait before retrying after ``response``, or ``None`` not to retry."""
        status = response.status_code
        if attempt >= self.max_retries or status not in RETRY_STATUSES:
            return None
        if status != 429 and not self.is_idempotent(request):
            return None
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if retry_after is None:
            return self.backoff(attempt, rng)
        if retry_after > self.max_retry_wait:
            return None
        return retry_after
