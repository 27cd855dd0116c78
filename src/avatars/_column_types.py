"""Infer the column types of a table for the resource-set schema.

The server accepts the types ``int``, ``float``, ``bool``, ``category``, ``datetime`` and
``datetime_tz``; user-given types always win over inferred ones.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from enum import StrEnum

import pandas as pd

__all__ = ["ColumnType", "infer_column_types"]


class ColumnType(StrEnum):
    """Type of a column as the server understands it."""

    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    CATEGORY = "category"
    DATETIME = "datetime"
    DATETIME_TZ = "datetime_tz"


def _looks_like_datetime(column: pd.Series) -> bool:
    values = column.dropna()
    if values.empty or not all(isinstance(v, str) for v in values.head(1000)):
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            pd.to_datetime(values, format="ISO8601")
        except (ValueError, TypeError, OverflowError):
            return False
    return True


def _infer_one(column: pd.Series) -> ColumnType:
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return ColumnType.BOOL
    if isinstance(dtype, pd.DatetimeTZDtype):
        return ColumnType.DATETIME_TZ
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return ColumnType.DATETIME
    if pd.api.types.is_integer_dtype(dtype):
        return ColumnType.INT
    if pd.api.types.is_float_dtype(dtype):
        return ColumnType.FLOAT
    if _looks_like_datetime(column):
        return ColumnType.DATETIME
    return ColumnType.CATEGORY


def infer_column_types(
    data: pd.DataFrame, overrides: Mapping[str, str] | None = None
) -> dict[str, ColumnType]:
    """Return the type of every column, in column order.

    Args:
        data: the table.
        overrides: types given by the user, by column name; they win over inference.

    Returns:
        Column name -> type.

    Raises:
        ValueError: an override names an unknown column or an unknown type.

    Example:
        >>> infer_column_types(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}))
        {'a': <ColumnType.INT: 'int'>, 'b': <ColumnType.CATEGORY: 'category'>}
    """
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - {str(c) for c in data.columns})
    if unknown:
        raise ValueError(
            f"types names columns that are not in the table: {unknown}; "
            f"the columns are {[str(c) for c in data.columns]}."
        )
    result: dict[str, ColumnType] = {}
    for name in data.columns:
        key = str(name)
        if key in overrides:
            try:
                result[key] = ColumnType(str(getattr(overrides[key], "value", overrides[key])))
            except ValueError:
                allowed = [t.value for t in ColumnType]
                raise ValueError(
                    f"Unknown type {overrides[key]!r} for column {key!r}; use one of {allowed}."
                ) from None
        else:
            result[key] = _infer_one(data[name])
    return result
