"""The FastAPI application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import FastAPI
from fastapi.routing import APIRoute

from avatar_server.access_log import AccessLogMiddleware
from avatar_server.body_limit import BodyLimitMiddleware
from avatar_server.compat import install_compat
from avatar_server.errors import install_error_handlers
from avatar_server.routes import (
    api_keys,
    auth,
    compatibility,
    datasets,
    health,
    jobs,
    resources,
    results,
    users,
)
from avatar_server.settings import Settings
from avatar_server.startup import initialize, provision_admin
from avatar_server.state import ServerState
from avatar_server.version import SERVER_VERSION

logger = logging.getLogger("avatar_server")


def _operation_id(route: APIRoute) -> str:
    return route.name


def _binary_nodes(node: Any) -> Any:
    """Rewrite ``contentMediaType`` string schemas to ``format: binary`` (generator trap)."""
    if isinstance(node, dict):
        rewritten = {key: _binary_nodes(value) for key, value in node.items()}
        if "contentMediaType" in rewritten and rewritten.get("type") == "string":
            rewritten.pop("contentMediaType")
            rewritten["format"] = "binary"
        return rewritten
    if isinstance(node, list):
        return [_binary_nodes(item) for item in node]
    return node


async def start_server(state: ServerState) -> None:
    """Initialize storage and start the job supervisor (idempotent, reference counted)."""
    state.users_refcount += 1
    if state.started:
        return
    await anyio.to_thread.run_sync(initialize, state)
    limiter = anyio.to_thread.current_default_thread_limiter()
    limiter.total_tokens = state.settings.resolved_request_threads()
    state.supervisor.start()
    await anyio.to_thread.run_sync(provision_admin, state)  # while the workers start
    state.started = True


async def stop_server(state: ServerState) -> None:
    """Stop the workers when the last user of the app goes away."""
    state.users_refcount -= 1
    if state.users_refcount > 0 or not state.started:
        return
    await anyio.to_thread.run_sync(state.job_watcher.stop)
    await anyio.to_thread.run_sync(state.supervisor.stop)
    state.started = False


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the reference server app; storage is prepared when the app starts (lifespan).

    Example:
        >>> from fastapi.testclient import TestClient
        >>> app = create_app(Settings(data_dir=tmp_path))  # doctest: +SKIP
        >>> with TestClient(app) as client:  # doctest: +SKIP
        ...     client.get("/api/health").json()["status"]
        'ok'
    """
    settings = settings or Settings()
    state = ServerState.build(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await start_server(state)
        try:
            yield
        finally:
            await stop_server(state)

    app = FastAPI(
        title="Avatars API",
        version=SERVER_VERSION,
        description="Open reference server of the avatar anonymization method.",
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        separate_input_output_schemas=False,
    )
    app.state.server = state
    install_error_handlers(app)
    routers = (auth, api_keys, health, compatibility, datasets, resources, jobs, results, users)
    for module in routers:
        app.include_router(module.router)

    install_compat(app)
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(AccessLogMiddleware)

    original_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _binary_nodes(original_openapi())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
