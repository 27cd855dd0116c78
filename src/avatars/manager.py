"""High-level entry point: :class:`Manager`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from avatars.constants import (
    DataRecipient,
    DataSubject,
    DataType,
    ReportLanguage,
    SensitivityLevel,
)

if TYPE_CHECKING:
    from avatars.client import ApiClient
    from avatars.config import ClientConfig
    from avatars.runner import Runner

__all__ = ["Manager"]


class Manager:
    """High-level convenience facade for interacting with the Avatar API."""

    def __init__(
        self,
        base_url: str | None = None,
        *,
        api_client: ApiClient | None = None,
        api_key: str | None = None,
        config: ClientConfig | None = None,
        should_verify_compatibility: bool | None = None,
    ) -> None:
        raise NotImplementedError("Manager is being built")

    def authenticate(
        self, username: str, password: str, should_verify_compatibility: bool | None = None
    ) -> None:
        """Authenticate the user with the given username and password."""
        raise NotImplementedError

    def forgotten_password(self, email: str) -> None:
        """Send a forgotten password email to the user."""
        raise NotImplementedError

    def reset_password(
        self, email: str, new_password: str, new_password_repeated: str, token: str | UUID
    ) -> None:
        """Reset the password of the user."""
        raise NotImplementedError

    def create_runner(
        self,
        set_name: str,
        seed: int | None = None,
        max_distribution_plots: int | None = None,
        pia_data_recipient: DataRecipient = DataRecipient.UNKNOWN,
        pia_data_type: DataType = DataType.UNKNOWN,
        pia_data_subject: DataSubject = DataSubject.UNKNOWN,
        pia_sensitivity_level: SensitivityLevel = SensitivityLevel.UNDEFINED,
        report_language: ReportLanguage = ReportLanguage.EN,
    ) -> Runner:
        """Create a new runner."""
        raise NotImplementedError

    def create_runner_from_id(self, set_name: str | UUID) -> Runner:
        """Reconstruct a Runner from an existing set_name UUID with historical results."""
        raise NotImplementedError

    def get_last_results(self, count: int = 1) -> list[dict[str, str]]:
        """Get the last n results."""
        raise NotImplementedError

    def get_last_jobs(self, count: int = 1) -> dict[str, Any]:
        """Get the last n jobs."""
        raise NotImplementedError

    def get_health(self) -> dict[str, str]:
        """Get the health of the server."""
        raise NotImplementedError

    def find_ids_by_name(self, set_name: str) -> list[tuple[str, list[Any]]]:
        """Find all run UUIDs associated with a given set_name."""
        raise NotImplementedError

    def create_runner_from_name(self, display_name: str) -> Runner:
        """Create a Runner from the most recent run associated with a display name."""
        raise NotImplementedError

    def create_runner_from_yaml(self, yaml_path: str, set_name: str) -> Runner:
        """Create a new runner from a yaml file."""
        raise NotImplementedError

    def delete_job(self, name: str) -> Any:
        """Delete all jobs for a run identified by its name."""
        raise NotImplementedError

    def delete_job_by_id(self, id: UUID | str) -> Any:
        """Delete all jobs belonging to a specific run identified by its id."""
        raise NotImplementedError

    def delete_jobs(self, job_names: list[str]) -> Any:
        """Delete multiple jobs by name, batching in groups of up to 100."""
        raise NotImplementedError
