"""Metrics of a time-series table: on its projected sequences and its curves.

Privacy is measured on the sequences, one object per individual (the objects that were
avatarized), projected as the avatarization projected them. Signal joins the row metrics
(marginals of the values) with the curve metrics: mean curve, dispersion, autocorrelation.

Example:
    >>> metrics = series_metrics(True, original, avatars, table, tables, spec, params, seed=0)
    ... # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

import avatar_engine
from avatar_engine import ColumnType
from avatar_engine.timeseries import (
    projected_sequences,
    series_privacy_metrics,
    series_signal_metrics,
)
from avatar_server.job_series import individual_of
from avatar_server.job_tables import series_parameters
from avatar_server.resource_sets import AvatarizationSpec, TableMetrics, TableSpec

__all__ = ["series_metrics"]


def series_metrics(
    privacy: bool,
    original: pd.DataFrame,
    avatars: pd.DataFrame,
    table: TableSpec,
    tables: Sequence[TableSpec],
    spec: AvatarizationSpec | None,
    params: TableMetrics,
    left_out: Sequence[str],
    types: Mapping[str, ColumnType],
    seed: int | None,
) -> dict[str, Any]:
    """Privacy (``privacy``) or signal metrics of a time-series table.

    Args:
        privacy: privacy metrics (else signal).
        original: the original long table (every column).
        avatars: the unshuffled (privacy) or shuffled (signal) avatar long table.
        table: the table's schema.
        tables: every table of the schema.
        spec: the avatarization parameters (their time_series projection), if known.
        params: the table's metric parameters.
        left_out: columns not measured (keys, identifiers, excluded variables).
        types: declared types of the measured columns.
        seed: random choices of the attacks.
    """
    time = table.time_column()
    assert time is not None
    individual = individual_of(table, tables)
    keys = [c for c in left_out if c not in (individual, time)]
    kept = [c for c in original.columns if c not in keys]
    if privacy:
        parameters = series_parameters(spec, table.name) if spec is not None else None
        original_sequences, avatar_sequences = projected_sequences(
            original[kept], avatars[kept], individual=individual, time=time,
            parameters=parameters,
        )
        metrics = series_privacy_metrics(
            original_sequences, avatar_sequences, types=types, ncp=params.ncp, seed=seed
        )
        metrics.setdefault("details", {})["time_series"] = {
            "objects": "sequences (one per individual), projected as in the avatarization",
            "n_sequences": len(original_sequences),
            "columns": list(original_sequences.columns),
        }
        return metrics
    rows = [c for c in kept if c != individual]
    metrics = avatar_engine.compute_signal_metrics(
        original[rows], avatars[rows], types=types, ncp=params.ncp, seed=seed
    )
    curves = series_signal_metrics(original[kept], avatars[kept], individual=individual,
                                   time=time)
    metrics["metrics"].update(curves["metrics"])
    metrics["passed"] = bool(metrics["passed"]) and bool(curves["passed"])
    metrics.setdefault("details", {})["time_series"] = curves["details"]
    return metrics


def sequence_tables(
    original: pd.DataFrame,
    unshuffled: pd.DataFrame,
    table: TableSpec,
    tables: Sequence[TableSpec],
    spec: AvatarizationSpec | None,
    left_out: Sequence[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The projected sequences of originals and avatars (one row per individual), for plots.

    Args:
        original: the original long table (every column).
        unshuffled: the unshuffled avatar long table.
        table: the table's schema.
        tables: every table of the schema.
        spec: the avatarization parameters (their time_series projection), if known.
        left_out: columns not measured (keys, identifiers, excluded variables).
    """
    time = table.time_column()
    assert time is not None
    individual = individual_of(table, tables)
    keys = [c for c in left_out if c not in (individual, time)]
    kept = [c for c in original.columns if c not in keys]
    return projected_sequences(
        original[kept], unshuffled[kept], individual=individual, time=time,
        parameters=series_parameters(spec, table.name) if spec is not None else None,
    )
