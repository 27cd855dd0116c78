"""Facade of the ``health`` tag."""

from __future__ import annotations

from avatar_api_client.api.health import get_health, get_health_db
from avatar_api_client.models import HealthDbResponse, HealthResponse

from avatars._resources._base import Resource

__all__ = ["HealthResource"]


class HealthResource(Resource):
    """``client.health``: is the server (and its database) up?"""

    def get_health(self, *, timeout: float | None = None) -> HealthResponse:
        """The server's status and version.

        Example:
            >>> client.health.get_health().status  # doctest: +SKIP
            'ok'
        """
        return self._call(get_health.sync_detailed, timeout=timeout)

    def get_health_db(self, *, timeout: float | None = None) -> HealthDbResponse:
        """Whether the server reaches its database.

        Example:
            >>> client.health.get_health_db().status  # doctest: +SKIP
            'ok'
        """
        return self._call(get_health_db.sync_detailed, timeout=timeout)
