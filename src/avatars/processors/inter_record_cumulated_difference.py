"""A cumulative column of repeated records as a first value and differences."""

from __future__ import annotations

import numpy as np
import pandas as pd

from avatars.processors._bounded_steps import ordered_groups
from avatars.processors._frames import (
    as_dtype_of,
    in_source_order,
    replace_columns,
    require_columns,
)


class InterRecordCumulatedDifferenceProcessor:
    """Express a cumulative column (it only grows) as a first value and differences.

    For tables with several records per individual: each individual's records are taken in
    increasing order of ``target_variable``; the column becomes the individual's first (lowest)
    value and the difference from the previous record (0 for the first one). Avatarized this
    way, the avatars of an individual's records add up instead of being drawn independently.

    Args:
        id_variable: column naming the individual of each row.
        target_variable: the cumulative column.
        new_first_variable_name: name of the first-value column created.
        new_difference_variable_name: name of the difference column created.
        keep_record_order: rebuild the values in the originals' record order (``dest`` must
            have the index of ``source``, as ``sensitive_unshuffled`` avatars do); otherwise
            the differences are summed in the row order of ``dest``.

    Example:
        >>> import pandas as pd
        >>> df = pd.DataFrame({"id": [1, 2, 1, 1, 2, 2],
        ...                    "value": [1025, 20042, 1000, 1130, 20000, 20040]})
        >>> processor = InterRecordCumulatedDifferenceProcessor(
        ...     id_variable="id", target_variable="value", new_first_variable_name="first",
        ...     new_difference_variable_name="difference", keep_record_order=True)
        >>> processed = processor.preprocess(df)
        >>> processed["difference"].tolist()
        [25.0, 2.0, 0.0, 105.0, 0.0, 40.0]
        >>> processor.postprocess(df, processed)["value"].tolist()
        [1025, 20042, 1000, 1130, 20000, 20040]
    """

    def __init__(
        self,
        *,
        id_variable: str,
        target_variable: str,
        new_first_variable_name: str,
        new_difference_variable_name: str,
        keep_record_order: bool = False,
    ) -> None:
        self.id_variable = id_variable
        self.target_variable = target_variable
        self.new_first_variable_name = new_first_variable_name
        self.new_difference_variable_name = new_difference_variable_name
        self.keep_record_order = keep_record_order

    def preprocess(self, df: pd.DataFrame) -> pd.DataFrame:
        """Return ``df`` with the target replaced by the first-value and difference columns."""
        require_columns(df, [self.id_variable, self.target_variable],
                        "InterRecordCumulatedDifferenceProcessor")
        if df[[self.id_variable, self.target_variable]].isna().any().any():
            raise ValueError(
                f"{self.id_variable!r} and {self.target_variable!r} must have no missing value."
            )
        values = df[self.target_variable].to_numpy(dtype=float)
        first = np.empty_like(values)
        difference = np.empty_like(values)
        for rows in ordered_groups(df[self.id_variable].to_numpy(), values):
            first[rows] = values[rows[0]]
            difference[rows] = np.diff(values[rows], prepend=values[rows[0]])
        return replace_columns(
            df,
            [self.target_variable],
            {self.new_first_variable_name: first, self.new_difference_variable_name: difference},
        )

    def postprocess(self, source: pd.DataFrame, dest: pd.DataFrame) -> pd.DataFrame:
        """Return ``dest`` with the target rebuilt from first values and differences."""
        first = dest[self.new_first_variable_name].to_numpy(dtype=float)
        difference = dest[self.new_difference_variable_name].to_numpy(dtype=float)
        if self.keep_record_order:
            if not dest.index.equals(source.index):
                raise ValueError(
                    "keep_record_order=True needs the avatars in the originals' order "
                    "(same index as source): use sensitive_unshuffled, or keep_record_order=False."
                )
            order = source[self.target_variable].to_numpy(dtype=float)
        else:
            order = None
        values = np.empty_like(first)
        for rows in ordered_groups(dest[self.id_variable].to_numpy(), order):
            values[rows] = first[rows[0]] + np.cumsum(difference[rows])
        out = replace_columns(
            dest,
            [self.new_first_variable_name, self.new_difference_variable_name],
            {self.target_variable: values},
        )
        out[self.target_variable] = as_dtype_of(out[self.target_variable],
                                                source[self.target_variable])
        return in_source_order(out, source)
