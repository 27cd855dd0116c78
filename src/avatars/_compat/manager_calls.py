"""Manager methods that only the established client has (part of :class:`avatars.Manager`).

``get_jobs_by_name``, ``get_jobs_by_id``, ``get_last_set``, ``cancel_job``,
``cancel_job_by_id``, ``cancel_jobs`` and ``get_last_jobs(count, name=...)``.

Example:
    >>> [job.status for job in manager.get_jobs_by_name("demo")]  # doctest: +SKIP
    ['finished', 'finished', 'finished', 'finished']
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from uuid import UUID

from avatars._compat.jobs import cancel_unfinished

if TYPE_CHECKING:
    from avatar_api_client.models import JobResponse

    from avatars._server_calls import ServerCalls
    from avatars.client import ApiClient

__all__ = ["EstablishedManagerCalls"]


def _run_id(value: object) -> str:
    if not isinstance(value, str | UUID):
        raise TypeError(f"id must be a str or a UUID (runner.set_name), got {type(value).__name__}")
    try:
        return str(UUID(str(value)))
    except ValueError:
        raise ValueError(
            f"id {value!r} is not a UUID: give the server's id of a run (runner.set_name)."
        ) from None


class EstablishedManagerCalls:
    """The established client's Manager calls that this SDK's Manager has no name for."""

    auth_client: ApiClient
    _calls: ServerCalls

    if TYPE_CHECKING:

        def find_ids_by_name(self, set_name: str) -> list[tuple[str, list[JobResponse]]]: ...

    def _jobs_named(self, name: str) -> Iterator[Any]:
        for job in self._calls.iter_jobs(display_name=name):
            display = getattr(job, "display_name", None)
            if display in (None, name) or type(display).__name__ == "Unset":
                yield job

    def get_jobs_by_name(self, name: str) -> list[JobResponse]:
        """Every job of the runs with that name (``create_runner(set_name=...)``), newest first.

        Example:
            >>> len(manager.get_jobs_by_name("demo"))  # doctest: +SKIP
            4
        """
        return list(self._jobs_named(name))

    def get_jobs_by_id(self, id: UUID | str) -> list[JobResponse]:
        """Every job of the run with that id (``runner.set_name``), newest first.

        Example:
            >>> manager.get_jobs_by_id(runner.set_name)[0].status  # doctest: +SKIP
        """
        return list(self._calls.iter_jobs(set_name=_run_id(id)))

    def get_last_set(self) -> list[JobResponse]:
        """Every job of the most recent run (the run of the newest job); ``[]`` without jobs.

        Example:
            >>> {job.parameters_name for job in manager.get_last_set()}  # doctest: +SKIP
            {'standard', 'privacy_metrics', 'signal_metrics', 'report'}
        """
        last = self._calls.last_jobs(1)
        if not last:
            return []
        return list(self._calls.iter_jobs(set_name=str(last[0].set_name)))

    def _last_jobs_named(self, count: int = 1, name: str | None = None) -> dict[str, Any]:
        """``get_last_jobs(count, name=...)``: the newest ``count`` jobs of the runs so named."""
        from avatars.manager import JobsByName

        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}")
        jobs = self._jobs_named(str(name))
        return JobsByName((str(job.name), job) for _, job in zip(range(count), jobs, strict=False))

    def cancel_job(self, name: str) -> list[JobResponse]:
        """Cancel the jobs still going of the run with that name.

        Raises:
            ValueError: no run has that name, or several do (the message gives the
                ``cancel_job_by_id`` command of each).

        Example:
            >>> manager.cancel_job("demo")  # doctest: +SKIP
        """
        runs = self.find_ids_by_name(name)
        if not runs:
            raise ValueError(f"No run named {name!r} (names are case-sensitive).")
        if len(runs) > 1:
            commands = "\n".join(f"  manager.cancel_job_by_id({uuid!r})" for uuid, _ in runs)
            raise ValueError(
                f"{len(runs)} runs are named {name!r}; cancel them one by one by id:\n{commands}"
            )
        return self.cancel_jobs([str(job.name) for job in runs[0][1]])

    def cancel_job_by_id(self, id: UUID | str) -> list[JobResponse]:
        """Cancel the jobs still going of the run with that id (``runner.set_name``).

        Example:
            >>> manager.cancel_job_by_id(runner.set_name)  # doctest: +SKIP
        """
        return self.cancel_jobs([str(job.name) for job in self.get_jobs_by_id(id)])

    def cancel_jobs(self, job_names: list[str]) -> list[JobResponse]:
        """Cancel the named jobs, leaving alone those already over.

        Returns:
            The jobs a cancel was sent for, as the server answered.

        Example:
            >>> manager.cancel_jobs([job.name for job in manager.get_last_set()])
            ... # doctest: +SKIP
        """
        return cancel_unfinished(self.auth_client, job_names)
