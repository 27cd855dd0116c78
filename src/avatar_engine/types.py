"""Column types of the engine: inference from a DataFrame and user overrides."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from avatar_engine.errors import InvalidDataError

__all__ = ["CATEGORICAL_TYPES", "CONTINUOUS_TYPES", "ColumnType", "infer_types"]


class ColumnType(StrEnum):
    """How the engine treats a column.

    Continuous: INT, FLOAT, DATETIME, DATETIME_TZ (datetimes as seconds since the epoch).
    Categorical: BOOL, CATEGORY.

    Example:
        >>> ColumnType("int") is ColumnType.INT
        True
    """

    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    CATEGORY = "category"
    DATETIME = "datetime"
    DATETIME_TZ = "datetime_tz"


CONTINUOUS_TYPES = frozenset(
    {ColumnType.INT, ColumnType.FLOAT, ColumnType.DATETIME, ColumnType.DATETIME_TZ}
)
CATEGORICAL_TYPES = frozenset({ColumnType.BOOL, ColumnType.CATEGORY})

_NUMERIC_LOOKING_SHARE = 0.9
_NUMERIC_LOOKING_MIN_DISTINCT = 20


def _infer_one(series: pd.Series) -> ColumnType:
    dtype = series.dtype
    if ptypes.is_bool_dtype(dtype):
        return ColumnType.BOOL
    if isinstance(dtype, pd.DatetimeTZDtype):
        return ColumnType.DATETIME_TZ
    if ptypes.is_datetime64_any_dtype(dtype):
        return ColumnType.DATETIME
    if isinstance(dtype, pd.CategoricalDtype):
        return ColumnType.CATEGORY
    if ptypes.is_integer_dtype(dtype):
        return ColumnType.INT
    if ptypes.is_float_dtype(dtype):
        values = series.dropna()
        if len(values) and bool(((values % 1) == 0).all()):
            return ColumnType.INT
        return ColumnType.FLOAT
    if ptypes.is_numeric_dtype(dtype):
        return ColumnType.FLOAT
    _reject_numeric_with_garbage(series)
    if ptypes.is_object_dtype(dtype):
        values = series.dropna()
        if len(values) and all(isinstance(value, bool | np.bool_) for value in values.unique()):
            return ColumnType.BOOL
    return ColumnType.CATEGORY


def _reject_numeric_with_garbage(series: pd.Series) -> None:
    """Refuse a text column that is a numeric column with a few unparseable values."""
    values = series.dropna()
    if values.nunique() < _NUMERIC_LOOKING_MIN_DISTINCT:
        return
    parsed = pd.to_numeric(values.astype(str), errors="coerce")
    bad = int(parsed.isna().sum())
    if bad > 0 and bad <= (1 - _NUMERIC_LOOKING_SHARE) * len(values):
        name = str(series.name)
        raise InvalidDataError(
            f"Column '{name}' looks numeric but {bad} of its values are not numbers. "
            f"Fix or remove those values, or declare the column as 'category'.",
            column=name,
        )


def infer_types(
    data: pd.DataFrame, overrides: Mapping[str, ColumnType | str] | None = None
) -> dict[str, ColumnType]:
    """Type every column of ``data``: the user's ``overrides`` first, inference for the rest.

    Args:
        data: the table.
        overrides: column name -> type chosen by the user (strings accepted).

    Returns:
        column name -> ColumnType, in the table's column order.

    Raises:
        InvalidDataError: an override names an unknown column or type, or a text column is a
            numeric column with unparseable values.

    Example:
        >>> infer_types(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}))
        {'a': <ColumnType.INT: 'int'>, 'b': <ColumnType.CATEGORY: 'category'>}
    """
    overrides = dict(overrides or {})
    result: dict[str, ColumnType] = {}
    for name, value in overrides.items():
        if name not in data.columns:
            raise InvalidDataError(
                f"A type is given for column '{name}', which is not in the table. "
                f"Check the column name in the schema.",
                column=str(name),
            )
        try:
            result[str(name)] = ColumnType(value)
        except ValueError:
            allowed = ", ".join(t.value for t in ColumnType)
            raise InvalidDataError(
                f"Unknown type '{value}' for column '{name}'. Use one of: {allowed}.",
                column=str(name),
            ) from None
    typed: dict[str, ColumnType] = {}
    for name in data.columns:
        key = str(name)
        typed[key] = result[key] if key in result else _infer_one(data[name])
    return typed
