"""Facade of the ``jobs`` tag: create, follow, cancel and delete jobs."""

from __future__ import annotations

from collections.abc import Sequence

from avatar_api_client.api.jobs import bulk_delete_jobs, cancel_job, create_job, get_job, get_jobs
from avatar_api_client.models import (
    BulkDeleteRequest,
    BulkDeleteResponse,
    JobCreate,
    JobCreated,
    JobList,
    JobResponse,
)
from avatar_api_client.types import UNSET

from avatars._policies import IDEMPOTENCY_HEADER
from avatars._resources._base import Resource

__all__ = ["MAX_BULK_DELETE", "MAX_WAIT_SECONDS", "JobsResource"]

MAX_WAIT_SECONDS = 60.0
MAX_BULK_DELETE = 100


class JobsResource(Resource):
    """``client.jobs``: the computations of a run."""

    def create_job(
        self,
        set_name: str,
        parameters_name: str,
        depends_on: Sequence[str] = (),
        *,
        idempotency_key: str | None = None,
        timeout: float | None = None,
    ) -> JobCreated:
        """Start the job running parameters document ``parameters_name`` of a resource set.

        The request carries an ``Idempotency-Key`` (from ``client.idempotency_key_factory``
        unless given), so a retry after a lost answer returns the same job instead of a second
        one.

        Example:
            >>> job = client.jobs.create_job(stored.set_name, "standard")  # doctest: +SKIP
            >>> job.name  # doctest: +SKIP
        """
        key = idempotency_key or self._client.idempotency_key_factory()
        body = JobCreate(
            set_name=set_name, parameters_name=parameters_name, depends_on=list(depends_on)
        )
        return self._call(
            create_job.sync_detailed,
            body=body,
            headers={IDEMPOTENCY_HEADER: key},
            timeout=timeout,
        )

    def get_jobs(
        self,
        display_name: str | None = None,
        set_name: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
        *,
        timeout: float | None = None,
    ) -> JobList:
        """Your jobs, newest first, optionally filtered by run name or set.

        Example:
            >>> all_jobs = client.jobs.get_jobs().jobs  # doctest: +SKIP
            >>> client.jobs.get_jobs(display_name="demo", limit=10).total  # doctest: +SKIP
        """
        return self._call(
            get_jobs.sync_detailed,
            display_name=UNSET if display_name is None else display_name,
            set_name=UNSET if set_name is None else set_name,
            limit=UNSET if limit is None else limit,
            offset=UNSET if offset is None else offset,
            timeout=timeout,
        )

    def get_job(
        self, name: str, wait: float | None = None, *, timeout: float | None = None
    ) -> JobResponse:
        """A job's state; with ``wait`` (seconds, at most 60) the server answers as soon as
        the job is done or when the wait ends (long poll).

        Example:
            >>> job = client.jobs.get_job(job.name, wait=30)  # doctest: +SKIP
            >>> job.status, job.progress  # doctest: +SKIP
        """
        if wait is not None:
            if not 0 <= wait <= MAX_WAIT_SECONDS:
                raise ValueError(f"wait must be between 0 and {MAX_WAIT_SECONDS:g} seconds")
            if timeout is None:
                timeout = self._client.timeout + wait
        return self._call(
            get_job.sync_detailed,
            name=name,
            wait=UNSET if wait is None else wait,
            timeout=timeout,
        )

    def cancel_job(self, name: str, *, timeout: float | None = None) -> JobResponse:
        """Ask the server to stop a job; returns its state.

        Example:
            >>> client.jobs.cancel_job(job.name).status  # doctest: +SKIP
        """
        return self._call(cancel_job.sync_detailed, name=name, timeout=timeout)

    def bulk_delete_jobs(
        self, job_names: Sequence[str], *, timeout: float | None = None
    ) -> BulkDeleteResponse:
        """Delete up to 100 jobs and their results.

        Example:
            >>> client.jobs.bulk_delete_jobs([job.name]).deleted_jobs  # doctest: +SKIP
        """
        names = list(job_names)
        if len(names) > MAX_BULK_DELETE:
            raise ValueError(
                f"bulk_delete_jobs takes at most {MAX_BULK_DELETE} names, got {len(names)}: "
                "split the list (Manager.delete_jobs does it for you)"
            )
        return self._call(
            bulk_delete_jobs.sync_detailed,
            body=BulkDeleteRequest(job_names=names),
            timeout=timeout,
        )
