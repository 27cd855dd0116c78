"""Is a given SDK version compatible with this server?"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Query, Request

from avatar_server.errors import error_responses
from avatar_server.schemas import CompatibilityResponse, CompatibilityStatus
from avatar_server.version import MIN_CLIENT_VERSION, MOST_RECENT_CLIENT_VERSION

router = APIRouter(prefix="/api", tags=["compatibility"])

_VERSION = re.compile(r"^(\d{1,6})\.(\d{1,6})(?:\.(\d{1,6}))?")
_USER_AGENT = re.compile(r"avatars-python/(\S{1,64})")


def _parse(version: str) -> tuple[int, int, int] | None:
    match = _VERSION.match(version.strip().lstrip("v"))
    if match is None:
        return None
    return int(match[1]), int(match[2]), int(match[3] or 0)


def compatibility_of(version: str | None) -> CompatibilityResponse:
    """Compatibility verdict for an SDK version string.

    Example:
        >>> compatibility_of("0.1.0").status.value
        'incompatible'
    """
    recent = MOST_RECENT_CLIENT_VERSION
    parsed = _parse(version) if version else None
    if parsed is None:
        return CompatibilityResponse(
            status=CompatibilityStatus.UNKNOWN,
            message="No SDK version given (client_version or 'User-Agent: avatars-python/<v>').",
            most_recent_compatible_client=recent,
        )
    minimum = _parse(MIN_CLIENT_VERSION)
    assert minimum is not None
    if parsed < minimum or parsed[0] != minimum[0]:
        return CompatibilityResponse(
            status=CompatibilityStatus.INCOMPATIBLE,
            message=f"SDK {version} is not supported by this server: upgrade to "
            f">={MIN_CLIENT_VERSION},<{minimum[0] + 1} (pip install -U avatars).",
            most_recent_compatible_client=recent,
        )
    return CompatibilityResponse(
        status=CompatibilityStatus.COMPATIBLE,
        message=f"SDK {version} is compatible with this server.",
        most_recent_compatible_client=recent,
    )


@router.get("/check_client", response_model=CompatibilityResponse, responses=error_responses())
def check_client(
    request: Request,
    client_version: Annotated[str | None, Query(max_length=64)] = None,
) -> CompatibilityResponse:
    """Check an SDK version, given as ``client_version`` or in the User-Agent."""
    if client_version is None:
        match = _USER_AGENT.search(request.headers.get("user-agent", ""))
        client_version = match[1] if match else None
    return compatibility_of(client_version)
