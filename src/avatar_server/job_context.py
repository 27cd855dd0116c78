"""What a job of the pipeline receives, and its progress reporting.

Example:
    >>> ctx = JobContext(kind="standard", parameters_name="standard", resource_set=rs,
    ...                  dataset_paths={"wbcd.csv": Path("wbcd.csv")}, parent_outputs={},
    ...                  output_dir=Path("out"))  # doctest: +SKIP
    >>> # check_stop raises JobCancelled once ctx.should_stop() is True
    >>> check_stop(ctx)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from avatar_engine.batches import DEFAULT_BATCH_ROWS, DEFAULT_THRESHOLD_ROWS
from avatar_server.job_failures import JobCancelled
from avatar_server.resource_sets import ResourceSet

ProgressCallback = Callable[[float, str], None]


@dataclass(frozen=True)
class Batching:
    """The server's batch settings (``--batch-threshold-rows``, ``--batch-rows``,
    ``--dask-scheduler``, ``--dask-local-workers``).

    Example:
        >>> Batching().threshold_rows
        1000000
    """

    threshold_rows: int = DEFAULT_THRESHOLD_ROWS
    batch_rows: int = DEFAULT_BATCH_ROWS
    dask_scheduler: str | None = None
    local_workers: int = 2


@dataclass
class JobContext:
    """Everything one job needs (see the module docstring).

    Attributes:
        kind: Job kind ("standard", "privacy_metrics", "signal_metrics", "report", "advice").
        parameters_name: ``metadata.name`` of the parameters document the job runs.
        resource_set: The parsed set.
        dataset_paths: Dataset name (``data.file``) -> path of the uploaded file.
        parent_outputs: Parent job kind -> its results directory.
        output_dir: Empty directory for this job's result files.
        progress: Called with (overall fraction 0..1, phase name).
        should_stop: Polled at safe points; True cancels the job.
        batching: When and where large tables are avatarized in batches.
    """

    kind: str
    parameters_name: str
    resource_set: ResourceSet
    dataset_paths: Mapping[str, Path]
    parent_outputs: Mapping[str, Path]
    output_dir: Path
    progress: ProgressCallback = field(default=lambda fraction, phase: None)
    should_stop: Callable[[], bool] = field(default=lambda: False)
    batching: Batching = field(default_factory=Batching)


class MonotonicProgress:
    """Forwards progress, never going backwards (engine phases may restart their count)."""

    def __init__(self, forward: ProgressCallback) -> None:
        self._forward = forward
        self._last = 0.0

    def __call__(self, fraction: float, phase: str) -> None:
        self._last = max(self._last, min(max(round(float(fraction), 4), 0.0), 1.0))
        self._forward(self._last, phase)


def check_stop(ctx: JobContext) -> None:
    if ctx.should_stop():
        raise JobCancelled()


def scaled_progress(ctx: JobContext, start: float, end: float) -> ProgressCallback:
    """A progress callback mapping the engine's 0..1 onto ``start..end`` of the job."""

    def report(fraction: float, phase: str) -> None:
        fraction = min(max(float(fraction), 0.0), 1.0)
        ctx.progress(start + (end - start) * fraction, phase)

    return report


def table_spans(count: int) -> Iterator[tuple[float, float]]:
    for i in range(count):
        yield i / count, (i + 1) / count
