"""Facade of the ``compatibility`` tag: can this SDK talk to this server?"""

from __future__ import annotations

from avatar_api_client.api.compatibility import check_client
from avatar_api_client.models import CompatibilityResponse, CompatibilityStatus

from avatars._resources._base import Resource
from avatars._version import __version__
from avatars.errors import ApiError, IncompatibleClientError

__all__ = ["CompatibilityResource"]


class CompatibilityResource(Resource):
    """``client.compatibility``: the server's verdict on this SDK version."""

    def check_client(
        self, client_version: str | None = None, *, timeout: float | None = None
    ) -> CompatibilityResponse:
        """Ask the server whether ``client_version`` (default: this SDK) is supported.

        Example:
            >>> client.compatibility.check_client().status  # doctest: +SKIP
            <CompatibilityStatus.COMPATIBLE: 'compatible'>
        """
        return self._call(
            check_client.sync_detailed,
            client_version=client_version or __version__,
            timeout=timeout,
        )

    def verify(self, *, timeout: float | None = None) -> CompatibilityResponse:
        """Like :meth:`check_client`, but raise when this SDK cannot be used with the server.

        Raises:
            IncompatibleClientError: the SDK is too old, or ``base_url`` does not serve the
                avatars API (e.g. a web page or a 404 at ``/api/check_client``).

        Example:
            >>> client.compatibility.verify().status  # doctest: +SKIP
            <CompatibilityStatus.COMPATIBLE: 'compatible'>
        """
        base_url = self._client.base_url
        try:
            response = self.check_client(timeout=timeout)
        except ApiError as exc:
            if exc.status_code in (401, 403, 429) or exc.status_code >= 500:
                raise
            raise IncompatibleClientError(
                f"{base_url} does not serve the avatars API (GET /api/check_client answered "
                f"{exc.status_code}: {exc.detail}). Check the base URL: it must be the root of "
                "an avatars server, e.g. https://avatars.example.com/api"
            ) from exc
        except IncompatibleClientError as exc:
            raise IncompatibleClientError(
                f"{base_url} does not serve the avatars API (GET /api/check_client did not "
                "answer the expected JSON). Check the base URL: it must be the root of an "
                "avatars server, e.g. https://avatars.example.com/api"
            ) from exc
        if response.status == CompatibilityStatus.INCOMPATIBLE:
            raise IncompatibleClientError(
                f"This avatars SDK ({__version__}) is not supported by the server at "
                f"{base_url}: {response.message} Upgrade it: "
                f"pip install --upgrade 'avatars>={response.most_recent_compatible_client}'"
            )
        return response
