"""The open reference server of the avatars product (FastAPI + SQLAlchemy + worker processes).

Example:
    >>> from avatar_server import Settings, create_app
    >>> app = create_app(Settings(data_dir=tmp_path))  # doctest: +SKIP
"""

from avatar_server.app import create_app
from avatar_server.settings import Settings

__all__ = ["Settings", "create_app"]
