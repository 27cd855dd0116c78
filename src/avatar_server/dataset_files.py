"""Read the user's datasets (CSV or Parquet) safely, with declared column types applied.

Loaded by the workers (to run jobs); it imports pandas, never the engine. The API process
reads only headers, with :mod:`avatar_server.dataset_header`. Every problem the user can fix
raises :class:`~avatar_server.job_failures.JobFailure` naming the file, column and row, never a
cell.

Example:
    >>> read_dataset(Path("fixtures/wbcd.csv"), "wbcd.csv").shape
    (683, 10)
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from avatar_server.dataset_header import (
    check_header,
    csv_dialect,
    csv_header,
    dataset_format,
    encoding_failure,
    parquet_schema,
    read_columns,
)
from avatar_server.job_failures import JobFailure

__all__ = ["MAX_CELL_CHARS", "csv_dialect", "dataset_format", "read_columns", "read_dataset"]

MAX_CELL_CHARS = 100_000
_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}


def read_dataset(path: Path, name: str, types: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Load an uploaded dataset and apply the declared column types.

    Args:
        path: File of the dataset (CSV, UTF-8 or UTF-16 with BOM, or Parquet).
        name: Dataset name, used in messages.
        types: Column -> declared type ("int", "float", "bool", "category", "datetime",
            "datetime_tz"); other columns keep their inferred type.

    Raises:
        JobFailure: Naming the file, line or column and what to fix.

    Example:
        >>> read_dataset(Path("fixtures/wbcd.csv"), "wbcd.csv", {"Class": "category"}).shape
        (683, 10)
    """
    reader = _read_parquet if dataset_format(path) == "parquet" else _read_csv
    data = reader(path, name)
    if data.empty:
        raise JobFailure(f"dataset {name!r} has no data rows; add rows below the header.")
    _check_cells(data, name)
    for column, declared in (types or {}).items():
        if column not in data.columns:
            raise JobFailure(f"dataset {name!r} has no column {column!r}; fix the schema.")
        data[column] = _apply_type(data[column], declared, name)
    return data


def _read_csv(path: Path, name: str) -> pd.DataFrame:
    header, delimiter, encoding = csv_header(path, name)
    try:
        with warnings.catch_warnings():
            # pandas only warns (and drops fields) when a row is longer than the header
            warnings.simplefilter("error", pd.errors.ParserWarning)
            data = pd.read_csv(
                path,
                sep=delimiter,
                encoding=encoding,
                encoding_errors="strict",
                engine="c",
                on_bad_lines="error",
                header=0,
                index_col=False,
                low_memory=False,
                memory_map=False,
            )
    except UnicodeDecodeError as exc:
        raise encoding_failure(name, exc) from None
    except pd.errors.EmptyDataError:
        raise JobFailure(
            f"dataset {name!r} is empty; upload a CSV file with a header row."
        ) from None
    except (pd.errors.ParserError, pd.errors.ParserWarning, ValueError, OverflowError) as exc:
        message = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else "parse error"
        raise JobFailure(
            f"dataset {name!r} is not a valid CSV file ({message}); every row must have the "
            f"same number of fields as the header ({len(header)}), quotes must be closed."
        ) from None
    if list(data.columns) != header:
        raise JobFailure(
            f"dataset {name!r}: the header could not be read as {len(header)} column names; "
            "check the delimiter and the quotes of the first row."
        )
    return _decimal_commas(data) if delimiter != "," else data


_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d+(,\d+)?\s*$")


def _decimal_commas(data: pd.DataFrame) -> pd.DataFrame:
    """Numbers written with a decimal comma (``72,5``) in a non-comma-separated file."""
    for column in data.columns:
        series = data[column]
        if not (series.dtype == object or pd.api.types.is_string_dtype(series)):
            continue
        present = series.dropna()
        if present.empty or not present.map(lambda v: isinstance(v, str)).all():
            continue
        text = present.astype(str)
        if text.str.contains(",", regex=False).any() and text.str.match(_DECIMAL_COMMA).all():
            data[column] = pd.to_numeric(
                series.str.strip().str.replace(",", ".", regex=False), errors="coerce"
            )
    return data


def _read_parquet(path: Path, name: str) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema(path, name)
    for column in schema:
        if pa.types.is_nested(column.type) or pa.types.is_binary(column.type):
            raise JobFailure(
                f"dataset {name!r}: column {column.name!r} has type {column.type}; only flat "
                "columns (numbers, text, booleans, dates) can be avatarized."
            )
    check_header(name, [str(c) for c in schema.names])
    try:
        return pq.read_table(path).to_pandas()
    except Exception as exc:  # corrupt pages raise a variety of pyarrow errors
        raise JobFailure(
            f"dataset {name!r} is not a readable Parquet file ({type(exc).__name__}); "
            "upload it again or convert it to CSV."
        ) from None


def _check_cells(data: pd.DataFrame, name: str) -> None:
    for column in data.columns:
        series = data[column]
        if not (series.dtype == object or pd.api.types.is_string_dtype(series)):
            continue
        try:
            lengths = series.str.len().fillna(0).to_numpy(dtype=float)
        except AttributeError:  # an object column without any text
            continue
        if len(lengths) and lengths.max() > MAX_CELL_CHARS:
            row = int(np.argmax(lengths)) + 1
            raise JobFailure(
                f"dataset {name!r}: column {column!r} has a value of {int(lengths.max())} "
                f"characters on data row {row} (limit {MAX_CELL_CHARS}); fix the file."
            )


def _apply_type(series: pd.Series, declared: str, name: str) -> pd.Series:
    where = f"dataset {name!r}, column {series.name!r}"
    present = series.notna()
    if declared in ("int", "float"):
        converted = pd.to_numeric(series, errors="coerce")
        _fail_on_new_nulls(converted, present, where, f"is not a number (declared {declared})")
        if declared == "int":
            fractional = ((converted % 1) != 0) & converted.notna()
            if fractional.any():
                row = int(np.argmax(fractional.to_numpy())) + 1
                raise JobFailure(
                    f"{where}: the value on data row {row} is not a whole number (declared "
                    "int); declare the column as float or fix the data."
                )
            if not converted.isna().any():
                return converted.astype("int64")
        return converted.astype("float64")
    if declared == "bool":
        return _to_bool(series, present, where)
    if declared in ("datetime", "datetime_tz"):
        converted = _to_datetime(series, declared == "datetime_tz")
        _fail_on_new_nulls(converted, present, where, f"is not a date/time (declared {declared})")
        return converted
    return series  # category: values kept as they are


def _to_datetime(series: pd.Series, tz: bool) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series):
        if tz and getattr(series.dt, "tz", None) is None:
            return series.dt.tz_localize("UTC")
        return series
    return pd.to_datetime(series, errors="coerce", utc=tz, format="mixed")


def _to_bool(series: pd.Series, present: pd.Series, where: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(series):
        return series
    text = series.astype(str).str.strip().str.lower()
    converted = pd.Series(np.nan, index=series.index, dtype=object)
    converted[text.isin(_TRUE)] = True
    converted[text.isin(_FALSE)] = False
    _fail_on_new_nulls(converted, present, where, "is not a boolean (true/false, yes/no, 1/0)")
    return converted if converted.isna().any() else converted.astype(bool)


def _fail_on_new_nulls(converted: pd.Series, present: pd.Series, where: str, problem: str) -> None:
    bad = present & converted.isna()
    if bad.any():
        row = int(np.argmax(bad.to_numpy())) + 1
        raise JobFailure(
            f"{where}: the value on data row {row} {problem}; fix the data or change the "
            f"declared type ({int(bad.sum())} value(s) affected)."
        )
