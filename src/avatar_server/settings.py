"""Server configuration: command-line flags and ``AVATAR_SERVER_*`` environment variables."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "avatars-server"


def machine_cpus() -> int:
    """CPUs this process may run on (the affinity mask where the platform has one).

    Example:
        >>> machine_cpus() >= 1
        True
    """
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


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
    workers: int | None = Field(
        default=None, ge=1, le=64, description="job worker processes (default: one per CPU)"
    )
    request_threads: int | None = Field(
        default=None,
        ge=4,
        le=512,
        description="threads serving blocking requests (default: 8 per CPU, at least 32)",
    )
    database_pool_size: int | None = Field(
        default=None,
        ge=1,
        le=1024,
        description="database connections kept by the API process (default: request threads + 8)",
    )
    database_pool_timeout_seconds: float = Field(default=10.0, gt=0)
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
    warm_workers: bool = Field(
        default=True,
        description="start the job workers with the server (jobs start at once), "
        "not when the first job is queued",
    )
    shutdown_grace_seconds: float = Field(default=10.0, ge=0)
    batch_threshold_rows: int = Field(
        default=1_000_000, ge=1,
        description="tables of more rows are avatarized in batches sharing one projection",
    )
    batch_rows: int = Field(default=500_000, ge=100, description="rows per batch")
    dask_scheduler: str | None = Field(
        default=None,
        description="Dask scheduler address (tcp://host:8786) that runs the batches; "
        "default: a LocalCluster started for each table above batch_threshold_rows",
    )
    dask_local_workers: int = Field(default=2, ge=1, le=256,
                                    description="workers of that LocalCluster")
    storage_url: str | None = Field(
        default=None,
        pattern=r"^s3://[^/?#]+(/[^?#]*)?$",
        description="keep datasets and results on an S3-compatible object store, "
        "s3://bucket or s3://bucket/prefix (default: in the data folder); credentials come "
        "from the standard AWS variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)",
    )
    storage_endpoint_url: str | None = Field(
        default=None, description="endpoint of a non-AWS object store, e.g. http://minio:9000"
    )
    storage_region: str | None = Field(default=None, description="object store region")

    def resolved_workers(self) -> int:
        """Job worker processes: the setting, else one per CPU (at most 8).

        Example:
            >>> Settings(workers=3).resolved_workers()
            3
        """
        return self.workers or min(8, machine_cpus())

    def resolved_request_threads(self) -> int:
        """Threads for blocking request handlers: the setting, else 8 per CPU (32 at least).

        Example:
            >>> Settings(request_threads=16).resolved_request_threads()
            16
        """
        return self.request_threads or max(32, 8 * machine_cpus())

    def resolved_pool_size(self) -> int:
        """Database connections of the API process: enough for every request thread plus the
        job watcher and supervisor, so a request never waits for a connection.

        Example:
            >>> Settings(request_threads=16).resolved_pool_size()
            24
        """
        return self.database_pool_size or self.resolved_request_threads() + 8

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file inside the data folder.

        Example:
            >>> Settings(data_dir=Path("/d")).resolved_database_url()
            'sqlite:////d/avatars.db'
        """
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir.resolve() / 'avatars.db'}"
