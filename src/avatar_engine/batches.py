"""Avatarization of a large table in batches that share one projection (ENGINE.md, "Batches").

A table of more rows than a threshold is avatarized batch by batch. The codec (types,
modalities, ranges), the imputation donors and the FAMD axes are fitted once, on a uniform
reference sample of the whole table, and shared by every batch (:class:`SharedProjection`):
all batches live in one projected space. Each batch is then avatarized on its own: the k
neighbours of an individual are found among the individuals of its batch, and the privacy and
signal metrics are computed per batch; the totals are the row-weighted means of the batches'
values and the worst batch is reported with them.

The table is read in chunks (Parquet with pyarrow, CSV with pandas, or a DataFrame) and the
avatars are written batch by batch (Parquet or CSV): no process holds the whole table, only a
few batches. The batches run through an executor: :class:`InProcessExecutor` (one after the
other, in this process) or ``dask_runner.DaskExecutor`` (as tasks on a Dask cluster); both
give the same avatars for the same seed.

Example:
    >>> frame = pd.DataFrame({"age": np.arange(600) % 70, "sex": ["f", "m", "f"] * 200})
    >>> run = avatarize_in_batches(frame, "avatars.parquet",
    ...                            AvatarizationParameters(k=5, ncp=2, seed=1),
    ...                            BatchOptions(batch_rows=200, reference_rows=300))
    >>> run.n_batches, run.n_rows
    (3, 600)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from avatar_engine.avatarization import (
    AvatarizationParameters,
    SharedProjection,
    _weights,
    avatarize,
    prepare_table,
)
from avatar_engine.errors import InvalidDataError, InvalidParameterError
from avatar_engine.imputation import ImputationMethod, impute
from avatar_engine.metrics import compute_privacy_metrics, compute_signal_metrics
from avatar_engine.projection import Famd
from avatar_engine.types import ColumnType

__all__ = [
    "DEFAULT_BATCH_ROWS",
    "DEFAULT_REFERENCE_ROWS",
    "DEFAULT_THRESHOLD_ROWS",
    "BatchExecutor",
    "BatchJob",
    "BatchOptions",
    "BatchResult",
    "BatchedRun",
    "InProcessExecutor",
    "avatarize_batch",
    "avatarize_in_batches",
    "batch_sizes",
    "count_rows",
    "fit_shared_projection",
    "read_chunks",
    "reference_sample",
    "summarize_metrics",
]

DEFAULT_BATCH_ROWS = 500_000
DEFAULT_REFERENCE_ROWS = 100_000
DEFAULT_THRESHOLD_ROWS = 1_000_000
READ_CHUNK_ROWS = 131_072

TableSource = pd.DataFrame | str | Path


@dataclass(frozen=True)
class BatchOptions:
    """How a large table is cut.

    Attributes:
        batch_rows: rows per batch at most (the batches are of equal size, within one row).
        reference_rows: rows of the uniform sample the shared projection is fitted on.
        metrics: compute the privacy and signal metrics of each batch.
        projection_sample_rows: rows of each batch whose projections are kept (figures).

    Example:
        >>> BatchOptions(batch_rows=100_000).reference_rows
        100000
    """

    batch_rows: int = DEFAULT_BATCH_ROWS
    reference_rows: int = DEFAULT_REFERENCE_ROWS
    metrics: bool = True
    projection_sample_rows: int = 2_000

    def check(self, k: int) -> None:
        """Refuse sizes that cannot give k neighbours inside a batch.

        Example:
            >>> BatchOptions(batch_rows=10).check(20)
            Traceback (most recent call last):
            ...
            avatar_engine.errors.InvalidParameterError: batch_rows=10 must be more than k...
        """
        if not isinstance(self.batch_rows, int) or self.batch_rows <= max(2 * k, 2):
            raise InvalidParameterError(
                "batch_rows", f"batch_rows={self.batch_rows!r} must be more than k (and at "
                f"least 2 k + 1 = {2 * k + 1}): each individual's neighbours come from its own "
                f"batch; 500000 is typical."
            )
        if not isinstance(self.reference_rows, int) or self.reference_rows <= k:
            raise InvalidParameterError(
                "reference_rows", f"reference_rows={self.reference_rows!r} must be more than "
                f"k; 100000 is typical."
            )


@dataclass(frozen=True)
class BatchJob:
    """What every batch needs besides its rows (sent once to each worker)."""

    parameters: AvatarizationParameters
    shared: SharedProjection
    options: BatchOptions
    types: Mapping[str, ColumnType] | None = None
    identifiers: Sequence[str] = ()


@dataclass
class BatchResult:
    """One avatarized batch.

    Attributes:
        index: position of the batch in the table (0 first).
        n_rows: rows of the batch.
        shuffled: its avatars, rows permuted within the batch.
        metrics: privacy and signal metrics of the batch ({} when not computed).
        metadata: the batch's run metadata (timings, imputation...).
        original_projections: a sample of the originals' coordinates (shared space).
        avatar_projections: the avatars' coordinates on the same rows.
        seconds: wall time of the batch in its worker.
    """

    index: int
    n_rows: int
    shuffled: pd.DataFrame
    metrics: dict[str, dict[str, Any]]
    metadata: dict[str, Any]
    original_projections: pd.DataFrame
    avatar_projections: pd.DataFrame
    seconds: float


@dataclass
class BatchedRun:
    """What :func:`avatarize_in_batches` did.

    Attributes:
        n_rows: rows avatarized.
        n_batches: number of batches.
        batch_rows: rows of each batch.
        reference_rows: rows of the reference sample.
        metrics: ``{"totals": ..., "worst": ..., "batches": [...]}`` (see summarize_metrics).
        batch_seconds: wall time of each batch in its worker.
        original_projections: the kept samples of the originals' coordinates.
        avatar_projections: the avatars' coordinates on the same rows.
        metadata: JSON-ready description of the run.
    """

    n_rows: int
    n_batches: int
    batch_rows: list[int]
    reference_rows: int
    metrics: dict[str, Any]
    batch_seconds: list[float]
    original_projections: pd.DataFrame
    avatar_projections: pd.DataFrame
    metadata: dict[str, Any] = field(default_factory=dict)


def read_chunks(source: TableSource, chunk_rows: int = READ_CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """The rows of a DataFrame, a Parquet file or a CSV file, ``chunk_rows`` at a time.

    Example:
        >>> [len(c) for c in read_chunks(pd.DataFrame({"a": range(5)}), 2)]
        [2, 2, 1]
    """
    if isinstance(source, pd.DataFrame):
        for start in range(0, len(source), chunk_rows):
            yield source.iloc[start:start + chunk_rows]
        return
    path = Path(source)
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        with pq.ParquetFile(path) as reader:
            for record_batch in reader.iter_batches(batch_size=chunk_rows):
                yield record_batch.to_pandas()
        return
    if path.suffix.lower() == ".csv":
        yield from pd.read_csv(path, chunksize=chunk_rows)
        return
    raise InvalidDataError(
        f"Cannot read '{path.name}' in batches: use a .parquet or .csv file."
    )


def count_rows(source: TableSource) -> int | None:
    """Rows of a DataFrame or a Parquet file (its metadata); None for a CSV file (unknown).

    Example:
        >>> count_rows(pd.DataFrame({"a": range(5)}))
        5
    """
    if isinstance(source, pd.DataFrame):
        return len(source)
    if Path(source).suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        with pq.ParquetFile(source) as reader:
            return int(reader.metadata.num_rows)
    return None


def reference_sample(
    chunks: Iterable[pd.DataFrame], rows: int, rng: np.random.Generator,
    n_rows: int | None = None,
) -> tuple[pd.DataFrame, int]:
    """A uniform sample of ``rows`` rows of a stream of chunks (one pass), and the row count.

    With the row count known (``n_rows``), the sampled positions are drawn first and taken
    from each chunk as it passes. Otherwise each row draws a random key and the rows with the
    smallest keys are kept. Either way the sample is in table order.

    Example:
        >>> chunks = read_chunks(pd.DataFrame({"a": range(100)}), 30)
        >>> sample, total = reference_sample(chunks, 10, np.random.default_rng(0))
        >>> len(sample), total
        (10, 100)
    """
    if n_rows is not None:
        return _sample_positions(chunks, rows, rng, n_rows), n_rows
    kept: pd.DataFrame | None = None
    kept_keys = np.empty(0)
    kept_positions = np.empty(0, dtype=np.int64)
    total = 0
    for chunk in chunks:
        keys = rng.random(len(chunk))
        positions = np.arange(total, total + len(chunk))
        total += len(chunk)
        frame = chunk.reset_index(drop=True)
        if kept is not None:
            frame = pd.concat([kept, frame], ignore_index=True)
            keys = np.concatenate([kept_keys, keys])
            positions = np.concatenate([kept_positions, positions])
        if len(frame) > rows:
            chosen = np.sort(np.argpartition(keys, rows - 1)[:rows])
            frame = frame.iloc[chosen].reset_index(drop=True)
            keys, positions = keys[chosen], positions[chosen]
        kept, kept_keys, kept_positions = frame, keys, positions
    if kept is None:
        raise InvalidDataError("The table is empty: it needs rows to avatarize.")
    order = np.argsort(kept_positions, kind="stable")
    return kept.iloc[order].reset_index(drop=True), total


def _sample_positions(chunks: Iterable[pd.DataFrame], rows: int, rng: np.random.Generator,
                      n_rows: int) -> pd.DataFrame:
    positions = np.sort(rng.choice(n_rows, size=min(rows, n_rows), replace=False))
    parts: list[pd.DataFrame] = []
    start = 0
    for chunk in chunks:
        low, high = np.searchsorted(positions, [start, start + len(chunk)])
        if high > low:
            parts.append(chunk.iloc[positions[low:high] - start])
        start += len(chunk)
    if start != n_rows:
        raise InvalidDataError(f"The table has {start} rows, not the {n_rows} its file "
                               f"header announces; write the file again.")
    if not parts:
        raise InvalidDataError("The table is empty: it needs rows to avatarize.")
    return pd.concat(parts, ignore_index=True)


def batch_sizes(n_rows: int, batch_rows: int) -> list[int]:
    """Sizes of the batches of a table: as few as ``batch_rows`` allows, equal within one row.

    Example:
        >>> batch_sizes(1_000_001, 500_000)
        [333334, 333334, 333333]
    """
    n_batches = max(1, math.ceil(n_rows / batch_rows))
    base, extra = divmod(n_rows, n_batches)
    return [base + 1] * extra + [base] * (n_batches - extra)


def _rebatch(chunks: Iterable[pd.DataFrame], sizes: Sequence[int]) -> Iterator[pd.DataFrame]:
    iterator = iter(chunks)
    buffer: list[pd.DataFrame] = []
    buffered = 0
    for size in sizes:
        while buffered < size:
            chunk = next(iterator, None)
            if chunk is None:
                raise InvalidDataError("The table changed while it was read: it has fewer "
                                       "rows than when it was counted.")
            buffer.append(chunk)
            buffered += len(chunk)
        frame = pd.concat(buffer, ignore_index=True) if len(buffer) > 1 else buffer[0]
        yield frame.iloc[:size].reset_index(drop=True)
        rest = frame.iloc[size:]
        buffer = [rest] if len(rest) else []
        buffered = len(rest)


def fit_shared_projection(
    reference: pd.DataFrame,
    parameters: AvatarizationParameters,
    *,
    types: Mapping[str, ColumnType] | None = None,
    identifiers: Sequence[str] = (),
) -> SharedProjection:
    """Fit the codec, the imputation donors and the FAMD axes on a reference sample.

    Example:
        >>> frame = pd.DataFrame({"age": range(40), "sex": ["f", "m"] * 20})
        >>> fit_shared_projection(frame, AvatarizationParameters(k=5, ncp=2)).columns
        ['age', 'sex']
    """
    excluded = [str(c) for c in parameters.exclude_variables]
    _, columns, passed, column_types, codec, encoded = prepare_table(
        reference, parameters, types, [str(c) for c in identifiers], excluded
    )
    n_modalities = codec.n_projected_modalities()
    projected = codec.projected_codes(encoded.codes)
    continuous, codes, _ = impute(
        encoded.continuous, projected, n_modalities,
        method=ImputationMethod(parameters.imputation_method), k=parameters.imputation_k,
        training_fraction=float(parameters.imputation_training_fraction),
        rng=np.random.default_rng(parameters.seed),
    )
    famd = Famd(parameters.ncp)
    continuous_weights, categorical_weights = _weights(codec, parameters.column_weights)
    famd.fit(continuous, codes, n_modalities, continuous_weights=continuous_weights,
             categorical_weights=categorical_weights)
    complete = ~(np.isnan(encoded.continuous).any(axis=1) | (projected < 0).any(axis=1))
    return SharedProjection(
        columns=columns, passed=passed, column_types=column_types, codec=codec, famd=famd,
        donor_continuous=encoded.continuous[complete], donor_codes=projected[complete],
        reference_rows=len(reference),
    )


def _batch_seed(seed: int | None, index: int) -> int | None:
    if seed is None:
        return None
    return int(np.random.SeedSequence([int(seed) % 2**64, index]).generate_state(1)[0])


def avatarize_batch(batch: pd.DataFrame, index: int, job: BatchJob) -> BatchResult:
    """Avatarize one batch in the shared projection; neighbours come from the batch itself.

    Example:
        >>> frame = pd.DataFrame({"age": range(60), "sex": ["f", "m", "f"] * 20})
        >>> params = AvatarizationParameters(k=5, ncp=2, seed=1)
        >>> job = BatchJob(params, fit_shared_projection(frame, params), BatchOptions())
        >>> avatarize_batch(frame.iloc[:30], 0, job).n_rows
        30
    """
    started = time.perf_counter()
    parameters = replace(job.parameters, seed=_batch_seed(job.parameters.seed, index))
    result = avatarize(batch, parameters, types=job.types, identifiers=job.identifiers,
                       shared=job.shared)
    metrics: dict[str, dict[str, Any]] = {}
    if job.options.metrics:
        measured = [c for c in batch.columns if c not in set(job.identifiers)]
        privacy = compute_privacy_metrics(
            batch[measured], result.unshuffled[measured], types=job.shared.column_types,
            ncp=parameters.ncp, seed=parameters.seed,
        )
        signal = compute_signal_metrics(
            batch[measured], result.shuffled[measured], types=job.shared.column_types,
            ncp=parameters.ncp, seed=parameters.seed,
        )
        metrics = {name: entry for block in (privacy, signal)
                   for name, entry in block["metrics"].items()}
    rng = np.random.default_rng(parameters.seed)
    kept = min(len(batch), job.options.projection_sample_rows)
    rows = np.sort(rng.choice(len(batch), size=kept, replace=False))
    return BatchResult(
        index=index, n_rows=len(batch), shuffled=result.shuffled, metrics=metrics,
        metadata=result.metadata,
        original_projections=result.original_projections.iloc[rows].reset_index(drop=True),
        avatar_projections=result.avatar_projections.iloc[rows].reset_index(drop=True),
        seconds=time.perf_counter() - started,
    )


class BatchExecutor(Protocol):
    """Runs :func:`avatarize_batch` on a stream of batches, results in batch order."""

    def run(self, batches: Iterator[pd.DataFrame], job: BatchJob) -> Iterator[BatchResult]:
        """Yield the result of each batch, in the order of ``batches``."""
        ...


class InProcessExecutor:
    """The batches one after the other, in this process (small tables, tests).

    Example:
        >>> run = avatarize_in_batches(frame, "avatars.parquet", parameters,
        ...                            executor=InProcessExecutor())  # doctest: +SKIP
    """

    def run(self, batches: Iterator[pd.DataFrame], job: BatchJob) -> Iterator[BatchResult]:
        """Avatarize each batch here, in order."""
        for index, batch in enumerate(batches):
            yield avatarize_batch(batch, index, job)


class _TableWriter:
    """Appends batches to one Parquet or CSV file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.kind = path.suffix.lower()
        if self.kind not in (".parquet", ".csv"):
            raise InvalidDataError(
                f"Cannot write '{path.name}' in batches: use a .parquet or .csv file."
            )
        self._writer: Any = None
        self._schema: Any = None
        self._started = False

    def write(self, frame: pd.DataFrame) -> None:
        if self.kind == ".csv":
            frame.to_csv(self.path, mode="a" if self._started else "w",
                         header=not self._started, index=False)
            self._started = True
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self._writer is None:
            table = pa.Table.from_pandas(frame, preserve_index=False)
            self._schema = table.schema
            self._writer = pq.ParquetWriter(self.path, self._schema)
        else:
            table = pa.Table.from_pandas(frame, schema=self._schema, preserve_index=False)
        self._writer.write_table(table)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


def _worst(values: list[tuple[int, float]], direction: str) -> tuple[int, float]:
    pick = min if direction == "higher" else max
    return pick(values, key=lambda item: item[1])


def summarize_metrics(results: Sequence[BatchResult]) -> dict[str, Any]:
    """Totals (row-weighted means over batches), the worst batch of each metric and overall.

    The worst batch overall is the one that fails the most metrics (ties: the one furthest
    below the hidden-rate target, then the first).

    Example:
        >>> summarize_metrics([])["batches"]
        []
    """
    batches = [{"batch": r.index, "rows": r.n_rows, "metrics": r.metrics} for r in results]
    totals: dict[str, dict[str, Any]] = {}
    worst: dict[str, dict[str, Any]] = {}
    names = list(results[0].metrics) if results else []
    for name in names:
        entries = [(r.index, r.n_rows, r.metrics.get(name, {})) for r in results]
        valued = [(i, n, e) for i, n, e in entries if e.get("value") is not None]
        template = entries[0][2]
        if not valued:
            totals[name] = {**template, "value": None, "passed": None}
            continue
        weight = sum(n for _, n, _ in valued)
        mean = sum(n * float(e["value"]) for _, n, e in valued) / weight
        target, direction = template.get("target"), template.get("direction", "higher")
        passed = None if target is None else bool(
            mean > target if direction == "higher" else mean < target)
        totals[name] = {**template, "value": round(mean, 6), "passed": passed,
                        "aggregation": "row-weighted mean of the batches"}
        index, value = _worst([(i, float(e["value"])) for i, _, e in valued], direction)
        worst[name] = {"batch": index, "value": value,
                       "passed": next(e["passed"] for i, _, e in valued if i == index)}
    failures = [(sum(1 for e in r.metrics.values() if e.get("passed") is False),
                 -float(r.metrics.get("hidden_rate", {}).get("value") or 0.0), -r.index)
                for r in results]
    overall = None
    if results:
        overall = results[max(range(len(results)), key=lambda i: failures[i])].index
    return {"totals": totals, "worst": worst, "worst_batch": overall, "batches": batches}


def avatarize_in_batches(
    source: TableSource | Callable[[int], Iterator[pd.DataFrame]],
    output: str | Path,
    parameters: AvatarizationParameters,
    options: BatchOptions | None = None,
    *,
    types: Mapping[str, ColumnType] | None = None,
    identifiers: Sequence[str] = (),
    executor: BatchExecutor | None = None,
) -> BatchedRun:
    """Avatarize a table batch by batch and write its avatars to ``output`` (.parquet/.csv).

    Args:
        source: a DataFrame, a .parquet or .csv path, or a function that returns a fresh
            iterator of chunks of the given number of rows (read twice: sample, then batches).
        output: where the avatars are written, batch after batch (rows permuted within each
            batch; batches in table order).
        parameters: the avatarization parameters (the same for every batch; each batch
            draws its own seed from ``parameters.seed``).
        options: batch and reference sizes.
        types: column -> type overrides.
        identifiers: key columns passed through unchanged.
        executor: where the batches run (default: in this process).

    Returns:
        The run: sizes, per-batch and total metrics, projection samples, metadata.

    Example:
        >>> frame = pd.DataFrame({"age": np.arange(90) % 40, "sex": ["f", "m", "f"] * 30})
        >>> avatarize_in_batches(frame, "out.csv", AvatarizationParameters(k=5, ncp=2, seed=1),
        ...                      BatchOptions(batch_rows=40, reference_rows=60)).batch_rows
        [30, 30, 30]
    """
    options = options or BatchOptions()
    options.check(parameters.k)
    started = time.perf_counter()
    reader: Callable[[int], Iterator[pd.DataFrame]]
    known: int | None = None
    if callable(source) and not isinstance(source, pd.DataFrame):
        reader = source
    else:
        table_source = source
        known = count_rows(table_source)

        def reader(rows: int) -> Iterator[pd.DataFrame]:
            return read_chunks(table_source, rows)

    rng = np.random.default_rng(parameters.seed)
    reference, n_rows = reference_sample(reader(READ_CHUNK_ROWS), options.reference_rows, rng,
                                         known)
    shared = fit_shared_projection(reference, parameters, types=types, identifiers=identifiers)
    del reference
    fitted = time.perf_counter() - started
    sizes = batch_sizes(n_rows, options.batch_rows)
    job = BatchJob(parameters=parameters, shared=shared, options=options, types=types,
                   identifiers=tuple(identifiers))
    writer = _TableWriter(Path(output))
    results: list[BatchResult] = []
    originals: list[pd.DataFrame] = []
    avatars: list[pd.DataFrame] = []
    try:
        for result in (executor or InProcessExecutor()).run(
                _rebatch(reader(READ_CHUNK_ROWS), sizes), job):
            writer.write(result.shuffled)
            originals.append(result.original_projections)
            avatars.append(result.avatar_projections)
            result.shuffled = result.shuffled.iloc[:0]
            results.append(result)
    finally:
        writer.close()
    summary = summarize_metrics(results) if options.metrics else {}
    metadata = {
        "batches": {
            "n_batches": len(sizes),
            "batch_rows": sizes,
            "reference_rows": shared.reference_rows,
            "neighbours": "found among the individuals of the same batch",
            "projection": "fitted once on the reference sample, shared by every batch",
            "batch_seconds": [round(r.seconds, 3) for r in results],
            "fit_seconds": round(fitted, 3),
            "total_seconds": round(time.perf_counter() - started, 3),
        },
        "parameters": parameters.to_dict(),
        "n_rows": n_rows,
        "projection": results[0].metadata.get("projection") if results else None,
    }
    return BatchedRun(
        n_rows=n_rows, n_batches=len(sizes), batch_rows=sizes,
        reference_rows=shared.reference_rows, metrics=summary,
        batch_seconds=[r.seconds for r in results],
        original_projections=pd.concat(originals, ignore_index=True),
        avatar_projections=pd.concat(avatars, ignore_index=True),
        metadata=metadata,
    )
