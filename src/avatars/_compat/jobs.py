"""Cancelling and deleting lists of jobs, as the established client's calls do."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from avatars.errors import ConflictError

if TYPE_CHECKING:
    from avatar_api_client.models import BulkDeleteResponse, JobResponse

    from avatars.client import ApiClient

__all__ = ["BULK_DELETE_BATCH", "cancel_unfinished", "delete_in_batches"]

BULK_DELETE_BATCH = 100


def cancel_unfinished(client: ApiClient, job_names: Sequence[str]) -> list[JobResponse]:
    """Cancel the jobs that are not over yet; return them as the server answered.

    Each job is read just before its cancel: cancelling a job cancels those waiting on it, so
    a job listed after its parent is often over by then (and is then left alone).

    Example:
        >>> [job.status for job in cancel_unfinished(client, names)]  # doctest: +SKIP
        ['cancelled', 'cancelled']
    """
    cancelled: list[JobResponse] = []
    for name in dict.fromkeys(str(n) for n in job_names):
        if client.jobs.get_job(name).done:
            continue
        try:
            cancelled.append(client.jobs.cancel_job(name))
        except ConflictError:
            # It ended between the read and the cancel.
            continue
    return cancelled


def delete_in_batches(client: ApiClient, job_names: Sequence[str]) -> BulkDeleteResponse:
    """Delete jobs by name in batches of up to 100; one response for all batches.

    Example:
        >>> delete_in_batches(client, names).failed_jobs  # doctest: +SKIP
        []
    """
    from avatar_api_client.models import BulkDeleteResponse

    deleted: list[str] = []
    failed: list[str] = []
    names = list(dict.fromkeys(str(name) for name in job_names))
    for start in range(0, len(names), BULK_DELETE_BATCH):
        response = client.jobs.bulk_delete_jobs(names[start : start + BULK_DELETE_BATCH])
        deleted.extend(str(n) for n in response.deleted_jobs)
        failed.extend(str(n) for n in response.failed_jobs)
    return BulkDeleteResponse(deleted_jobs=deleted, failed_jobs=failed)
