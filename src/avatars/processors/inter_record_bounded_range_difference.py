"""Start and end columns of successive records as bounded changes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from avatars.processors._bounded_steps import apply_bounded_step, bounded_step, ordered_groups
from avatars.processors._frames import (
    as_dtype_of,
    in_source_order,
    replace_columns,
    require_columns,
)


class InterRecordBoundedRangeDifferenceProcessor:
    """Express (start, end) columns of successive records as bounded changes.

    For records such as stays or treatment lines, each with a start and an end that follow one
    another (``start_t``, ``end_t``, ``start_t+1``, ...): the two columns become the
    individual's first start, the change from start to end of each record (the range) and the
    change from the previous record's end to this record's start (the difference), both as a
    share of the room left to the bounds (the minimum and maximum of both columns in the
    originals). Records are taken in order of ``sort_by_variable`` when given, else in row
    order. Rebuilt avatars keep the sequence and stay within the originals' range.

    Args:
        id_variable: column naming the individual of each row.
        target_start_variable: start column.
        target_end_variable: end column.
        new_first_variable_name: name of the first-start column created.
        new_range_variable: name of the start-to-end column created.
        new_difference_variable_name: name of the end-to-next-start column created.
        sort_by_variable: column ordering each individual's records (not start or end, which
            the processor replaces).
        should_round_output: round the rebuilt values to integers.

    Example:
        >>> import pandas as pd
        >>> df = pd.DataFrame({"start": [30, 100, 80, 70, 40, 70], "end": [10, 80, 70, 60, 30, 5],
        ...                    "id": [1, 1, 1, 2, 2, 2]})
        >>> processor = InterRecordBoundedRangeDifferenceProcessor(
        ...     id_variable="id", target_start_variable="start", target_end_variable="end",
        ...     new_first_variable_name="first", new_range_variable="range",
        ...     new_difference_variable_name="difference")
        >>> processed = processor.preprocess(df)
        >>> processed["range"].round(6).tolist()
        [-0.8, -0.210526, -0.133333, -0.153846, -0.285714, -1.0]
        >>> processor.postprocess(df, processed).equals(df)
        True
    """

    def __init__(
        self,
        *,
        id_variable: str,
        target_start_variable: str,
        target_end_variable: str,
        new_first_variable_name: str,
        new_range_variable: str,
        new_difference_variable_name: str,
        sort_by_variable: str | None = None,
        should_round_output: bool = True,
    ) -> None:
        if target_start_variable == target_end_variable:
            raise ValueError("target_start_variable and target_end_variable must differ.")
        if sort_by_variable in (target_start_variable, target_end_variable):
            raise ValueError(
                f"sort_by_variable {sort_by_variable!r} is replaced by the processor: sort the "
                "rows by it before preprocess, or name a column that stays (a visit number)."
            )
        self.id_variable = id_variable
        self.target_start_variable = target_start_variable
        self.target_end_variable = target_end_variable
        self.new_first_variable_name = new_first_variable_name
        self.new_range_variable = new_range_variable
        self.new_difference_variable_name = new_difference_variable_name
        self.sort_by_variable = sort_by_variable
        self.should_round_output = should_round_output
        self.bounds: tuple[float, float] | None = None

    def _groups(self, df: pd.DataFrame) -> list[np.ndarray]:
        order = None
        if self.sort_by_variable is not None:
            order = df[self.sort_by_variable].to_numpy()
        return ordered_groups(df[self.id_variable].to_numpy(), order)

    def preprocess(self, df: pd.DataFrame) -> pd.DataFrame:
        """Return ``df`` with start and end replaced by first-start, range and difference."""
        used = [self.id_variable, self.target_start_variable, self.target_end_variable]
        if self.sort_by_variable is not None:
            used.append(self.sort_by_variable)
        require_columns(df, used, "InterRecordBoundedRangeDifferenceProcessor")
        if df[used].isna().any().any():
            raise ValueError(f"Columns {used} must have no missing value.")
        start = df[self.target_start_variable].to_numpy(dtype=float)
        end = df[self.target_end_variable].to_numpy(dtype=float)
        lower = float(min(start.min(), end.min()))
        upper = float(max(start.max(), end.max()))
        self.bounds = (lower, upper)
        first = np.empty_like(start)
        difference = np.zeros_like(start)
        for rows in self._groups(df):
            first[rows] = start[rows[0]]
            difference[rows[1:]] = bounded_step(end[rows[:-1]], start[rows[1:]], lower, upper)
        spans = bounded_step(start, end, lower, upper)
        return replace_columns(
            df,
            [self.target_start_variable, self.target_end_variable],
            {
                self.new_first_variable_name: first,
                self.new_range_variable: spans,
                self.new_difference_variable_name: difference,
            },
        )

    def postprocess(self, source: pd.DataFrame, dest: pd.DataFrame) -> pd.DataFrame:
        """Return ``dest`` with start and end rebuilt record after record within the bounds."""
        if self.bounds is None:
            both = source[[self.target_start_variable, self.target_end_variable]]
            self.bounds = (float(np.nanmin(both)), float(np.nanmax(both)))
        lower, upper = self.bounds
        first = dest[self.new_first_variable_name].to_numpy(dtype=float)
        spans = dest[self.new_range_variable].to_numpy(dtype=float)
        difference = dest[self.new_difference_variable_name].to_numpy(dtype=float)
        start = np.empty_like(first)
        end = np.empty_like(first)
        for rows in self._groups(dest):
            previous_end = None
            for row in rows:
                if previous_end is None:
                    start[row] = min(max(first[rows[0]], lower), upper)
                else:
                    start[row] = apply_bounded_step(previous_end, difference[row], lower, upper)
                end[row] = apply_bounded_step(start[row], spans[row], lower, upper)
                previous_end = end[row]
        if self.should_round_output:
            start, end = np.round(start), np.round(end)
        out = replace_columns(
            dest,
            [self.new_first_variable_name, self.new_range_variable,
             self.new_difference_variable_name],
            {self.target_start_variable: start, self.target_end_variable: end},
        )
        if self.should_round_output:
            for column in (self.target_start_variable, self.target_end_variable):
                out[column] = as_dtype_of(out[column], source[column])
        return in_source_order(out, source)
