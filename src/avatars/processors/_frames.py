"""Column bookkeeping shared by the processors: checks, placement and restored dtypes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd


def require_columns(df: pd.DataFrame, columns: Iterable[str], role: str) -> None:
    """Raise ``ValueError`` naming the columns of ``columns`` missing from ``df``."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{role}: columns {missing} are not in the table; its columns are "
                         f"{list(df.columns)}: fix the column names given to {role}.")


def replace_columns(
    df: pd.DataFrame, old: Sequence[str], new: dict[str, pd.Series | np.ndarray]
) -> pd.DataFrame:
    """Return ``df`` with the columns ``old`` replaced by ``new``, placed where ``old[0]`` was."""
    position = list(df.columns).index(old[0])
    kept = df.drop(columns=list(old))
    for offset, (name, values) in enumerate(new.items()):
        kept.insert(position + offset, name, values)
    return kept


def in_source_order(dest: pd.DataFrame, source: pd.DataFrame) -> pd.DataFrame:
    """Order the columns of ``dest`` as in ``source``, extra columns of ``dest`` last."""
    ordered = [c for c in source.columns if c in dest.columns]
    return dest[ordered + [c for c in dest.columns if c not in ordered]]


def as_dtype_of(values: pd.Series, reference: pd.Series) -> pd.Series:
    """Cast ``values`` to the dtype of ``reference`` when it can hold them.

    Integer columns come back as integers when every value is a whole number (rounded to the
    nearest one otherwise, as counts must be) and no value is missing.
    """
    dtype = reference.dtype
    if pd.api.types.is_integer_dtype(dtype):
        numeric = pd.to_numeric(values, errors="coerce")
        if numeric.isna().any():
            return numeric.astype(float)
        return numeric.round().astype(dtype)
    if pd.api.types.is_float_dtype(dtype):
        return pd.to_numeric(values, errors="coerce").astype(dtype)
    return values
