"""Server configuration: command-line flags and ``AVATAR_SERVER_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "avatars-server"


class Settings(BaseSettings):
    """Everything the reference server can be configured with.

    Each field can be set with an ``AVATAR_SERVER_<NAME>`` environment variable or, for the
    console script, a ``--<name>`` flag.

    Example:
        >>> settings = Settings(data_dir=Path("/tmp/avatars-data"), workers=1)
        >>> settings.resolved_database_url().startswith("sqlite:///")
        True
    """

    model_config = SettingsConfigDict(env_prefix="AVATAR_SERVER_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = None
    workers: int = Field(default=2, ge=1, le=64)
    max_upload_bytes: int = Field(default=2 * 1024**3, ge=1)
    max_resource_set_bytes: int = Field(default=1024**2, ge=1)
    credentials_file: Path | None = None
    log_level: str = "info"
    access_token_minutes: float = Field(default=15.0, gt=0)
    refresh_token_days: float = Field(default=30.0, gt=0)
    reset_token_minutes: float = Field(default=30.0, gt=0)
    login_max_failures: int = Field(default=10, ge=1)
    login_window_seconds: float = Field(default=60.0, gt=0)
    job_poll_seconds: float = Field(default=1.0, gt=0)
    shutdown_grace_seconds: float = Field(default=10.0, ge=0)

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file inside the data folder.

        Example:
            >>> Settings(data_dir=Path("/d")).resolved_database_url()
            'sqlite:////d/avatars.db'
        """
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir.resolve() / 'avatars.db'}"
