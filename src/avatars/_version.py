"""The installed version of the SDK, sent in the ``User-Agent`` header."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

__all__ = ["USER_AGENT", "__version__"]

try:
    __version__ = version("avatars")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

USER_AGENT = f"avatars-python/{__version__}"
