"""Large tables in the ``standard`` job: batches sharing one projection, on Dask when large.

A table without links, time series, differential privacy or augmentation is avatarized in
batches (``avatar_engine.batches``) when its dataset has more rows than the server's
``batch_threshold_rows``, or whenever its parameters give ``batch_rows``. The dataset is read
in chunks and the shuffled avatars are written batch by batch: the job never holds the table.
The batches run on the Dask scheduler of the job (``dask_scheduler`` of the parameters), else
the server's (``--dask-scheduler``), else on a LocalCluster started for the job when the table
is above the threshold, else in the job's process. Metrics are computed per batch and written
as ``<table>.batch_metrics.json``; the metrics jobs publish them (totals, worst batch).

Example:
    >>> if wants_batches(ctx, doc, table, tables):
    ...     run_batched_table(ctx, doc, table)  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from avatar_engine.batches import (
    BatchOptions,
    InProcessExecutor,
    avatarize_in_batches,
)
from avatar_server.dataset_files import _apply_type, _decimal_commas
from avatar_server.dataset_header import csv_header, dataset_format
from avatar_server.job_context import JobContext
from avatar_server.job_failures import JobFailure
from avatar_server.job_files import write_json
from avatar_server.job_tables import (
    avatarization_parameters,
    dp_parameters_of,
    engine_types,
    key_columns,
)
from avatar_server.job_uploaded import uploaded_dataset
from avatar_server.resource_sets import AvatarizationDocument, TableSpec

__all__ = ["batch_metrics_of", "count_dataset_rows", "run_batched_table", "wants_batches"]

_CHUNK_ROWS = 131_072


def count_dataset_rows(path: Path) -> int:
    """Data rows of a dataset file: Parquet metadata, or the lines of a CSV file minus one.

    Example:
        >>> count_dataset_rows(Path("fixtures/wbcd.csv"))
        683
    """
    if dataset_format(path) == "parquet":
        import pyarrow.parquet as pq

        with pq.ParquetFile(path) as reader:
            return int(reader.metadata.num_rows)
    lines = 0
    last = b"\n"
    with path.open("rb") as handle:
        while block := handle.read(1 << 22):
            lines += block.count(b"\n")
            last = block[-1:]
    return max(0, lines + (last != b"\n") - 1)


def wants_batches(ctx: JobContext, doc: AvatarizationDocument, table: TableSpec,
                  tables: list[TableSpec]) -> bool:
    """True when ``table`` is avatarized in batches (see the module docstring)."""
    params = doc.spec.avatarization.get(table.name)
    if (params is None or len(tables) != 1 or table.links or table.time_column() is not None
            or params.data_augmentation is not None or table.data is None
            or dp_parameters_of(doc.spec, table.name) is not None
            or uploaded_dataset(ctx, table.name) is not None):
        return False
    if params.batch_rows is not None:
        return True
    path = ctx.dataset_paths.get(table.data.file)
    return path is not None and count_dataset_rows(Path(path)) > ctx.batching.threshold_rows


def _chunks(path: Path, name: str, types: Mapping[str, str]) -> Iterator[pd.DataFrame]:
    if dataset_format(path) == "parquet":
        import pyarrow.parquet as pq

        with pq.ParquetFile(path) as reader:
            frames: Iterator[pd.DataFrame] = (b.to_pandas() for b in
                                              reader.iter_batches(batch_size=_CHUNK_ROWS))
            yield from (_typed(frame, types, name) for frame in frames)
        return
    _, delimiter, encoding = csv_header(path, name)
    for frame in pd.read_csv(path, sep=delimiter, encoding=encoding, chunksize=_CHUNK_ROWS,
                             header=0, index_col=False):
        frame = _decimal_commas(frame) if delimiter != "," else frame
        yield _typed(frame, types, name)


def _typed(frame: pd.DataFrame, types: Mapping[str, str], name: str) -> pd.DataFrame:
    for column, declared in types.items():
        if column not in frame.columns:
            raise JobFailure(f"dataset {name!r} has no column {column!r}; fix the schema.")
        frame[column] = _apply_type(frame[column], declared, name)
    return frame


@contextlib.contextmanager
def _executor(ctx: JobContext, doc: AvatarizationDocument, rows: int) -> Iterator[Any]:
    scheduler = doc.spec.dask_scheduler or ctx.batching.dask_scheduler
    if scheduler is None and rows <= ctx.batching.threshold_rows:
        yield InProcessExecutor()
        return
    from avatar_engine.dask_runner import dask_executor

    with dask_executor(scheduler, workers=ctx.batching.local_workers) as executor:
        yield executor


def run_batched_table(ctx: JobContext, doc: AvatarizationDocument, table: TableSpec) -> None:
    """Avatarize ``table`` in batches and write its shuffled avatars, metadata and metrics."""
    assert table.data is not None
    params = doc.spec.avatarization[table.name]
    path = Path(ctx.dataset_paths[table.data.file])
    fmt = dataset_format(path)
    declared = table.column_types()
    header = next(_chunks(path, table.data.file, declared)).head(50)
    identifiers = key_columns(table, [table])
    options = BatchOptions(batch_rows=params.batch_rows or ctx.batching.batch_rows)
    rows = count_dataset_rows(path)
    ctx.progress(0.05, "avatarizing in batches")
    output = ctx.output_dir / f"{table.name}.shuffled.{fmt}"
    with _executor(ctx, doc, rows) as executor:
        run = avatarize_in_batches(
            lambda _rows: _chunks(path, table.data.file if table.data else "", declared),
            output, avatarization_parameters(params, doc.spec.seed), options,
            types=engine_types(table, header), identifiers=identifiers, executor=executor,
        )
    ctx.progress(0.9, "writing")
    run.original_projections.to_csv(
        ctx.output_dir / f"{table.name}.original_projections.csv", index=False)
    run.avatar_projections.to_csv(
        ctx.output_dir / f"{table.name}.avatar_projections.csv", index=False)
    metadata = dict(run.metadata)
    metadata["batches"] = {**metadata["batches"],
                           "executor": type(executor).__name__,
                           "projection_sample_rows": len(run.original_projections)}
    metadata.update(table=table.name, dataset=table.data.file, identifiers=identifiers,
                    parameters_name=ctx.parameters_name, input_format=fmt)
    write_json(ctx.output_dir / f"{table.name}.run_metadata.json", metadata)
    write_json(ctx.output_dir / f"{table.name}.batch_metrics.json", run.metrics)


def batch_metrics_of(summary: Mapping[str, Any], privacy: bool) -> dict[str, Any]:
    """The privacy (or signal) metrics document of a batched table: each metric's total
    (row-weighted mean of the batches), the worst batch of each, and the batches' values.

    Example:
        >>> batch_metrics_of({"totals": {}, "worst": {}, "worst_batch": None,
        ...                   "batches": []}, True)["passed"]
        True
    """
    from avatar_engine.metrics._common import all_passed
    from avatar_engine.metrics.privacy import PRIVACY_METRICS
    from avatar_engine.metrics.signal import SIGNAL_METRICS

    names = PRIVACY_METRICS if privacy else SIGNAL_METRICS
    metrics = {name: entry for name, entry in summary["totals"].items() if name in names}
    return {
        "metrics": metrics,
        "passed": all_passed(metrics),
        "details": {
            "batches": {
                "n_batches": len(summary["batches"]),
                "aggregation": "each metric's value is the row-weighted mean of its values "
                               "in the batches; 'worst' gives the worst batch of each",
                "worst_batch": summary["worst_batch"],
                "worst": {name: entry for name, entry in summary["worst"].items()
                          if name in names},
                "per_batch": [
                    {"batch": b["batch"], "rows": b["rows"],
                     "values": {n: e.get("value") for n, e in b["metrics"].items()
                                if n in names}}
                    for b in summary["batches"]
                ],
            },
        },
    }
