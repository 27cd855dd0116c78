"""The error answered to a client as ``{detail, code}``, without the web framework.

Modules the job workers share with the API (storage, object store) raise it; the handlers
that turn it into a response are in ``avatar_server.errors``.
"""

from __future__ import annotations

__all__ = ["ApiError"]


class ApiError(Exception):
    """An error answered to the client as ``{detail, code}``.

    Example:
        >>> raise ApiError(404, "job_not_found", "No job named 'x'.")  # doctest: +SKIP
    """

    def __init__(
        self, status: int, code: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers
