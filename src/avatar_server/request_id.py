"""Request ids: one per request, echoed in ``X-Request-ID`` and attached to its log lines.

A client-supplied ``X-Request-ID`` is kept when it is short and made of safe characters
(letters, digits, ``.``, ``_``, ``:``, ``-``; at most 128), so it can be quoted in logs
without log injection; otherwise the server makes a UUID4.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

HEADER = "X-Request-ID"
MAX_LENGTH = 128
_SAFE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_CURRENT: ContextVar[str | None] = ContextVar("avatar_request_id", default=None)


def accepted_request_id(supplied: str | None) -> str:
    """The client's id when it is sane, else a fresh UUID4.

    Example:
        >>> accepted_request_id("abc-123")
        'abc-123'
        >>> len(accepted_request_id("bad id\\n"))
        36
    """
    if supplied is not None and _SAFE.fullmatch(supplied):
        return supplied
    return str(uuid.uuid4())


def current_request_id() -> str | None:
    """The id of the request being handled in this context, if any."""
    return _CURRENT.get()


def set_request_id(request_id: str | None) -> object:
    """Make ``request_id`` current; returns a token for ``reset_request_id``."""
    return _CURRENT.set(request_id)


def reset_request_id(token: object) -> None:
    """Restore the request id that was current before ``set_request_id``."""
    _CURRENT.reset(token)  # type: ignore[arg-type]


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (``-`` outside requests) for a ``%(request_id)s`` format.

    Example:
        >>> handler = logging.StreamHandler()
        >>> handler.addFilter(RequestIdFilter())
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _CURRENT.get() or "-"
        return True
