"""Long time-series tables as one object per individual: its static values and aligned curves.

A long table has one row per individual and time point. Its columns are the individual's
identifier, the time column, time-varying numeric variables and static variables (constant
within every individual: sex, diet, ...). ``split_sequences`` orders the rows and aligns each
individual's curves on a common grid; the avatarization then treats each individual's whole
sequence as a single object.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from avatar_engine.errors import InvalidDataError
from avatar_engine.timeseries.projection import AlignmentMethod, align, alignment_points

__all__ = ["Sequences", "numeric_times", "split_sequences"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass
class Sequences:
    """A long table cut into individuals.

    Attributes:
        data: the rows, ordered by individual then time (index reset).
        individuals: the individuals' identifiers, in order of first appearance.
        starts: position in ``data`` of each individual's first row (plus the end).
        times: time of each row as a float (datetimes: seconds since the epoch).
        variables: the time-varying numeric columns.
        static: the columns constant within every individual.
        static_table: one row per individual with its static values.
        curves: variable -> (individuals x grid) aligned curves.
    """

    data: pd.DataFrame
    individuals: pd.Index
    starts: IntArray
    times: FloatArray
    variables: list[str]
    static: list[str]
    static_table: pd.DataFrame
    curves: dict[str, FloatArray]

    @property
    def lengths(self) -> IntArray:
        """Number of rows of each individual."""
        return np.diff(self.starts)

    def span(self, i: int) -> slice:
        """Rows of individual ``i`` in ``data``."""
        return slice(int(self.starts[i]), int(self.starts[i + 1]))


def numeric_times(values: pd.Series) -> FloatArray:
    """Times as floats: numbers as they are, datetimes in seconds since the epoch.

    Raises:
        InvalidDataError: the time column is neither numeric nor datetime, or has gaps.

    Example:
        >>> numeric_times(pd.Series(pd.to_datetime(["1970-01-01", "1970-01-02"]))).tolist()
        [0.0, 86400.0]
    """
    name = str(values.name)
    if values.isna().any():
        raise InvalidDataError(
            f"The time column '{name}' has missing values; every row of a time series needs "
            "its time.",
            column=name,
        )
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        stamps = values.dt.tz_convert(None) if getattr(values.dt, "tz", None) else values
        nanoseconds = stamps.astype("datetime64[ns]").astype(np.int64).to_numpy(np.float64)
        return np.asarray(nanoseconds / 1e9, dtype=np.float64)
    if pd.api.types.is_bool_dtype(values.dtype) or not pd.api.types.is_numeric_dtype(values.dtype):
        raise InvalidDataError(
            f"The time column '{name}' must hold numbers or datetimes, not {values.dtype}.",
            column=name,
        )
    return values.to_numpy(np.float64)


def _constant_within(frame: pd.DataFrame, column: str, group: pd.Series) -> bool:
    counts = frame[column].groupby(group, sort=False).nunique(dropna=True)
    return bool((counts <= 1).all())


def split_sequences(
    data: pd.DataFrame,
    individual: str,
    time: str,
    size: int | None = None,
    *,
    method: AlignmentMethod | str | None = None,
    nb_points: int | None = None,
    identifiers: Sequence[str] = (),
    layout: tuple[Sequence[str], Sequence[str]] | None = None,
) -> tuple[Sequences, int]:
    """Order a long table by individual and time and align each individual's curves.

    Args:
        data: the long table.
        individual: the column naming each row's individual.
        time: the time column.
        size: points of the common grid (None: from ``method`` and ``nb_points``).
        method: alignment method (see ``alignment_points``).
        nb_points: grid size of the ``specified`` method.
        identifiers: other key columns, left out of the variables.
        layout: (time-varying, static) columns when already known (avatars of a table).

    Returns:
        The sequences and the grid size used.

    Raises:
        InvalidDataError: a column is missing, or a time-varying column is not numeric.

    Example:
        >>> frame = pd.DataFrame({"id": [1, 1, 2, 2], "t": [0, 1, 0, 1],
        ...                       "y": [1.0, 2.0, 3.0, 5.0], "sex": ["f", "f", "m", "m"]})
        >>> sequences, size = split_sequences(frame, "id", "t")
        >>> sequences.variables, sequences.static, sequences.curves["y"].tolist()
        (['y'], ['sex'], [[1.0, 2.0], [3.0, 5.0]])
    """
    for column in (individual, time):
        if column not in data.columns:
            raise InvalidDataError(f"The table has no column '{column}'.", column=column)
    if data[individual].isna().any():
        raise InvalidDataError(
            f"The individual column '{individual}' has missing values; every row of a time "
            "series must name its individual.",
            column=individual,
        )
    frame = data.reset_index(drop=True)
    times_all = numeric_times(frame[time])
    first_seen = pd.factorize(frame[individual], sort=False)[0]
    order = np.lexsort((np.arange(len(frame)), times_all, first_seen))
    frame = frame.iloc[order].reset_index(drop=True)
    times = times_all[order]
    codes = first_seen[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1], True]).astype(np.int64)
    individuals = pd.Index(frame[individual].iloc[starts[:-1]].to_numpy())
    group = pd.Series(codes)
    skipped = {individual, time, *identifiers}
    variables: list[str] = []
    static: list[str] = []
    for column in frame.columns if layout is None else ():
        if column in skipped:
            continue
        values = frame[column]
        if _constant_within(frame, column, group):
            static.append(str(column))
            continue
        numeric = pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
            values.dtype
        )
        if not numeric:
            raise InvalidDataError(
                f"Column '{column}' changes over time but is not numeric ({values.dtype}): "
                "the time-varying variables of a time series must be numbers. Make it "
                "numeric, or keep it constant within each individual.",
                column=str(column),
            )
        variables.append(str(column))
    if layout is not None:
        variables, static = [str(c) for c in layout[0]], [str(c) for c in layout[1]]
    if not variables:
        raise InvalidDataError(
            "No column of the time series changes over time: there is no sequence to "
            "avatarize. Drop time_series_time to avatarize the table row by row."
        )
    lengths = np.diff(starts)
    grid = int(size) if size is not None else alignment_points(lengths, method, nb_points)
    curves: dict[str, FloatArray] = {}
    for variable in variables:
        observed = frame[variable].to_numpy(np.float64)
        fill = float(np.nanmean(observed))
        matrix = np.empty((len(lengths), grid))
        for i in range(len(lengths)):
            rows = slice(int(starts[i]), int(starts[i + 1]))
            matrix[i] = align(times[rows], observed[rows], grid, fill)
        curves[variable] = matrix
    static_table = pd.DataFrame(index=range(len(lengths)))
    if static:
        firsts = frame[static].groupby(group, sort=False).first().reset_index(drop=True)
        static_table = firsts.astype(frame[static].dtypes.to_dict(), errors="ignore")
    sequences = Sequences(
        data=frame,
        individuals=individuals,
        starts=starts,
        times=times,
        variables=variables,
        static=static,
        static_table=static_table,
        curves=curves,
    )
    return sequences, grid
