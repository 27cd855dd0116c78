"""Decide, before any job, how every column of a table is treated, and say why.

The rule, applied column by column in this order (the first that matches wins):

1. **Given by the user** in ``types=`` (``--types``, ``--categorical``, ``--numeric``, ``--id``,
   ``--drop`` on the command line): that type or role.
2. **All missing**: passed through unchanged (an empty column carries no individual
   information); a report line lists it.
3. **Constant** (one value, no missing): passed through unchanged, listed in the report.
4. **Boolean** (``True``/``False`` values): categorical (``bool``).
5. **Date or date-time** (a datetime column, or text that parses as dates in one format):
   avatarized as a number (seconds since 1970) and returned in the file's own format.
6. **Identifier**: a name such as ``id``, ``patient_id``, ``uuid``, ``ssn``, ``rownames`` with
   at least 50 % distinct values, or (in a table of 20 rows or more) short text with a distinct
   value on at least 95 % of the rows (names, codes) or whole numbers distinct on every row
   (record numbers). Never released as they are: dropped (default) or replaced by pseudonyms
   (``identifier_policy="pseudonymize"``).
7. **Free text**: text with at least 50 % distinct values and 3 words or 25 characters on
   average (notes, comments): excluded from the avatars, with a warning.
8. **Few distinct numbers**: in a table of 20 rows or more, a numeric column with at most 5
   distinct values (sex 0/1, stage 1-4, outcome 2/4) is categorical: its avatars take only
   values seen in the data.
9. Otherwise **numeric** (``int`` when every value is whole, else ``float``) or, for text,
   **categorical**.

Example:
    >>> frame = pd.DataFrame({"id": range(1, 41), "sex": [0, 1] * 20, "age": [*range(20, 40)] * 2})
    >>> [(d.column, d.type.value, d.role.value) for d in decide_columns(frame)]
    [('id', 'int', 'identifier'), ('sex', 'category', 'avatarized'), ('age', 'int', 'avatarized')]
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import pandas as pd

__all__ = [
    "FEW_DISTINCT_VALUES",
    "USER_TYPES",
    "ColumnDecision",
    "ColumnRole",
    "ColumnType",
    "decide_columns",
    "infer_column_types",
]

FEW_DISTINCT_VALUES = 5
_ID_NAME = re.compile(
    r"(^|[^a-z])(id|ids|uuid|guid|ssn|nir|nhs|mrn|seqno|pid|key|rownames?|row|index)($|[^a-z])"
    r"|(Id|ID)$"
)
_ID_NAME_SHARE = 0.5
_ID_MIN_ROWS = 20
_ID_TEXT_SHARE = 0.95
_TEXT_SHARE = 0.5
_TEXT_WORDS = 3.0
_TEXT_CHARS = 25.0
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d.%m.%Y",
    "%d-%m-%Y",
    "%Y/%m/%d",
)


class ColumnType(StrEnum):
    """Type of a column as the server understands it."""

    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    CATEGORY = "category"
    DATETIME = "datetime"
    DATETIME_TZ = "datetime_tz"


class ColumnRole(StrEnum):
    """What happens to a column."""

    AVATARIZED = "avatarized"
    IDENTIFIER = "identifier"
    FREE_TEXT = "free_text"
    DROPPED = "dropped"
    PASSED_THROUGH = "passed_through"


USER_TYPES = {
    **{t.value: t.value for t in ColumnType},
    "categorical": "category",
    "numeric": "numeric",
    "date": "datetime",
    "id": "identifier",
    "identifier": "identifier",
    "drop": "drop",
}


@dataclass(frozen=True)
class ColumnDecision:
    """How one column is treated and why.

    Attributes:
        column: the column name.
        type: its type for the server.
        role: avatarized, identifier, free text, dropped or passed through.
        reason: the rule that decided, in words (shown by ``avatars inspect``).
        date_format: the ``strftime`` format of a text date column, to write avatars back in.
    """

    column: str
    type: ColumnType
    role: ColumnRole
    reason: str
    date_format: str | None = None

    @property
    def released(self) -> bool:
        """Whether the column is in the avatars (avatarized, pseudonymized or passed through)."""
        return self.role in (ColumnRole.AVATARIZED, ColumnRole.PASSED_THROUGH)


def _date_format(values: pd.Series) -> str | None:
    sample = values.head(2000).astype(str).str.strip()
    for fmt in _DATE_FORMATS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = pd.to_datetime(sample, format=fmt, errors="coerce")
        if parsed.notna().all():
            return fmt
    return None


def _iso_dates(values: pd.Series) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            pd.to_datetime(values.head(2000), format="ISO8601")
        except (ValueError, TypeError, OverflowError):
            return False
    return bool(values.astype(str).str.match(r"^\s*\d{4}-\d{2}-\d{2}").all())


def _numeric_type(values: pd.Series) -> ColumnType:
    if pd.api.types.is_integer_dtype(values.dtype):
        return ColumnType.INT
    return ColumnType.INT if bool(((values % 1) == 0).all()) else ColumnType.FLOAT


def _is_text(series: pd.Series) -> bool:
    return series.dtype == object or pd.api.types.is_string_dtype(series.dtype)


def _share(count: int, total: int) -> str:
    return f"{100 * count / total:.0f} %"


def _infer(name: str, series: pd.Series) -> ColumnDecision:
    values = series.dropna()
    n, distinct = len(values), int(values.nunique())
    if n == 0:
        return ColumnDecision(
            name, ColumnType.FLOAT if not _is_text(series) else ColumnType.CATEGORY,
            ColumnRole.PASSED_THROUGH, "all values missing: kept as it is (no information)",
        )
    if distinct == 1 and n == len(series):
        if pd.api.types.is_bool_dtype(series.dtype):
            kind = ColumnType.BOOL
        elif isinstance(series.dtype, pd.DatetimeTZDtype):
            kind = ColumnType.DATETIME_TZ
        elif pd.api.types.is_datetime64_any_dtype(series.dtype):
            kind = ColumnType.DATETIME
        elif pd.api.types.is_numeric_dtype(series.dtype):
            kind = _numeric_type(values)
        else:
            kind = ColumnType.CATEGORY
        return ColumnDecision(
            name, kind, ColumnRole.PASSED_THROUGH,
            f"constant ({values.iloc[0]} on every row): kept as it is (no information)",
        )
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) or (
        _is_text(series) and all(isinstance(v, bool) for v in values.unique())
    ):
        return ColumnDecision(name, ColumnType.BOOL, ColumnRole.AVATARIZED, "true/false values")
    if isinstance(dtype, pd.DatetimeTZDtype):
        return ColumnDecision(name, ColumnType.DATETIME_TZ, ColumnRole.AVATARIZED,
                              "date-times with a time zone: avatarized as numbers")
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return ColumnDecision(name, ColumnType.DATETIME, ColumnRole.AVATARIZED,
                              "dates: avatarized as numbers")
    text = _is_text(series) and not isinstance(dtype, pd.CategoricalDtype)
    if text and values.map(lambda v: isinstance(v, str)).all():
        fmt = _date_format(values)
        if fmt is not None:
            return ColumnDecision(
                name, ColumnType.DATETIME, ColumnRole.AVATARIZED,
                f"dates written {fmt}: avatarized as numbers, returned in the same format",
                date_format=fmt,
            )
        if _iso_dates(values):
            return ColumnDecision(name, ColumnType.DATETIME, ColumnRole.AVATARIZED,
                                  "ISO 8601 dates and times: avatarized as numbers")
    name_says_id = bool(_ID_NAME.search(name))
    if name_says_id and distinct >= _ID_NAME_SHARE * n:
        return ColumnDecision(
            name, _numeric_type(values) if pd.api.types.is_numeric_dtype(dtype)
            else ColumnType.CATEGORY, ColumnRole.IDENTIFIER,
            f"identifier: named like one, {_share(distinct, n)} distinct values",
        )
    if (pd.api.types.is_integer_dtype(dtype) or (
        pd.api.types.is_float_dtype(dtype) and bool(((values % 1) == 0).all())
    )) and distinct == n == len(series) and n >= _ID_MIN_ROWS:
        return ColumnDecision(
            name, ColumnType.INT, ColumnRole.IDENTIFIER,
            "identifier: a distinct whole number on every row (record numbers)",
        )
    if text:
        strings = values.astype(str)
        mean_words = float(strings.map(lambda v: len(v.split())).mean())
        mean_chars = float(strings.str.len().mean())
        if distinct >= _TEXT_SHARE * n and (mean_words >= _TEXT_WORDS or mean_chars >= _TEXT_CHARS):
            return ColumnDecision(
                name, ColumnType.CATEGORY, ColumnRole.FREE_TEXT,
                f"free text: {_share(distinct, n)} distinct values, {mean_words:.1f} words on "
                "average",
            )
        # names such as car models may be partly numbers ('90', '100'): mostly text suffices
        if distinct >= _ID_TEXT_SHARE * n and n >= _ID_MIN_ROWS and float(pd.to_numeric(
            strings, errors="coerce"
        ).notna().mean()) < _TEXT_SHARE:
            return ColumnDecision(
                name, ColumnType.CATEGORY, ColumnRole.IDENTIFIER,
                f"identifier: short text distinct on {_share(distinct, n)} of the rows",
            )
        return ColumnDecision(name, ColumnType.CATEGORY, ColumnRole.AVATARIZED,
                              f"text with {distinct} distinct values")
    if isinstance(dtype, pd.CategoricalDtype):
        return ColumnDecision(name, ColumnType.CATEGORY, ColumnRole.AVATARIZED,
                              f"categorical with {distinct} categories")
    if pd.api.types.is_numeric_dtype(dtype):
        if distinct <= FEW_DISTINCT_VALUES and n >= _ID_MIN_ROWS:
            shown = ", ".join(str(v) for v in sorted(values.unique())[:FEW_DISTINCT_VALUES])
            return ColumnDecision(
                name, ColumnType.CATEGORY, ColumnRole.AVATARIZED,
                f"numbers with only {distinct} distinct values ({shown}) "
                f"<= {FEW_DISTINCT_VALUES}: categorical",
            )
        kind = _numeric_type(values)
        return ColumnDecision(name, kind, ColumnRole.AVATARIZED,
                              f"{'whole' if kind is ColumnType.INT else 'decimal'} numbers, "
                              f"{distinct} distinct values")
    return ColumnDecision(name, ColumnType.CATEGORY, ColumnRole.AVATARIZED,
                          f"values of type {dtype}, {distinct} distinct")


def _given(name: str, series: pd.Series, given: str) -> ColumnDecision:
    key = str(getattr(given, "value", given)).strip().lower()
    if key not in USER_TYPES:
        allowed = sorted(USER_TYPES)
        raise ValueError(
            f"Unknown type {given!r} for column {name!r} in types=; use one of {allowed}."
        )
    meaning = USER_TYPES[key]
    why = f"given in types= as {key!r}"
    if meaning == "identifier":
        kind = _numeric_type(series.dropna()) if pd.api.types.is_numeric_dtype(
            series.dtype) and series.notna().any() else ColumnType.CATEGORY
        return ColumnDecision(name, kind, ColumnRole.IDENTIFIER, why)
    if meaning == "drop":
        return ColumnDecision(name, ColumnType.CATEGORY, ColumnRole.DROPPED, why)
    if meaning == "numeric":
        numbers = pd.to_numeric(series, errors="coerce")
        bad = int((numbers.isna() & series.notna()).sum())
        if bad:
            raise ValueError(
                f"Column {name!r} is given as numeric in types= but {bad} of its values are "
                f"not numbers; fix them, or give it as 'category' (types={{{name!r}: "
                "'category'}) or 'drop'."
            )
        values = numbers.dropna()
        kind = _numeric_type(values) if len(values) else ColumnType.FLOAT
        return ColumnDecision(name, kind, ColumnRole.AVATARIZED, why)
    inferred = _infer(name, series)
    fmt = inferred.date_format if meaning in ("datetime", "datetime_tz") else None
    return ColumnDecision(name, ColumnType(meaning), ColumnRole.AVATARIZED, why, date_format=fmt)


def decide_columns(
    data: pd.DataFrame,
    types: Mapping[str, str] | None = None,
    keys: Sequence[str] = (),
) -> list[ColumnDecision]:
    """Decide the type and role of every column, in column order (see the module's rule).

    Args:
        data: the table.
        types: column -> type or role given by the user: ``int``, ``float``, ``numeric``,
            ``bool``, ``category`` (or ``categorical``), ``datetime``, ``datetime_tz``, ``id``
            or ``drop``. They win over the rule.
        keys: primary and foreign key columns; kept as keys, never dropped as identifiers.

    Returns:
        One decision per column.

    Raises:
        ValueError: ``types`` names a column that is not in the table or an unknown type.

    Example:
        >>> frame = pd.DataFrame({"note": ["a", "b"], "x": [1.5, 2.5]})
        >>> [d.role.value for d in decide_columns(frame, {"note": "drop"})]
        ['dropped', 'avatarized']
    """
    given = {str(k): v for k, v in (types or {}).items()}
    names = [str(c) for c in data.columns]
    unknown = [c for c in given if c not in names]
    if unknown:
        raise ValueError(
            f"types= names columns that are not in the table: {unknown}; "
            f"the columns are {names}."
        )
    decisions = []
    for column, name in zip(data.columns, names, strict=True):
        series = data[column]
        if name in given:
            decisions.append(_given(name, series, str(given[name])))
            continue
        decision = _infer(name, series)
        if name in keys and decision.role is not ColumnRole.AVATARIZED:
            kind = decision.type if decision.type is not ColumnType.CATEGORY or not (
                pd.api.types.is_numeric_dtype(series.dtype)) else _numeric_type(series.dropna())
            decision = ColumnDecision(name, kind, ColumnRole.AVATARIZED, "key column")
        decisions.append(decision)
    return decisions


def infer_column_types(
    data: pd.DataFrame, overrides: Mapping[str, str] | None = None
) -> dict[str, ColumnType]:
    """Return the type of every column, in column order (see :func:`decide_columns`).

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
    return {d.column: d.type for d in decide_columns(data, overrides)}
