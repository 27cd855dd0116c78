"""Numeric columns with few distinct values avatarized as categories."""

from __future__ import annotations

import numpy as np
import pandas as pd

from avatars.processors._frames import as_dtype_of


class ToCategoricalProcessor:
    """Treat numeric columns with few distinct values as categorical during avatarization.

    A numeric column with at most ``to_categorical_threshold`` distinct values (a score, a
    count of children) keeps only values that exist when it is avatarized as a category; the
    postprocess gives it its numeric dtype back.

    Args:
        to_categorical_threshold: numeric columns with at most this many distinct values are
            turned into categories.
        keep_continuous: also keep a numeric copy of each such column, named with
            ``continuous_suffix``; where the avatarized category equals ``category`` (a modality
            grouped by :class:`GroupModalitiesProcessor`) the numeric copy gives the value.
        continuous_suffix: suffix of the numeric copies.
        category: the grouped modality replaced by the numeric copy.

    Example:
        >>> import pandas as pd
        >>> df = pd.DataFrame({"children": [1, 7, 7, 1], "age": [31, 42, 57, 38]})
        >>> processor = ToCategoricalProcessor(to_categorical_threshold=2)
        >>> processor.preprocess(df).dtypes.astype(str).tolist()
        ['object', 'int64']
        >>> avatar = pd.DataFrame({"children": [7, 1, 1, 1], "age": [33, 40, 55, 36]})
        >>> avatar = avatar.astype({"children": object})
        >>> processor.postprocess(df, avatar).dtypes.astype(str).tolist()
        ['int64', 'int64']
    """

    def __init__(
        self,
        to_categorical_threshold: int,
        *,
        keep_continuous: bool = False,
        continuous_suffix: str = "__cont",
        category: str = "other",
    ) -> None:
        if to_categorical_threshold < 1:
            raise ValueError(
                f"to_categorical_threshold must be at least 1, got {to_categorical_threshold}."
            )
        self.to_categorical_threshold = to_categorical_threshold
        self.keep_continuous = keep_continuous
        self.continuous_suffix = continuous_suffix
        self.category = category
        self.variables: list[str] = []
        self.continuous_variables: list[str] = []

    def preprocess(self, df: pd.DataFrame) -> pd.DataFrame:
        """Return ``df`` with the numeric columns under the threshold as ``object`` columns."""
        out = df.copy()
        self.variables = [
            c
            for c in df.columns
            if pd.api.types.is_numeric_dtype(df[c].dtype)
            and not pd.api.types.is_bool_dtype(df[c].dtype)
            and df[c].nunique(dropna=True) <= self.to_categorical_threshold
        ]
        self.continuous_variables = [c + self.continuous_suffix for c in self.variables]
        if self.keep_continuous:
            for column, copy in zip(self.variables, self.continuous_variables, strict=True):
                out[copy] = df[column]
        for column in self.variables:
            out[column] = df[column].astype(object)
        return out

    def postprocess(self, source: pd.DataFrame, dest: pd.DataFrame) -> pd.DataFrame:
        """Return ``dest`` with the categorized columns numeric again, as in ``source``."""
        out = dest.copy()
        for column, copy in zip(self.variables, self.continuous_variables, strict=True):
            if self.keep_continuous and copy in out.columns:
                grouped = (out[column] == self.category).to_numpy()
                out[column] = np.where(grouped, out[copy], out[column])
                out = out.drop(columns=[copy])
            out[column] = as_dtype_of(out[column], source[column])
        return out
