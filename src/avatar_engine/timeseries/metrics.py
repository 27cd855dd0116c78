"""Metrics of avatar time series: mean curves, dispersion, autocorrelation, privacy.

Signal: per time-varying variable, the mean curve and the dispersion (standard deviation
across individuals) of originals and avatars at each time (on the shared time points when the
tables have few distinct times, else on the aligned relative grid), the mean curve error
relative to the originals' dispersion, and the within-individual autocorrelation at lags 1 to 3.
Privacy: the table privacy metrics (hidden rate, distance to closest, ...) computed on the
projected sequences, one object per individual (see ``sequence_table``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from avatar_engine.errors import InvalidDataError
from avatar_engine.metrics import compute_privacy_metrics
from avatar_engine.metrics._common import MetricDefinition, metric_entry
from avatar_engine.timeseries.avatarization import TimeSeriesParameters, sequence_table
from avatar_engine.timeseries.projection import SeriesProjection
from avatar_engine.timeseries.sequences import Sequences, split_sequences
from avatar_engine.types import ColumnType

__all__ = ["LAGS", "projected_sequences", "series_privacy_metrics", "series_signal_metrics"]

FloatArray = npt.NDArray[np.float64]
LAGS = (1, 2, 3)
MAX_SHARED_TIMES = 60
RELATIVE_GRID = 20
MEAN_CURVE_ERROR = MetricDefinition(
    "mean_curve_error_max", "Mean curve error (worst variable)", 0.25, "lower",
    "Mean gap between the originals' and the avatars' mean curves (each time weighing by "
    "the originals observed then), in units of the originals' dispersion across "
    "individuals, for the variable where it is largest.",
)
DISPERSION_RATIO = MetricDefinition(
    "dispersion_ratio_min", "Dispersion ratio (worst variable)", 0.7, "higher",
    "Avatars' dispersion across individuals over the originals', averaged over time, for "
    "the variable where it is smallest (1 = same spread).",
)
AUTOCORRELATION = MetricDefinition(
    "autocorrelation_difference_max", "Autocorrelation gap (worst variable and lag)", 0.2,
    "lower",
    "Largest absolute gap between the originals' and the avatars' within-individual "
    "autocorrelations at lags 1 to 3.",
)


def _autocorrelation(sequences: Sequences, variable: str, lag: int) -> float | None:
    values = sequences.data[variable].to_numpy(np.float64)
    numerator = denominator = 0.0
    for i in range(len(sequences.lengths)):
        series = values[sequences.span(i)]
        series = series[~np.isnan(series)]
        if len(series) <= lag:
            continue
        centred = series - series.mean()
        numerator += float(centred[:-lag] @ centred[lag:])
        denominator += float(centred @ centred)
    return None if denominator <= 0 else numerator / denominator


def _curves_by_time(original: pd.DataFrame, avatars: pd.DataFrame, time: str,
                    variable: str) -> dict[str, list[float]]:
    stats = []
    for frame in (original, avatars):
        grouped = frame.groupby(time, sort=True)[variable]
        stats.append((grouped.mean(), grouped.std(ddof=0), grouped.count()))
    shared = stats[0][0].index.intersection(stats[1][0].index)
    times = shared
    if pd.api.types.is_datetime64_any_dtype(original[time].dtype):
        numbers = pd.Series(shared).astype("datetime64[ns]").astype(np.int64) / 1e9
        as_numbers = [float(t) for t in numbers]
    else:
        as_numbers = [float(t) for t in times]
    return {
        "time": as_numbers,
        "original_mean": [float(v) for v in stats[0][0].reindex(shared)],
        "original_std": [float(v) for v in stats[0][1].reindex(shared)],
        "avatar_mean": [float(v) for v in stats[1][0].reindex(shared)],
        "avatar_std": [float(v) for v in stats[1][1].reindex(shared)],
        "original_count": [int(v) for v in stats[0][2].reindex(shared)],
    }


def _curves_on_grid(original: Sequences, avatars: Sequences, variable: str
                    ) -> dict[str, list[float]]:
    o, a = original.curves[variable], avatars.curves[variable]
    return {
        "time": [float(t) for t in np.linspace(0.0, 1.0, o.shape[1])],
        "original_mean": [float(v) for v in o.mean(axis=0)],
        "original_std": [float(v) for v in o.std(axis=0)],
        "avatar_mean": [float(v) for v in a.mean(axis=0)],
        "avatar_std": [float(v) for v in a.std(axis=0)],
        "original_count": [int(o.shape[0])] * o.shape[1],
    }


def series_signal_metrics(
    original: pd.DataFrame,
    avatars: pd.DataFrame,
    *,
    individual: str,
    time: str,
    identifiers: Sequence[str] = (),
) -> dict[str, Any]:
    """Mean curve, dispersion and autocorrelation of each time-varying variable.

    Args:
        original: the original long table.
        avatars: the avatar long table (shuffled or not).
        individual: the column naming each row's individual.
        time: the time column.
        identifiers: other key columns (left out).

    Returns:
        {"metrics": {...}, "passed": bool, "details": {"variables": {variable: {...}},
        "time_axis": "time" or "relative"}} (JSON-ready); each variable's details hold its
        curves (time, mean and std of originals and avatars), mean curve error, dispersion
        ratio and autocorrelations.

    Example:
        >>> frame = pd.DataFrame({"id": [1, 1, 2, 2], "t": [0, 1, 0, 1],
        ...                       "y": [1.0, 2.0, 3.0, 5.0]})
        >>> result = series_signal_metrics(frame, frame, individual="id", time="t")
        >>> result["metrics"]["mean_curve_error_max"]["value"]
        0.0
    """
    seq_o, size = split_sequences(original, individual, time, identifiers=identifiers)
    seq_a, _ = split_sequences(
        avatars, individual, time, size, identifiers=identifiers,
        layout=(seq_o.variables, seq_o.static),
    )
    shared_times = original[time].nunique() <= MAX_SHARED_TIMES
    if not shared_times:
        seq_o, _ = split_sequences(original, individual, time, RELATIVE_GRID,
                                   identifiers=identifiers)
        seq_a, _ = split_sequences(avatars, individual, time, RELATIVE_GRID,
                                   identifiers=identifiers,
                                   layout=(seq_o.variables, seq_o.static))
    details: dict[str, Any] = {}
    errors, ratios, gaps = [], [], []
    for variable in seq_o.variables:
        curves = (_curves_by_time(seq_o.data, seq_a.data, time, variable) if shared_times
                  else _curves_on_grid(seq_o, seq_a, variable))
        o_mean, a_mean = np.array(curves["original_mean"]), np.array(curves["avatar_mean"])
        o_std, a_std = np.array(curves["original_std"]), np.array(curves["avatar_std"])
        # each time weighs by the originals observed then (rare times are noisy)
        weight = np.array(curves["original_count"], dtype=np.float64)
        known = ~(np.isnan(o_mean) | np.isnan(a_mean) | np.isnan(o_std) | np.isnan(a_std))
        weight = np.where(known, weight, 0.0)
        total = float(weight.sum())
        spread = float(np.nansum(weight * o_std)) / total if total > 0 else 0.0
        gap = float(np.nansum(weight * np.abs(o_mean - a_mean))) / total if total > 0 else 0.0
        error = gap / spread if spread > 0 else (0.0 if gap == 0 else float("inf"))
        avatar_spread = float(np.nansum(weight * a_std)) / total if total > 0 else 0.0
        ratio = avatar_spread / spread if spread > 0 else 1.0
        autocorrelation: dict[str, Any] = {}
        for lag in LAGS:
            r_o = _autocorrelation(seq_o, variable, lag)
            r_a = _autocorrelation(seq_a, variable, lag)
            difference = None if r_o is None or r_a is None else abs(r_o - r_a)
            autocorrelation[str(lag)] = {
                "original": None if r_o is None else round(r_o, 6),
                "avatar": None if r_a is None else round(r_a, 6),
                "difference": None if difference is None else round(difference, 6),
            }
            if difference is not None:
                gaps.append(difference)
        errors.append(error)
        ratios.append(ratio)
        details[variable] = {
            "mean_curve_error": round(error, 6) if np.isfinite(error) else None,
            "dispersion_ratio": round(ratio, 6),
            "autocorrelation": autocorrelation,
            "curves": curves,
        }
    metrics = {
        MEAN_CURVE_ERROR.name: metric_entry(MEAN_CURVE_ERROR, max(errors)),
        DISPERSION_RATIO.name: metric_entry(DISPERSION_RATIO, min(ratios)),
        AUTOCORRELATION.name: metric_entry(AUTOCORRELATION, max(gaps) if gaps else None),
    }
    return {
        "metrics": metrics,
        "passed": all(entry["passed"] is not False for entry in metrics.values()),
        "details": {
            "variables": details,
            "time_axis": "time" if shared_times else "relative",
            "n_individuals": {"original": len(seq_o.lengths), "avatar": len(seq_a.lengths)},
        },
    }


def series_privacy_metrics(
    original_sequences: pd.DataFrame,
    avatar_sequences: pd.DataFrame,
    *,
    types: Mapping[str, ColumnType] | None = None,
    ncp: int = 5,
    seed: int | None = None,
) -> dict[str, Any]:
    """Privacy metrics of avatar sequences against the originals', one object per individual.

    Args:
        original_sequences: one row per original individual (``sequence_table``).
        avatar_sequences: row i is the sequence of the avatar of individual i.
        types: type overrides of the static variables.
        ncp: components of the projection fitted on the original sequences.
        seed: random choices of the attacks.

    Returns:
        The table privacy metrics (``compute_privacy_metrics``) of the sequences.

    Example:
        >>> rows = pd.DataFrame({"y.fpc1": [0.0, 1.0, 2.0, 3.0], "y.fpc2": [1.0, 0.0, 1.0, 0.0]})
        >>> series_privacy_metrics(rows, rows, ncp=2)["metrics"]["hidden_rate"]["value"]
        0.0
    """
    columns = [c for c in original_sequences.columns if original_sequences[c].nunique() > 1]
    return compute_privacy_metrics(
        original_sequences[columns].reset_index(drop=True),
        avatar_sequences[columns].reset_index(drop=True),
        types={k: v for k, v in (types or {}).items() if k in columns},
        ncp=min(ncp, len(columns)),
        seed=seed,
    )


def projected_sequences(
    original: pd.DataFrame,
    avatars: pd.DataFrame,
    *,
    individual: str,
    time: str,
    parameters: TimeSeriesParameters | None = None,
    identifiers: Sequence[str] = (),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sequences of originals and of their avatars, projected as the avatarization did.

    The avatar table is the unshuffled one: its sequences come in the order of the originals'
    (the i-th individual of ``avatars`` is the avatar of the i-th of ``original``), whatever
    their identifiers.

    Returns:
        (original sequences, avatar sequences), one row per individual (``sequence_table``).

    Raises:
        InvalidDataError: the tables do not have the same number of individuals.

    Example:
        >>> frame = pd.DataFrame({"id": [1, 1, 2, 2, 3, 3], "t": [0, 1] * 3,
        ...                       "y": [1.0, 2.0, 3.0, 5.0, 2.0, 2.0]})
        >>> o, a = projected_sequences(frame, frame, individual="id", time="t")
        >>> o.shape, bool((o == a).all().all())
        ((3, 5), True)
    """
    parameters = parameters or TimeSeriesParameters()
    seq_o, size = split_sequences(
        original, individual, time, method=parameters.method, nb_points=parameters.nb_points,
        identifiers=identifiers,
    )
    seq_a, _ = split_sequences(
        avatars, individual, time, size, identifiers=identifiers,
        layout=(seq_o.variables, seq_o.static),
    )
    if len(seq_a.lengths) != len(seq_o.lengths):
        raise InvalidDataError(
            f"The avatars hold {len(seq_a.lengths)} sequences and the originals "
            f"{len(seq_o.lengths)}: sequence-level privacy metrics need one avatar sequence "
            "per individual."
        )
    projection = SeriesProjection(parameters.projection_type, nf=parameters.nf)
    projection.fit(seq_o.curves)
    return sequence_table(seq_o, projection), sequence_table(seq_a, projection)
