"""A bounded column of repeated records as a first value and bounded changes."""

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


class InterRecordBoundedCumulatedDifferenceProcessor:
    """Express a column of repeated records as a first value and changes bounded by its range.

    For tables with several records per individual, in row order: the column becomes the
    individual's first value and, for each later record, the change from the previous record
    as a share of the room left to the column's bound (its minimum and maximum in the
    originals): -0.6 means "60 % of the way down to the minimum". Avatars rebuilt from such
    shares never leave the originals' range.

    Args:
        id_variable: column naming the individual of each row.
        target_variable: the column to transform.
        new_first_variable_name: name of the first-value column created.
        new_difference_variable_name: name of the change column created.
        should_round_output: round the rebuilt values to integers.

    Example:
        >>> import pandas as pd
        >>> df = pd.DataFrame({"id": [1, 2, 1, 1, 2, 2],
        ...                    "value": [1025, 20042, 1000, 1130, 20000, 20040]})
        >>> processor = InterRecordBoundedCumulatedDifferenceProcessor(
        ...     id_variable="id", target_variable="value", new_first_variable_name="first",
        ...     new_difference_variable_name="to_bound", should_round_output=True)
        >>> processed = processor.preprocess(df)
        >>> processed["to_bound"].round(6).tolist()
        [0.0, 0.0, -1.0, 0.006827, -0.002206, 0.952381]
        >>> processor.postprocess(df, processed)["value"].tolist()
        [1025, 20042, 1000, 1130, 20000, 20040]
    """

    def __init__(
        self,
        id_variable: str,
        target_variable: str,
        new_first_variable_name: str,
        new_difference_variable_name: str,
        should_round_output: bool = False,
    ) -> None:
        self.id_variable = id_variable
        self.target_variable = target_variable
        self.new_first_variable_name = new_first_variable_name
        self.new_difference_variable_name = new_difference_variable_name
        self.should_round_output = should_round_output
        self.bounds: tuple[float, float] | None = None

    def preprocess(self, df: pd.DataFrame) -> pd.DataFrame:
        """Return ``df`` with the target replaced by the first-value and change columns."""
        require_columns(df, [self.id_variable, self.target_variable],
                        "InterRecordBoundedCumulatedDifferenceProcessor")
        if df[[self.id_variable, self.target_variable]].isna().any().any():
            raise ValueError(
                f"{self.id_variable!r} and {self.target_variable!r} must have no missing value."
            )
        values = df[self.target_variable].to_numpy(dtype=float)
        lower, upper = float(values.min()), float(values.max())
        self.bounds = (lower, upper)
        first = np.empty_like(values)
        steps = np.zeros_like(values)
        for rows in ordered_groups(df[self.id_variable].to_numpy()):
            first[rows] = values[rows[0]]
            steps[rows[1:]] = bounded_step(values[rows[:-1]], values[rows[1:]], lower, upper)
        return replace_columns(
            df,
            [self.target_variable],
            {self.new_first_variable_name: first, self.new_difference_variable_name: steps},
        )

    def postprocess(self, source: pd.DataFrame, dest: pd.DataFrame) -> pd.DataFrame:
        """Return ``dest`` with the target rebuilt record after record within the bounds."""
        if self.bounds is None:
            original = source[self.target_variable].to_numpy(dtype=float)
            self.bounds = (float(np.nanmin(original)), float(np.nanmax(original)))
        lower, upper = self.bounds
        first = dest[self.new_first_variable_name].to_numpy(dtype=float)
        steps = dest[self.new_difference_variable_name].to_numpy(dtype=float)
        values = np.empty_like(first)
        for rows in ordered_groups(dest[self.id_variable].to_numpy()):
            current = min(max(first[rows[0]], lower), upper)
            values[rows[0]] = current
            for row in rows[1:]:
                current = apply_bounded_step(current, steps[row], lower, upper)
                values[row] = current
        if self.should_round_output:
            values = np.round(values)
        out = replace_columns(
            dest,
            [self.new_first_variable_name, self.new_difference_variable_name],
            {self.target_variable: values},
        )
        if self.should_round_output:
            out[self.target_variable] = as_dtype_of(out[self.target_variable],
                                                    source[self.target_variable])
        return in_source_order(out, source)
