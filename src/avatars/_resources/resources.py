"""Facade of the ``resources`` tag: the resource-set YAML of a run."""

from __future__ import annotations

from urllib.parse import quote

from avatar_api_client.models import ResourceSetResponse

from avatars._resources._base import Resource

__all__ = ["ResourcesResource"]


class ResourcesResource(Resource):
    """``client.resources``: store and read resource sets (multi-document YAML)."""

    def put_resources(
        self, display_name: str, yaml: str, *, timeout: float | None = None
    ) -> ResourceSetResponse:
        """Validate and store a new version of a resource set; returns its ``set_name`` (UUID).

        ``display_name`` is the human-readable name (``create_runner(set_name=...)``);
        the returned ``set_name`` is the server's id of this version.

        Example:
            >>> stored = client.resources.put_resources("demo", runner.get_yaml())  # doctest: +SKIP
            >>> stored.set_name  # doctest: +SKIP
            '0b5e...'
        """
        response = self._client._session.request(
            "PUT",
            f"/api/resources/{quote(display_name, safe='')}",
            content=yaml.encode("utf-8"),
            headers={"Content-Type": "text/yaml; charset=utf-8"},
            timeout=timeout,
        )
        return self._parse(ResourceSetResponse.from_dict, response)

    def get_resources(self, set_name: str, *, timeout: float | None = None) -> str:
        """The YAML of a stored resource set version.

        Example:
            >>> print(client.resources.get_resources(runner.set_name))  # doctest: +SKIP
        """
        response = self._client._session.request(
            "GET", f"/api/resources/{quote(set_name, safe='')}", timeout=timeout
        )
        return response.text
