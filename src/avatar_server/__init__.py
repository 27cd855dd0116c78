"""The open reference server of the avatars product (FastAPI + SQLAlchemy + worker processes).

Example:
    >>> from avatar_server import Settings, create_app
    >>> app = create_app(Settings(data_dir=tmp_path))  # doctest: +SKIP
"""

from typing import TYPE_CHECKING, Any

from avatar_server.settings import Settings

if TYPE_CHECKING:
    from avatar_server.app import create_app

__all__ = ["Settings", "create_app"]


def __getattr__(name: str) -> Any:
    # The web application is loaded on first use: job workers import this package too.
    if name != "create_app":
        raise AttributeError(f"module 'avatar_server' has no attribute {name!r}")
    from avatar_server.app import create_app

    return create_app
