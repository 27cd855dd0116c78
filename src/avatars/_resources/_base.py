"""What every resource facade shares: calling a generated function under the SDK's policies."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from avatars.errors import ApiError, IncompatibleClientError

if TYPE_CHECKING:
    from avatars.client import ApiClient

__all__ = ["Resource"]

_Model = TypeVar("_Model")
# What the generated parsers raise on a body of the wrong shape (HTML page, other API...).
_PARSE_ERRORS = (ValueError, KeyError, TypeError, AttributeError)


class Resource:
    """Base of the facades: ``self._call(generated_module.sync_detailed, ...)``."""

    def __init__(self, client: ApiClient) -> None:
        self._client = client

    def _call(
        self,
        function: Callable[..., Any],
        *,
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
        allow_empty: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Call a generated ``sync_detailed`` and return its parsed body.

        Error statuses never reach this point: the HTTP session raises the typed error first.
        A success answer the generated client cannot parse is a contract violation.
        """
        operation = function.__module__.rsplit(".", 1)[-1]
        session = self._client._session
        with session.overrides(timeout=timeout, headers=headers):
            try:
                response = function(client=self._client._generated, **kwargs)
            except _PARSE_ERRORS as exc:
                raise self._unreadable(operation, exc) from exc
        if response.parsed is None and not allow_empty:
            raise ApiError(
                int(response.status_code),
                "unexpected_response",
                f"{operation} got an answer this SDK cannot read "
                f"(status {int(response.status_code)}). Upgrade the avatars package or check "
                "that the base URL points to an avatars API",
                response.headers.get("X-Request-ID"),
            )
        return response.parsed

    def _parse(self, model: Callable[[Any], _Model], response: httpx.Response) -> _Model:
        """Parse a JSON body with a generated model's ``from_dict``."""
        try:
            return model(response.json())
        except _PARSE_ERRORS as exc:
            raise self._unreadable(response.request.url.path, exc) from exc

    def _unreadable(self, operation: str, exc: Exception) -> IncompatibleClientError:
        return IncompatibleClientError(
            f"{self._client.base_url} answered {operation} with a body this SDK cannot read "
            f"({type(exc).__name__}: {str(exc)[:120]}). Check that base_url points to an "
            "avatars API, or upgrade the avatars package"
        )
