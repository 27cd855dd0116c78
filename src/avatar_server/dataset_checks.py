"""Check a whole uploaded dataset at upload time and list every problem found at once.

A CSV file is refused when it has no data row, when rows have more or fewer fields than the
header, or when a quote is never closed; binary and undecodable files are refused by
:mod:`avatar_server.dataset_files`. Problems are listed together (with line numbers, never cell
values) so that one fix-and-upload round is enough.

Example:
    >>> dataset_problems(Path("fixtures/wbcd.csv"), "wbcd.csv")
    []
"""

from __future__ import annotations

import csv
from pathlib import Path

from avatar_server.dataset_header import csv_dialect, dataset_format

__all__ = ["dataset_problems"]

_LISTED_LINES = 5


def dataset_problems(path: Path, name: str) -> list[str]:
    """Every structural problem of an uploaded dataset (empty list: the file is usable).

    Args:
        path: the uploaded file.
        name: the dataset name, used in messages.

    Returns:
        Messages naming the dataset, the line numbers and what to fix.

    Raises:
        JobFailure: the file is empty, binary or not UTF-8 (from the header check).

    Example:
        >>> dataset_problems(Path("fixtures/wbcd.csv"), "wbcd.csv")
        []
    """
    if dataset_format(path) == "parquet":
        return []
    width, delimiter, encoding = csv_dialect(path, name)
    problems: list[str] = []
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
            f"dataset {name!r}: a quote opened before line {line + 1} is never closed; close "
            "it or remove the stray quote"
        )
    except UnicodeDecodeError:
        problems.append(
            f"dataset {name!r} is not UTF-8 text beyond its first lines; save it as UTF-8 "
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
    if rows == 0 and not problems:
        problems.append(
            f"dataset {name!r} has a header but no data row; add one row per individual"
        )
    return problems
