"""Column types of the engine and their inference from a DataFrame."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ColumnType"]


class ColumnType(StrEnum):
    """How the engine treats a column.

    Continuous: INT, FLOAT, DATETIME, DATETIME_TZ (as seconds since epoch).
    Categorical: BOOL, CATEGORY.
    """

    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    CATEGORY = "category"
    DATETIME = "datetime"
    DATETIME_TZ = "datetime_tz"
