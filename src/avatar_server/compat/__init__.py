"""Wire compatibility with the established platform's Python client (octopize-avatar 1.30).

That client talks to fixed paths (``/api/users/me``, ``/api/jobs``, ``/api/upload_url``, an
S3-style ``/storage``) with shapes that differ from this server's own API. The routes here
serve those shapes from the same database, storage and jobs, and stay out of this server's
``openapi.json`` so that the generated client keeps its own contract. Requests from that
client (``User-Agent: avatar-python/<version>``) to a path both APIs share are dispatched to
the compatible route by :class:`~avatar_server.compat.dispatch.CompatDispatchMiddleware`.
"""

from __future__ import annotations

from fastapi import FastAPI

from avatar_server.compat import (
    api_keys,
    connections,
    events,
    job_flow,
    jobs,
    resources,
    root,
    storage_s3,
    upload_urls,
    users,
)
from avatar_server.compat.dispatch import COMPAT_PREFIX, CompatDispatchMiddleware


def install_compat(app: FastAPI) -> None:
    """Add the compatible routes and the dispatcher to ``app``.

    Example:
        >>> install_compat(create_app())  # doctest: +SKIP
    """
    routers = (root, users, upload_urls, job_flow, jobs, events, api_keys, connections, resources)
    for module in routers:
        app.include_router(module.router, prefix=COMPAT_PREFIX, include_in_schema=False)
    # the audit trail and the upload endpoints have no counterpart in this server's own API
    for module in (events, upload_urls):
        app.include_router(module.router, include_in_schema=False)
    app.include_router(storage_s3.router, include_in_schema=False)
    app.add_middleware(CompatDispatchMiddleware)
