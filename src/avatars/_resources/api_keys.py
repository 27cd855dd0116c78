"""Facade of the ``api_keys`` tag: create, list and revoke API keys."""

from __future__ import annotations

from avatar_api_client.api.api_keys import create_api_key, get_api_keys, revoke_api_key
from avatar_api_client.models import ApiKeyCreate, ApiKeyCreated, ApiKeyList

from avatars._resources._base import Resource

__all__ = ["ApiKeysResource"]


class ApiKeysResource(Resource):
    """``client.api_keys``: the preferred way to authenticate."""

    def create_api_key(
        self, name: str, expiration_days: int | None = None, *, timeout: float | None = None
    ) -> ApiKeyCreated:
        """Create an API key; its secret ``key`` is returned only this once.

        Example:
            >>> key = client.api_keys.create_api_key(name="laptop").key  # doctest: +SKIP
            >>> client = ApiClient(api_key=key)  # doctest: +SKIP
        """
        body = ApiKeyCreate(name=name, expiration_days=expiration_days)
        return self._call(create_api_key.sync_detailed, body=body, timeout=timeout)

    def get_api_keys(self, *, timeout: float | None = None) -> ApiKeyList:
        """List your API keys (without their secrets).

        Example:
            >>> [key.name for key in client.api_keys.get_api_keys().api_keys]  # doctest: +SKIP
            ['laptop']
        """
        return self._call(get_api_keys.sync_detailed, timeout=timeout)

    def revoke_api_key(self, key_id: str, *, timeout: float | None = None) -> None:
        """Revoke an API key: it stops working at once.

        Example:
            >>> client.api_keys.revoke_api_key(key.id)  # doctest: +SKIP
        """
        self._call(revoke_api_key.sync_detailed, key_id=key_id, timeout=timeout, allow_empty=True)
