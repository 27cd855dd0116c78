"""High-level entry point: :class:`Manager`.

Example:
    >>> from avatars.manager import Manager
    >>> manager = Manager(base_url="https://avatars.example.com", api_key="...")
    ... # doctest: +SKIP
    >>> runner = manager.create_runner(set_name="demo")  # doctest: +SKIP
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from avatars._compat.arguments import accept_established_manager_calls
from avatars._compat.manager_calls import EstablishedManagerCalls
from avatars._server_calls import ServerCalls, text_of
from avatars.constants import (
    DataRecipient,
    DataSubject,
    DataType,
    ReportLanguage,
    SensitivityLevel,
)
from avatars.runner import Runner

if TYPE_CHECKING:
    from avatar_api_client.models import BulkDeleteResponse, JobResponse

    from avatars.client import ApiClient
    from avatars.config import ClientConfig

__all__ = ["BULK_DELETE_BATCH", "JobsByName", "Manager", "ResultsList"]

BULK_DELETE_BATCH = 100


def _parse_set_name(set_name: object, argument: str = "set_name") -> str:
    if not isinstance(set_name, str | UUID):
        raise TypeError(
            f"{argument} must be a str or a UUID (the value of runner.set_name after run()), "
            f"got {type(set_name).__name__}"
        )
    try:
        return str(UUID(str(set_name)))
    except ValueError:
        raise ValueError(
            f"{argument} {set_name!r} is not a UUID. It must be the server's id of a run "
            "(runner.set_name after run()); to load a run by the name given to "
            "create_runner(set_name=...), use create_runner_from_name()."
        ) from None


def _bulk_delete_response(deleted: list[str], failed: list[str]) -> BulkDeleteResponse:
    from avatar_api_client.models import BulkDeleteResponse

    return BulkDeleteResponse(deleted_jobs=deleted, failed_jobs=failed)


class JobsByName(dict[str, Any]):
    """``{job name: JobResponse}`` that shows as a table in notebooks."""

    def _repr_html_(self) -> str:
        import pandas as pd

        rows = [
            {
                "job": name,
                "run": text_of(job.display_name),
                "kind": text_of(job.kind),
                "status": text_of(job.status),
                "progress": text_of(job.progress),
                "created_at": text_of(job.created_at),
            }
            for name, job in self.items()
        ]
        return pd.DataFrame(rows).to_html(index=False)


class ResultsList(list[dict[str, str]]):
    """Result listings that show as a table in notebooks."""

    def _repr_html_(self) -> str:
        import pandas as pd

        return pd.DataFrame(list(self)).fillna("").to_html(index=False)


@accept_established_manager_calls
class Manager(EstablishedManagerCalls):
    """High-level convenience facade for interacting with the Avatar API.

    It wraps an authenticated :class:`avatars.client.ApiClient` (``auth_client``) and offers
    shortcuts to create :class:`avatars.runner.Runner` objects, inspect recent jobs and
    results, check the server and delete runs.

    Args:
        base_url: URL of the server, e.g. ``https://avatars.example.com`` (``/api`` is added).
        api_client: an existing client to use (then give neither ``base_url``, ``api_key``
            nor ``config``).
        api_key: API key; with it, do not call :meth:`authenticate`.
        config: a :class:`~avatars.config.ClientConfig` for the values not given here.
        should_verify_compatibility: check at construction that the server is an avatars API
            accepting this SDK (default: ``config``, ``AVATAR_VERIFY_COMPATIBILITY``, true).

    Raises:
        ValueError: ``api_client`` given together with ``base_url``, ``api_key`` or ``config``.
        IncompatibleClientError: the SDK is too old for the server, or the URL does not serve
            the avatars API.

    Example:
        >>> manager = Manager(base_url="http://127.0.0.1:8000", api_key=key)  # doctest: +SKIP
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        api_client: ApiClient | None = None,
        api_key: str | None = None,
        config: ClientConfig | None = None,
        should_verify_compatibility: bool | None = None,
    ) -> None:
        if api_client is not None:
            given = {"base_url": base_url, "api_key": api_key, "config": config}
            conflicting = [name for name, value in given.items() if value is not None]
            if conflicting:
                raise ValueError(
                    f"api_client conflicts with {', '.join(conflicting)}: configure the "
                    "ApiClient you pass, or pass these settings without api_client."
                )
            self.auth_client = api_client
        else:
            from avatars.client import ApiClient

            self.auth_client = ApiClient(base_url=base_url, api_key=api_key, config=config)
        self._calls = ServerCalls(self.auth_client)
        if self._should_verify(should_verify_compatibility):
            self.auth_client.verify_compatibility()

    def _should_verify(self, override: bool | None) -> bool:
        if override is not None:
            return override
        return bool(getattr(self.auth_client, "should_verify_compatibility", True))

    def __repr__(self) -> str:
        return f"Manager(auth_client={self.auth_client!r})"

    @classmethod
    def local(cls) -> Manager:
        """A Manager connected to the reference server running on this machine.

        Starts the server the first time (a child process on a free loopback port, with a
        per-user data folder), provisions a local user and API key, and reuses it afterwards.

        Example:
            >>> manager = Manager.local()  # doctest: +SKIP
        """
        from avatars._local import local_server

        server = local_server()
        return cls(base_url=server.base_url, api_key=server.api_key)

    # -- authentication ------------------------------------------------------------------------
    def authenticate(
        self, username: str, password: str, should_verify_compatibility: bool | None = None
    ) -> None:
        """Authenticate the user with the given username and password.

        Deprecated: username/password authentication is deprecated. After logging in, create
        an API key and use it for future sessions; the warning emitted on success gives the
        exact migration steps. Do not call it when the Manager has an ``api_key``.

        Raises:
            ValueError: the Manager already authenticates with an API key.
            AuthenticationError: wrong username or password.

        Example:
            >>> manager.authenticate(username="user", password="pass")  # doctest: +SKIP
        """
        if self.auth_client.api_key is not None:
            raise ValueError(
                "authenticate() must not be called on a Manager created with an api_key: API "
                "key authentication is already active. Remove authenticate(), or create the "
                "Manager without api_key (and without AVATAR_API_KEY) to log in."
            )
        self.auth_client.authenticate(username, password)
        if should_verify_compatibility:
            self.auth_client.verify_compatibility()

    def forgotten_password(self, email: str) -> None:
        """Send a forgotten password email to the user.

        Example:
            >>> manager.forgotten_password("user@example.com")  # doctest: +SKIP
        """
        self.auth_client.forgotten_password(email)

    def reset_password(
        self, email: str, new_password: str, new_password_repeated: str, token: str | UUID
    ) -> None:
        """Reset the password of the user with the token received by email.

        Example:
            >>> manager.reset_password("user@example.com", "n3w!", "n3w!", token)
            ... # doctest: +SKIP
        """
        # The seed types the client's token as a UUID; the server's tokens are opaque strings.
        self.auth_client.reset_password(
            email, new_password, new_password_repeated, cast(UUID, token)
        )

    # -- runners -------------------------------------------------------------------------------
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
        """Create a new runner.

        Args:
            set_name: human-readable name of the run (its *display name*). The server's id of
                the run, ``runner.set_name``, is only known after ``runner.run()``.
            seed: seed of the avatarization, for reproducible results.
            max_distribution_plots: most distribution plots in the figures and report.
            pia_data_recipient: who receives the avatars (privacy impact assessment).
            pia_data_type: what kind of data the tables hold.
            pia_data_subject: whose data the tables describe.
            pia_sensitivity_level: how sensitive the data are.
            report_language: language of the report.

        Example:
            >>> runner = manager.create_runner(set_name="demo", seed=42)  # doctest: +SKIP
        """
        return Runner(
            self.auth_client,
            display_name=set_name,
            seed=seed,
            max_distribution_plots=max_distribution_plots,
            pia_data_recipient=pia_data_recipient,
            pia_data_type=pia_data_type,
            pia_data_subject=pia_data_subject,
            pia_sensitivity_level=pia_sensitivity_level,
            report_language=report_language,
        )

    def create_runner_from_id(self, set_name: str | UUID) -> Runner:
        """Reconstruct a Runner from an existing set_name UUID with historical results.

        The configuration and job history of that run are fetched, so its results can be read
        without running the jobs again. Calling ``run()`` on it creates a NEW set_name; a
        ``UserWarning`` gives the old one so that its results stay reachable.

        Args:
            set_name: the UUID of the resource set (``runner.set_name`` after ``run()``).

        Raises:
            TypeError: ``set_name`` is not a str or UUID.
            ValueError: ``set_name`` is not a valid UUID.
            NotFoundError: no such run on the server (or not yours).

        Example:
            >>> runner2 = manager.create_runner_from_id(runner.set_name)  # doctest: +SKIP
            >>> runner2.shuffled("customers")  # doctest: +SKIP
        """
        name = _parse_set_name(set_name)
        yaml_text = self._calls.get_resources(name)
        jobs = list(self._calls.iter_jobs(set_name=name))
        display_name = next(
            (text_of(job.display_name) for job in jobs if text_of(job.display_name)), None
        )
        runner = Runner(self.auth_client, display_name=display_name or name)
        runner._restore(name, yaml_text, jobs)
        return runner

    def create_runner_from_name(self, display_name: str) -> Runner:
        """Create a Runner from the most recent run associated with a display name.

        Args:
            display_name: the name given to ``create_runner(set_name=...)`` (exact match).

        Raises:
            ValueError: no run has that display name.

        Example:
            >>> runner = manager.create_runner_from_name("my_dataset")  # doctest: +SKIP
            >>> df = runner.shuffled("patients")  # doctest: +SKIP
        """
        runs = self.find_ids_by_name(display_name)
        if not runs:
            raise ValueError(
                f"No run named {display_name!r} (names are case-sensitive). "
                "List recent runs with manager.get_last_jobs(count=20)."
            )
        return self.create_runner_from_id(runs[0][0])

    def create_runner_from_yaml(self, yaml_path: str, set_name: str) -> Runner:
        """Create a new runner from a resource-set YAML file.

        Args:
            yaml_path: the YAML file (tables whose ``data.file`` is next to it are uploaded at
                ``run()``; other names must be datasets already on the server).
            set_name: display name of the new run.

        Example:
            >>> runner = manager.create_runner_from_yaml("config.yaml", "demo")
            ... # doctest: +SKIP
        """
        if not Path(yaml_path).is_file():
            raise FileNotFoundError(f"No YAML file {yaml_path!r}: check the yaml_path.")
        runner = self.create_runner(set_name=set_name)
        runner.from_yaml(yaml_path)
        return runner

    # -- jobs and results ----------------------------------------------------------------------
    def find_ids_by_name(self, set_name: str) -> list[tuple[str, list[JobResponse]]]:
        """Find all run UUIDs associated with a given set_name (display name).

        Returns:
            ``(uuid, jobs)`` pairs, newest run first (by its most recent job); an empty list
            when no run has that name.

        Example:
            >>> [uuid for uuid, jobs in manager.find_ids_by_name("demo")]  # doctest: +SKIP
        """
        groups: dict[str, list[Any]] = defaultdict(list)
        for job in self._calls.iter_jobs(display_name=set_name):
            if text_of(job.display_name) in (None, set_name):
                groups[str(job.set_name)].append(job)

        def newest(jobs: list[Any]) -> str:
            return max(str(text_of(job.created_at) or "") for job in jobs)

        return sorted(groups.items(), key=lambda item: newest(item[1]), reverse=True)

    def get_last_jobs(self, count: int = 1) -> dict[str, JobResponse]:
        """Get the last ``count`` jobs, newest first, by job name.

        Example:
            >>> for name, job in manager.get_last_jobs(5).items():  # doctest: +SKIP
            ...     print(name, job.status)
        """
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}")
        return JobsByName((str(job.name), job) for job in self._calls.last_jobs(count))

    def get_last_results(self, count: int = 1) -> list[dict[str, str]]:
        """Get the results of the last ``count`` finished jobs, newest first.

        Each entry gives the job (``job_name``, ``set_name``, ``display_name``, ``kind``) and,
        for each result kind, its files (comma-separated), to pass to
        ``auth_client.results.get_result_file``.

        Example:
            >>> manager.get_last_results(1)[0]["shuffled"]  # doctest: +SKIP
            'wbcd.shuffled.csv'
        """
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}")
        results = ResultsList()
        for job in self._calls.iter_jobs():
            if text_of(job.status) != "finished":
                continue
            entry = {
                "job_name": str(job.name),
                "set_name": str(job.set_name),
                "display_name": text_of(job.display_name) or "",
                "kind": text_of(job.kind) or "",
            }
            for kind, files in self._calls.result_files(str(job.name)).items():
                entry[kind] = ", ".join(files)
            results.append(entry)
            if len(results) == count:
                break
        return results

    def get_health(self) -> dict[str, str]:
        """Get the health of the server, e.g. ``{"status": "ok", "version": "1.0.0"}``.

        Example:
            >>> manager.get_health()["status"]  # doctest: +SKIP
            'ok'
        """
        health = self.auth_client.health.get_health()
        raw = health.to_dict() if hasattr(health, "to_dict") else dict(health)
        return {str(k): str(v) for k, v in raw.items()}

    # -- deleting ------------------------------------------------------------------------------
    def delete_job(self, name: str) -> BulkDeleteResponse:
        """Delete all jobs of the run with that name (the ``create_runner`` ``set_name``).

        Raises:
            ValueError: no run has that name, or several do (the message gives the
                ``delete_job_by_id`` command of each).

        Example:
            >>> manager.delete_job("demo").deleted_jobs  # doctest: +SKIP
        """
        runs = self.find_ids_by_name(name)
        if not runs:
            raise ValueError(f"No run named {name!r} (names are case-sensitive).")
        if len(runs) > 1:
            commands = "\n".join(
                f"  manager.delete_job_by_id({uuid!r})  # {len(jobs)} jobs, latest "
                f"{max(str(text_of(j.created_at) or '') for j in jobs)}"
                for uuid, jobs in runs
            )
            raise ValueError(
                f"{len(runs)} runs are named {name!r}; delete them one by one by id:\n{commands}"
            )
        return self.delete_jobs([str(job.name) for job in runs[0][1]])

    def delete_job_by_id(self, id: UUID | str) -> BulkDeleteResponse:
        """Delete all jobs belonging to a specific run identified by its id (its set_name).

        Example:
            >>> manager.delete_job_by_id(runner.set_name)  # doctest: +SKIP
        """
        set_name = _parse_set_name(id, "id")
        return self.delete_jobs([str(job.name) for job in self._calls.iter_jobs(set_name=set_name)])

    def delete_jobs(self, job_names: list[str]) -> BulkDeleteResponse:
        """Delete multiple jobs by name, batching in groups of up to 100.

        Returns:
            The deleted and failed jobs of all batches together.

        Example:
            >>> manager.delete_jobs(["3f2b...", "9ac1..."]).failed_jobs  # doctest: +SKIP
        """
        deleted: list[str] = []
        failed: list[str] = []
        names = list(dict.fromkeys(str(name) for name in job_names))
        for start in range(0, len(names), BULK_DELETE_BATCH):
            response = self._calls.bulk_delete(names[start : start + BULK_DELETE_BATCH])
            deleted.extend(str(n) for n in response.deleted_jobs)
            failed.extend(str(n) for n in response.failed_jobs)
        return _bulk_delete_response(deleted, failed)
