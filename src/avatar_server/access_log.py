"""Access log, request id and last-resort error middleware.

Gives every request an id (``X-Request-ID``, see ``request_id``), answered in that header and
current while the request runs (so its log lines carry it). Logs method, path, status,
duration and the id, never query strings or bodies. An exception no handler
took becomes a 500 ``{detail, code: internal_error}`` here, logged with its type and frames
only (exception messages may quote request data), and is not re-raised to the ASGI server.
"""

from __future__ import annotations

import logging
import time
import traceback

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from avatar_server.request_id import (
    HEADER,
    accepted_request_id,
    reset_request_id,
    set_request_id,
)

logger = logging.getLogger("avatar_server.access")


class AccessLogMiddleware:
    """Pure ASGI middleware (keeps streaming and disconnect detection intact).

    Example:
        >>> app.add_middleware(AccessLogMiddleware)  # doctest: +SKIP
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        response_started = False
        request_id = accepted_request_id(Headers(scope=scope).get(HEADER))
        token = set_request_id(request_id)

        async def send_with_status(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = int(message["status"])
                response_started = True
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        except Exception as exc:
            logger.error(
                "unexpected %s on %s %s\n%s",
                type(exc).__name__,
                scope.get("method", "?"),
                scope.get("path", "?"),
                "".join(traceback.format_tb(exc.__traceback__)),
            )
            status = 500
            if not response_started:
                await JSONResponse(
                    {
                        "detail": "Internal server error. The server log has the details.",
                        "code": "internal_error",
                    },
                    status_code=500,
                    headers={HEADER: request_id},
                )(scope, receive, send)
        finally:
            logger.info(
                "%s %s %d %.1fms request_id=%s",
                scope.get("method", "?"),
                scope.get("path", "?"),
                status,
                (time.perf_counter() - started) * 1000,
                request_id,
            )
            reset_request_id(token)
