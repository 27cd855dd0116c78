"""Error answers: every error is JSON ``{detail, code}`` with the right status."""

from __future__ import annotations

import logging
import traceback
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from avatar_server.schemas import ErrorResponse

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


_FASTAPI_BODY_PARSE_ERROR = "There was an error parsing the body"


class ApiError(Exception):
    """An error answered to the client as ``{detail, code}``.

    Example:
        >>> raise ApiError(404, "job_not_found", "No job named 'x'.")  # doctest: +SKIP
    """

    def __init__(
        self, status: int, code: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers


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


def install_error_handlers(app: FastAPI) -> None:
    """Replace FastAPI's default error bodies by ``{detail, code}``."""

    async def on_api_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return _json_error(exc.status, exc.code, exc.detail, exc.headers)

    async def on_http_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
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
    app.add_exception_handler(Exception, on_unexpected)
