"""Liveness and database reachability."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from avatar_server.auth import State
from avatar_server.errors import ApiError, error_responses
from avatar_server.schemas import HealthDbResponse, HealthResponse
from avatar_server.version import SERVER_VERSION

router = APIRouter(prefix="/api/health", tags=["health"])


@router.get("", response_model=HealthResponse, responses=error_responses())
def get_health() -> HealthResponse:
    """The server is up (no authentication needed)."""
    return HealthResponse(status="ok", version=SERVER_VERSION)


@router.get("/db", response_model=HealthDbResponse, responses=error_responses(503))
def get_health_db(state: State) -> HealthDbResponse:
    """The database answers a trivial query."""
    try:
        with state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        raise ApiError(503, "database_unavailable", "The database does not answer.") from exc
    return HealthDbResponse(status="ok", database=state.engine.dialect.name)
