"""Error answers: every error is JSON ``{detail, code}`` with the right status."""

from __future__ import annotations

import logging
import re
import traceback
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from avatar_server.api_error import ApiError
from avatar_server.schemas import ErrorResponse

__all__ = ["ApiError", "allowed_methods", "error_responses", "install_error_handlers"]

logger = logging.getLogger("avatar_server")

_DESCRIPTIONS = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    413: "Too large",
    416: "Range not satisfiable",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal error",
}


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"})
_FASTAPI_BODY_PARSE_ERROR = "There was an error parsing the body"


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries declaring ErrorResponse for ``statuses`` (+422, 500).

    Example:
        >>> sorted(error_responses(404))
        [404, 422, 500]
    """
    wanted = {*statuses, 422, 500}
    return {
        status: {"model": ErrorResponse, "description": _DESCRIPTIONS.get(status, "Error")}
        for status in sorted(wanted)
    }


def _json_error(
    status: int, code: str, detail: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        status_code=status, content={"detail": detail, "code": code}, headers=headers
    )


def _describe_validation(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:10]:
        loc = ".".join(str(item) for item in error.get("loc", ()))
        parts.append(f"{loc}: {error.get('msg', 'invalid value')}")
    return "Invalid request: " + "; ".join(parts) + ". Fix these fields and retry."


def _code_for_status(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "http_error"


def _path_methods(app: FastAPI) -> list[tuple[re.Pattern[str], int, frozenset[str]]]:
    """(path regex, number of path parameters, methods) for every documented path."""
    table = getattr(app.state, "path_methods", None)
    if table is None:
        table = []
        for template, operations in app.openapi().get("paths", {}).items():
            methods = {method.upper() for method in operations if method.upper() in _METHODS}
            if "GET" in methods:
                methods.add("HEAD")  # Starlette answers HEAD on every GET route
            regex, _format, convertors = compile_path(template)
            table.append((regex, len(convertors), frozenset(methods)))
        app.state.path_methods = table
    return list(table)


def allowed_methods(request: Request) -> list[str]:
    """Every method accepted on the request's path (Starlette's 405 names only one route's).

    When templates overlap (``/api/jobs/bulk-delete`` also matches ``/api/jobs/{name}``), the
    most specific template (fewest path parameters) is the resource the path names.

    Example:
        >>> allowed_methods(request)  # doctest: +SKIP
        ['GET', 'HEAD', 'POST']
    """
    by_specificity: dict[int, set[str]] = {}
    for regex, parameters, methods in _path_methods(request.app):
        if regex.match(request.url.path):
            by_specificity.setdefault(parameters, set()).update(methods)
    return sorted(by_specificity[min(by_specificity)]) if by_specificity else []


def _method_not_allowed(request: Request) -> JSONResponse:
    allowed = allowed_methods(request)
    return _json_error(
        405,
        "method_not_allowed",
        f"{request.method[:16]} is not allowed on this path; use "
        f"{', '.join(allowed) or 'another path'}.",
        {"Allow": ", ".join(allowed)},
    )


def install_error_handlers(app: FastAPI) -> None:
    """Replace FastAPI's default error bodies by ``{detail, code}``."""

    async def on_api_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return _json_error(exc.status, exc.code, exc.detail, exc.headers)

    async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 405:
            return _method_not_allowed(request)
        detail = exc.detail if isinstance(exc.detail, str) else "Request failed."
        headers = dict(exc.headers) if exc.headers else None
        if exc.status_code == 400 and detail == _FASTAPI_BODY_PARSE_ERROR:
            return _json_error(
                422,
                "invalid_body",
                "The request body cannot be parsed: send valid UTF-8 JSON (or form data for "
                "/api/login).",
            )
        return _json_error(exc.status_code, _code_for_status(exc.status_code), detail, headers)

    async def on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return _json_error(422, "validation_error", _describe_validation(exc))

    async def on_pool_exhausted(request: Request, exc: Exception) -> JSONResponse:
        logger.warning("database pool exhausted on %s %s", request.method, request.url.path)
        return _json_error(
            503,
            "server_busy",
            "The server is busy (no database connection free): retry in a moment.",
            {"Retry-After": "1"},
        )

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Log the type and the frames only: messages may quote request data.
        frames = "".join(traceback.format_tb(exc.__traceback__))
        logger.error(
            "unexpected %s on %s %s\n%s",
            type(exc).__name__,
            request.method,
            request.url.path,
            frames,
        )
        return _json_error(
            500, "internal_error", "Internal server error. The server log has the details."
        )

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(PoolTimeout, on_pool_exhausted)
    app.add_exception_handler(Exception, on_unexpected)
