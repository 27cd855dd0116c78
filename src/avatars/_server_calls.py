"""The server calls the Manager and the Runner make, in one place.

Every call goes through the public resource facades of :class:`~avatars.client.ApiClient`
(``client.jobs``, ``client.datasets``, ``client.resources``, ``client.results``, ...); this
module only adapts their answers to what the Manager and the Runner need.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from avatars.errors import NotFoundError

if TYPE_CHECKING:
    import pandas as pd

    from avatars.client import ApiClient

__all__ = ["ServerCalls", "idempotency_key", "text_of"]

_PAGE_SIZE = 100
# Namespace of the idempotency keys derived from (set_name, parameters_name).
_IDEMPOTENCY_NAMESPACE = uuid.UUID("5b0f6c2e-8a0e-4bd1-9d0c-1f2a3b4c5d6e")


def text_of(value: Any) -> str | None:
    """Plain text of an optional generated-model field (enum, ``Unset`` or ``None``)."""
    if value is None or type(value).__name__ == "Unset":
        return None
    return str(getattr(value, "value", value))


def idempotency_key(set_name: str, parameters_name: str) -> str:
    """The ``Idempotency-Key`` of the job running ``parameters_name`` of ``set_name``.

    Derived from the two names, so that a retried POST can never create a second job for the
    same step of the same resource-set version, and replays of recorded exchanges match.

    Example:
        >>> idempotency_key("3f2b...", "standard") == idempotency_key("3f2b...", "standard")
        True
    """
    return str(uuid.uuid5(_IDEMPOTENCY_NAMESPACE, f"{set_name}/{parameters_name}"))


class ServerCalls:
    """Thin adapter over the client's resource facades."""

    def __init__(self, client: ApiClient) -> None:
        self.client = client

    # -- datasets --------------------------------------------------------------------------
    def dataset_sha256(self, name: str) -> str | None:
        """The sha-256 of an uploaded dataset, or None when there is none of that name."""
        try:
            dataset = self.client.datasets.get_dataset(name)
        except NotFoundError:
            return None
        return text_of(dataset.sha256)

    def upload(self, name: str, path: Path) -> None:
        """Stream a file to ``PUT /api/datasets/{name}`` with its sha-256 digest."""
        self.client.datasets.upload_dataset(name, path)

    # -- resource sets ---------------------------------------------------------------------
    def put_resources(self, display_name: str, yaml_text: str) -> str:
        """Store a new resource-set version; return its ``set_name`` (a UUID)."""
        created = self.client.resources.put_resources(display_name, yaml_text)
        return str(created.set_name)

    def get_resources(self, set_name: str) -> str:
        """The YAML of a stored resource set."""
        return str(self.client.resources.get_resources(set_name))

    # -- jobs ------------------------------------------------------------------------------
    def create_job(self, set_name: str, parameters_name: str, depends_on: Sequence[str]) -> str:
        """Post a job (with an idempotency key); return its name."""
        created = self.client.jobs.create_job(
            set_name=set_name,
            parameters_name=parameters_name,
            depends_on=list(depends_on),
            idempotency_key=idempotency_key(set_name, parameters_name),
        )
        return str(created.name)

    def get_job(self, name: str, wait: float = 0.0) -> Any:
        """One job; with ``wait`` > 0 the server answers when it is done or the wait ends."""
        return self.client.jobs.get_job(name, wait=wait if wait > 0 else None)

    def iter_jobs(
        self, *, display_name: str | None = None, set_name: str | None = None
    ) -> Iterator[Any]:
        """Every job matching the filters, newest first (pages of 100)."""
        offset = 0
        while True:
            page = self.client.jobs.get_jobs(
                display_name=display_name, set_name=set_name, limit=_PAGE_SIZE, offset=offset
            )
            yield from page.jobs
            offset += len(page.jobs)
            if not page.jobs or offset >= int(page.total):
                return

    def last_jobs(self, count: int) -> list[Any]:
        """The ``count`` most recent jobs, newest first."""
        return list(self.client.jobs.get_jobs(limit=count, offset=0).jobs)[:count]

    def bulk_delete(self, job_names: Sequence[str]) -> Any:
        """Delete up to 100 jobs."""
        return self.client.jobs.bulk_delete_jobs(list(job_names))

    # -- results ---------------------------------------------------------------------------
    def result_files(self, job_name: str) -> dict[str, list[str]]:
        """``{result_kind: [file, ...]}`` of a finished job."""
        listing = self.client.results.get_results(job_name)
        return {str(kind): [str(f) for f in files] for kind, files in listing.items()}

    def download(self, job_name: str, file: str, destination: Path) -> Path:
        """Stream one result file to ``destination``."""
        self.client.results.download_result_file(job_name, file, destination)
        return destination

    def read_frame(self, job_name: str, file: str) -> pd.DataFrame:
        """A CSV or Parquet result file streamed into a DataFrame."""
        return self.client.results.read_result_dataframe(job_name, file)

    def read_bytes(self, job_name: str, file: str) -> bytes:
        """One (small) result file in memory."""
        return bytes(self.client.results.get_result_file(job_name, file))
