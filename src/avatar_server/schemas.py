"""Request and response bodies of the HTTP API (the names become openapi.json components)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, RootModel


class ErrorResponse(BaseModel):
    """Every error answer: what is wrong and how to fix it, plus a stable code."""

    detail: str
    code: str


class LoginForm(BaseModel):
    """OAuth2 password form."""

    username: str = Field(max_length=256)
    password: str = Field(max_length=1024)


class LoginResponse(BaseModel):
    """A short-lived access token and a rotating refresh token."""

    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 (OAuth2 token type, not a secret)


class RefreshRequest(BaseModel):
    """Exchange a refresh token for a new pair."""

    refresh_token: str = Field(max_length=512)


class ForgottenPasswordRequest(BaseModel):
    """Ask for a password reset token."""

    email: str = Field(max_length=254)


class ResetPasswordRequest(BaseModel):
    """Set a new password with a reset token."""

    email: str = Field(max_length=254)
    new_password: str = Field(max_length=1024)
    new_password_repeated: str = Field(max_length=1024)
    token: str = Field(max_length=512)


class ApiKeyCreate(BaseModel):
    """Create an API key."""

    name: str = Field(min_length=1, max_length=128)
    expiration_days: int | None = Field(default=None, ge=1, le=3650)


class ApiKeyCreated(BaseModel):
    """A new API key; ``key`` is shown only in this answer."""

    id: str
    name: str
    key: str
    created_at: datetime
    expires_at: datetime | None


class ApiKeyResponse(BaseModel):
    """An API key without its secret."""

    id: str
    name: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class ApiKeyList(BaseModel):
    """The caller's API keys."""

    api_keys: list[ApiKeyResponse]


class HealthResponse(BaseModel):
    """Liveness of the server."""

    status: str
    version: str


class HealthDbResponse(BaseModel):
    """Reachability of the database."""

    status: str
    database: str


class CompatibilityStatus(StrEnum):
    """Whether a client version can talk to this server."""

    COMPATIBLE = "compatible"
    INCOMPATIBLE = "incompatible"
    UNKNOWN = "unknown"


class CompatibilityResponse(BaseModel):
    """Answer of the client compatibility check."""

    status: CompatibilityStatus
    message: str
    most_recent_compatible_client: str


class DatasetResponse(BaseModel):
    """An uploaded dataset."""

    name: str
    size: int
    sha256: str
    created_at: datetime


class DatasetList(BaseModel):
    """The caller's datasets."""

    datasets: list[DatasetResponse]


class ResourceSetResponse(BaseModel):
    """A stored version of a resource set."""

    set_name: str
    display_name: str
    created_at: datetime


class JobKind(StrEnum):
    """What a job computes."""

    STANDARD = "standard"
    PRIVACY_METRICS = "privacy_metrics"
    SIGNAL_METRICS = "signal_metrics"
    REPORT = "report"
    ADVICE = "advice"


class JobStatus(StrEnum):
    """Where a job is in its life."""

    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    ERROR = "error"
    PARENT_ERROR = "parent_error"
    CANCELLED = "cancelled"
    LOST = "lost"


DONE_STATUSES = frozenset(
    {
        JobStatus.FINISHED,
        JobStatus.ERROR,
        JobStatus.PARENT_ERROR,
        JobStatus.CANCELLED,
        JobStatus.LOST,
    }
)
FAILED_STATUSES = DONE_STATUSES - {JobStatus.FINISHED}


class JobCreate(BaseModel):
    """Run one parameters document of a stored resource set."""

    set_name: str = Field(max_length=64)
    parameters_name: str = Field(min_length=1, max_length=128)
    depends_on: list[str] = Field(default_factory=list, max_length=20)


class JobCreated(BaseModel):
    """A job was created (or found again by its Idempotency-Key)."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    name: str
    location: str = Field(alias="Location")


class JobResponse(BaseModel):
    """State of a job."""

    name: str
    set_name: str
    display_name: str
    parameters_name: str
    kind: JobKind
    status: JobStatus
    progress: float
    phase: str | None
    exception: str | None
    done: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    depends_on: list[str]


class JobList(BaseModel):
    """One page of jobs, newest first, and the total number matching the filters."""

    jobs: list[JobResponse]
    total: int


class BulkDeleteRequest(BaseModel):
    """Delete up to 100 jobs at once."""

    job_names: list[str] = Field(max_length=100)


class BulkDeleteResponse(BaseModel):
    """Which jobs were deleted and which could not be."""

    deleted_jobs: list[str]
    failed_jobs: list[str]


class ResultFiles(RootModel[dict[str, list[str]]]):
    """Result kind -> file names of one job."""


class UserResponse(BaseModel):
    """An account."""

    id: str
    username: str
    email: str | None
    is_admin: bool
    created_at: datetime


class UserCreate(BaseModel):
    """Create an account (admins only)."""

    username: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")
    email: str | None = Field(default=None, max_length=254)
    password: str = Field(min_length=12, max_length=1024)
    is_admin: bool = False


class UserList(BaseModel):
    """All accounts."""

    users: list[UserResponse]
