"""Versions of the server and of the SDK releases it accepts."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    SERVER_VERSION = version("avatars")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    SERVER_VERSION = "0.0.0"

MIN_CLIENT_VERSION = "1.0.0"
"""Oldest SDK version this server accepts."""

MOST_RECENT_CLIENT_VERSION = SERVER_VERSION
"""The SDK released with this server."""
