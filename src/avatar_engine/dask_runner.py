"""The batches of a large table as tasks on a Dask cluster (``distributed``).

:class:`DaskExecutor` runs :func:`avatar_engine.batches.avatarize_batch` on the workers of a
Dask scheduler: the shared projection is sent once to every worker, the batches are sent as
they are read (at most ``2 x workers + 1`` in flight, so the client never holds the table) and
the results come back in batch order. With the same seed the avatars are the same as with the
in-process executor: each batch's seed depends only on the run's seed and the batch's index.

:func:`dask_executor` connects to a scheduler address (``tcp://host:8786``) or, without one,
starts a :class:`distributed.LocalCluster` on this machine for the duration of the run.

Example:
    >>> with dask_executor(None, workers=2) as executor:
    ...     run = avatarize_in_batches("big.parquet", "avatars.parquet", parameters,
    ...                                executor=executor)  # doctest: +SKIP
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd

from avatar_engine.batches import BatchJob, BatchResult, avatarize_batch
from avatar_engine.errors import InvalidParameterError

__all__ = ["DaskExecutor", "dask_executor"]


class DaskExecutor:
    """Runs the batches as Dask tasks through a ``distributed.Client``.

    Args:
        client: a connected ``distributed.Client``.
        in_flight: batches sent ahead of the results (default: 2 per worker, plus one).

    Example:
        >>> executor = DaskExecutor(
        ...     Client(LocalCluster(n_workers=2, processes=False)))  # doctest: +SKIP
    """

    def __init__(self, client: Any, in_flight: int | None = None) -> None:
        self.client = client
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        self.in_flight = in_flight or 2 * workers + 1

    def run(self, batches: Iterator[pd.DataFrame], job: BatchJob) -> Iterator[BatchResult]:
        """Send each batch to the cluster; yield the results in batch order."""
        shared = self.client.scatter(job, broadcast=True)
        pending: deque[Any] = deque()
        try:
            for index, batch in enumerate(batches):
                data = self.client.scatter(batch)
                pending.append(self.client.submit(avatarize_batch, data, index, shared,
                                                  key=f"avatarize-batch-{index}-{id(job)}",
                                                  pure=False))
                del batch, data
                while len(pending) >= self.in_flight:
                    yield _take(pending)
            while pending:
                yield _take(pending)
        finally:
            for future in pending:
                future.cancel()
            shared.release()


def _take(pending: deque[Any]) -> BatchResult:
    future = pending.popleft()
    result: BatchResult = future.result()
    future.release()
    return result


@contextmanager
def dask_executor(
    scheduler: str | None = None,
    *,
    workers: int = 2,
    threads_per_worker: int = 1,
    memory_limit: str | int = "3GiB",
    processes: bool = True,
    connect_timeout: str = "10s",
) -> Iterator[DaskExecutor]:
    """A :class:`DaskExecutor` on ``scheduler``, or on a LocalCluster started for the run.

    Args:
        scheduler: address of a running Dask scheduler; None starts a LocalCluster.
        workers: LocalCluster workers.
        threads_per_worker: threads of each LocalCluster worker.
        memory_limit: memory of each LocalCluster worker.
        processes: LocalCluster workers as processes (False: threads of this process).
        connect_timeout: how long to wait for ``scheduler``.

    Raises:
        InvalidParameterError: the scheduler cannot be reached.

    Example:
        >>> with dask_executor(None, workers=2, processes=False) as executor:
        ...     executor.in_flight
        5
    """
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout=connect_timeout)
        except (OSError, TimeoutError) as error:
            raise InvalidParameterError(
                "dask_scheduler", f"Cannot reach the Dask scheduler at {scheduler!r} "
                f"({error}). Check the address (tcp://host:8786) and that it is running."
            ) from None
        try:
            yield DaskExecutor(client)
        finally:
            client.close()
        return
    cluster = LocalCluster(n_workers=workers, threads_per_worker=threads_per_worker,
                           memory_limit=memory_limit, processes=processes,
                           dashboard_address=None)
    client = Client(cluster)
    try:
        yield DaskExecutor(client)
    finally:
        client.close()
        cluster.close()
