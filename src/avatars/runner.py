"""Configure and run an avatarization: :class:`Runner`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from avatars.client import ApiClient

__all__ = ["Runner"]


class Runner:
    """Builds a resource set (tables + parameters), runs its jobs and reads the results."""

    def __init__(self, api_client: ApiClient, display_name: str) -> None:
        self.client = api_client
        self.display_name = display_name
        self.set_name: str | None = None
