"""The API root the established client calls to check that the server answers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from avatar_server.version import SERVER_VERSION

router = APIRouter(prefix="/api")


@router.get("/")
def get_root() -> dict[str, Any]:
    """A greeting with the server's version (no authentication, like ``/api/health``)."""
    return {"message": "Avatars API", "version": SERVER_VERSION}
