"""What every resource facade shares: calling a generated function under the SDK's policies."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from avatars.errors import ApiError

if TYPE_CHECKING:
    from avatars.client import ApiClient

__all__ = ["Resource"]


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
        session = self._client._session
        with session.overrides(timeout=timeout, headers=headers):
            response = function(client=self._client._generated, **kwargs)
        if response.parsed is None and not allow_empty:
            raise ApiError(
                int(response.status_code),
                "unexpected_response",
                f"{function.__module__.rsplit('.', 1)[-1]} got an answer this SDK cannot read "
                f"(status {int(response.status_code)}). Upgrade the avatars package or check "
                "that the base URL points to an avatars API",
                response.headers.get("X-Request-ID"),
            )
        return response.parsed
