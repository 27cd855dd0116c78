"""Send the established client's requests to the compatible routes."""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

COMPAT_PREFIX = "/_compat/octopize"
CLIENT_AGENT = re.compile(rb"^avatar-python/\d")
# Paths whose shapes differ between the two APIs (everything else is shared as is).
_COMPAT_PATHS = re.compile(
    r"^/api/(check_client|users(/.*)?|upload_url|access(/batch)?|jobs(/.*)?|results/[^/]+"
    r"|capabilities|openapi\.json|event-logs(/.*)?|api-keys(/.*)?|connections(/.*)?)?$"
)
# Paths shared with this server's own API whose other methods stay this server's own.
_COMPAT_METHOD_PATHS = (
    ("POST", re.compile(r"^/api/resources/[^/]+$")),
    ("PUT", re.compile(r"^/api/resources/[^/]+$")),
    ("GET", re.compile(r"^/api/resources/volume$")),
)


def is_compat_request(scope: Scope) -> bool:
    """Whether an HTTP request comes from the established client for a path it shapes alone."""
    if scope["type"] != "http":
        return False
    path, method = scope["path"], scope.get("method", "GET")
    if not _COMPAT_PATHS.match(path) and not any(
        method == wanted and pattern.match(path) for wanted, pattern in _COMPAT_METHOD_PATHS
    ):
        return False
    for name, value in scope.get("headers", []):
        if name == b"user-agent":
            return bool(CLIENT_AGENT.match(value))
    return False


class CompatDispatchMiddleware:
    """Rewrite the path of the established client's requests to the compatible routes.

    Example:
        >>> app.add_middleware(CompatDispatchMiddleware)  # doctest: +SKIP
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if is_compat_request(scope):
            scope = dict(scope)
            scope["path"] = COMPAT_PREFIX + scope["path"]
            scope["raw_path"] = scope["path"].encode()
        await self.app(scope, receive, send)
