"""Database connections as the established client lists them: this server reads files only.

The lists are empty (the same answer as ``/api/capabilities``); anything that would store,
test or read a connection gets a 4xx saying that data comes in as files.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from avatar_server.auth import CurrentUser
from avatar_server.errors import ApiError

router = APIRouter(prefix="/api/connections")

_FILES_ONLY = (
    "This server reads data from files only (upload them with runner.add_table); it has no "
    "database connections."
)


@router.get("")
def list_connections(_user: CurrentUser) -> dict[str, Any]:
    """The caller's connections: none."""
    return {"connections": []}


@router.get("/engines")
def list_engines(_user: CurrentUser) -> dict[str, Any]:
    """The database kinds a connection can reach: none."""
    return {"engines": []}


@router.get("/presets")
def list_connection_presets(_user: CurrentUser) -> dict[str, Any]:
    """The demo connections offered: none."""
    return {"presets": []}


@router.post("/presets")
@router.post("/test")
@router.put("/{name}")
@router.patch("/{name}")
def refuse_new_connection(_user: CurrentUser) -> None:
    """Adding, changing or testing a connection: refused (422)."""
    raise ApiError(422, "connections_unsupported", _FILES_ONLY)


@router.api_route("/{name}", methods=["GET", "DELETE"])
@router.api_route("/{name}/{action}", methods=["GET", "POST"])
def unknown_connection(name: str, _user: CurrentUser) -> None:
    """Any named connection: there is none (404)."""
    raise ApiError(404, "connection_not_found", f"No connection named {name[:64]!r}. {_FILES_ONLY}")
