"""Rare modalities of categorical columns grouped into one."""

from __future__ import annotations

import pandas as pd

from avatars.processors._frames import require_columns


class GroupModalitiesProcessor:
    """Group the rare modalities of categorical columns into one modality (``"other"``).

    A modality held by a handful of individuals singles them out; grouping it protects them and
    reduces the number of dimensions. Give either ``variable_thresholds`` (a threshold per
    column) or both ``min_unique`` and ``global_threshold`` (every categorical column with at
    least ``min_unique`` modalities). A modality counted ``threshold`` times or fewer is
    grouped. This is the one processor whose effect is kept on purpose: ``postprocess`` returns
    the avatars with the grouped modality.

    Args:
        variable_thresholds: column -> threshold.
        min_unique: columns with at least this many modalities are considered.
        global_threshold: threshold for those columns.
        new_category: name of the grouped modality.

    Example:
        >>> import pandas as pd
        >>> df = pd.DataFrame({"colour": ["red", "blue", "blue", "green"]})
        >>> processor = GroupModalitiesProcessor(min_unique=2, global_threshold=1)
        >>> processor.preprocess(df)["colour"].tolist()
        ['other', 'blue', 'blue', 'other']
    """

    def __init__(
        self,
        *,
        variable_thresholds: dict[str, int] | None = None,
        min_unique: int | None = None,
        global_threshold: int | None = None,
        new_category: str = "other",
    ) -> None:
        if (min_unique is None) != (global_threshold is None):
            raise ValueError(
                "Give both min_unique and global_threshold, or neither; got "
                f"min_unique={min_unique}, global_threshold={global_threshold}."
            )
        if bool(variable_thresholds) == (global_threshold is not None):
            raise ValueError(
                "Give either variable_thresholds or (min_unique, global_threshold), not both "
                "and not neither."
            )
        self.variable_thresholds = dict(variable_thresholds or {})
        self.min_unique = min_unique
        self.global_threshold = global_threshold
        self.new_category = new_category
        self.grouped: dict[str, list[object]] = {}

    def _thresholds(self, df: pd.DataFrame) -> dict[str, int]:
        if self.variable_thresholds:
            require_columns(df, self.variable_thresholds, "variable_thresholds")
            return self.variable_thresholds
        assert self.min_unique is not None
        assert self.global_threshold is not None
        categorical = [
            c
            for c in df.columns
            if not pd.api.types.is_numeric_dtype(df[c].dtype)
            and not pd.api.types.is_datetime64_any_dtype(df[c].dtype)
        ]
        return {
            c: self.global_threshold
            for c in categorical
            if df[c].nunique(dropna=True) >= self.min_unique
        }

    def preprocess(self, df: pd.DataFrame) -> pd.DataFrame:
        """Return ``df`` with the rare modalities replaced by ``new_category``."""
        out = df.copy()
        self.grouped = {}
        for column, threshold in self._thresholds(df).items():
            counts = df[column].value_counts(dropna=True)
            rare = counts[counts <= threshold].index.tolist()
            if not rare:
                continue
            self.grouped[column] = rare
            values = df[column].astype(object)
            out[column] = values.where(~values.isin(rare), self.new_category)
        return out

    def postprocess(self, source: pd.DataFrame, dest: pd.DataFrame) -> pd.DataFrame:
        """Return ``dest`` unchanged: the grouped modalities stay grouped."""
        return dest
