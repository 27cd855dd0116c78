"""Check a whole uploaded dataset at upload time and list every problem found at once.

A CSV file is refused when its header has unnamed or repeated columns, when it has no data
row, when rows have more or fewer fields than the header, or when a quote is never closed;
binary files are refused by :mod:`avatar_server.dataset_files`. Problems are listed together
(with line numbers, never cell values) so that one fix-and-upload round is enough.
:func:`count_rows` lets a resource set be refused before any job when a table has no more rows
than its ``k`` (k is only known then).

Example:
    >>> dataset_problems(Path("fixtures/wbcd.csv"), "wbcd.csv")
    []
"""

from __future__ import annotations

import csv
from pathlib import Path

from avatar_server.dataset_header import csv_header_problems, dataset_format, header_problems

__all__ = ["count_rows", "dataset_problems"]

_LISTED_LINES = 5


def dataset_problems(path: Path, name: str) -> list[str]:
    """Every structural problem of an uploaded dataset (empty list: the file is usable).

    Args:
        path: the uploaded file.
        name: the dataset name, used in messages.

    Returns:
        Messages naming the dataset, the line numbers and what to fix.

    Raises:
        JobFailure: the file is empty or binary (nothing else can be checked).

    Example:
        >>> dataset_problems(Path("fixtures/wbcd.csv"), "wbcd.csv")
        []
    """
    if dataset_format(path) == "parquet":
        return []
    header, delimiter, encoding = csv_header_problems(path, name)
    width = len(header)
    problems = header_problems(name, header)
    ragged: list[tuple[int, int]] = []
    rows = 0
    line = 1
    try:
        with path.open("r", encoding=encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter, strict=True)
            next(reader, None)
            for row in reader:
                line = reader.line_num
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                rows += 1
                if len(row) != width:
                    ragged.append((line, len(row)))
    except csv.Error:
        problems.append(
            f"dataset {name!r}: a quote opened on line {line + 1} is never closed; close "
            "it or remove the stray quote"
        )
    except UnicodeDecodeError:
        problems.append(
            f"dataset {name!r} is not {encoding} text beyond its first lines; save it as UTF-8 "
            "(e.g. 'CSV UTF-8' in a spreadsheet) or as Parquet"
        )
    if ragged:
        listed = ragged[:_LISTED_LINES]
        shown = ", ".join(f"line {n} has {count} field(s)" for n, count in listed)
        more = f" and {len(ragged) - len(listed)} more lines" if len(ragged) > len(listed) else ""
        problems.append(
            f"dataset {name!r}: {shown}{more}, instead of the {width} of the header; give "
            "every row as many fields as the header (quote fields that contain the separator)"
        )
    if rows == 0:
        problems.append(
            f"dataset {name!r} has a header but no data row; add one row per individual"
        )
    return problems


def count_rows(path: Path, name: str, limit: int) -> int:
    """Number of data rows of a dataset, counted up to ``limit`` (reads no more than that).

    Args:
        path: the stored dataset (CSV or Parquet).
        name: the dataset name, used in messages.
        limit: stop counting there; the answer is ``min(rows, limit)``.

    Example:
        >>> count_rows(Path("fixtures/wbcd.csv"), "wbcd.csv", 20)
        20
    """
    if dataset_format(path) == "parquet":
        import pyarrow.parquet as pq

        try:
            return min(int(pq.ParquetFile(path).metadata.num_rows), limit)
        except Exception:  # corrupt files are refused with their reason when read
            return limit
    _header, delimiter, encoding = csv_header_problems(path, name)
    rows = 0
    try:
        with path.open("r", encoding=encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            next(reader, None)
            for row in reader:
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                rows += 1
                if rows >= limit:
                    break
    except (csv.Error, UnicodeDecodeError):
        return limit  # refused at upload; the job reports it if the file changed since
    return rows
