"""The format, CSV dialect and column names of an uploaded dataset, read without pandas.

The API process checks uploads and resource sets with this module only, so it never loads
pandas or numpy (the workers read whole tables with :mod:`avatar_server.dataset_files`).
Every problem the user can fix raises :class:`~avatar_server.job_failures.JobFailure` naming
the file and column.

Example:
    >>> read_columns(Path("fixtures/wbcd.csv"), "wbcd.csv")[:2]
    ['Clump_Thickness', 'Uniformity_of_Cell_Size']
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
from pathlib import Path
from typing import Any

from avatar_server.job_failures import JobFailure
from avatar_server.resource_sets import ResourceSetError

__all__ = [
    "csv_dialect",
    "csv_header_problems",
    "dataset_format",
    "header_problems",
    "read_columns",
]

MAX_COLUMN_NAME_CHARS = 1024
_SNIFF_BYTES = 64 * 1024
_PARQUET_MAGIC = b"PAR1"


def dataset_format(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(4)
    return "parquet" if head == _PARQUET_MAGIC else "csv"


def _csv_encoding(path: Path, name: str) -> str:
    """Encoding of a CSV dataset: a byte-order mark wins, else UTF-8, else cp1252 or latin-1.

    Spreadsheets on Windows export cp1252 (a superset of latin-1 for text); a file that is not
    valid UTF-8 from start to end is read as cp1252, or latin-1 when cp1252 cannot decode a
    byte, so that accents arrive intact whatever tool wrote the file.
    """
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    if not head.strip():
        raise JobFailure(f"dataset {name!r} is empty; upload a CSV file with a header row.")
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if b"\x00" in head:
        raise JobFailure(
            f"dataset {name!r} looks like a binary file, not CSV text; upload a CSV (UTF-8, "
            "cp1252 or latin-1) or a Parquet file."
        )
    stat = path.stat()
    return _text_encoding(str(path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _text_encoding(path: str, size: int, mtime_ns: int) -> str:
    """``utf-8-sig`` when the whole file decodes as UTF-8, else ``cp1252``, else ``latin-1``."""
    del size, mtime_ns  # part of the cache key only: a replaced file is sniffed again
    for encoding in ("utf-8", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with open(path, "rb") as handle:
                while chunk := handle.read(1 << 20):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return "utf-8-sig" if encoding == "utf-8" else encoding
    return "latin-1"


def csv_header(path: Path, name: str, *, check: bool = True) -> tuple[list[str], str, str]:
    """Header columns, delimiter and encoding of a CSV dataset."""
    encoding = _csv_encoding(path, name)
    try:
        with path.open("r", encoding=encoding, newline="") as handle:
            first = handle.readline(_SNIFF_BYTES)
    except UnicodeDecodeError as exc:
        raise encoding_failure(name, exc) from None
    if not first.strip():
        raise JobFailure(
            f"dataset {name!r} has an empty first line; the first row must be "
            "the header (column names)."
        )
    try:
        delimiter = csv.Sniffer().sniff(first, delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    header = next(csv.reader(io.StringIO(first), delimiter=delimiter))
    if check:
        check_header(name, header)
    return header, delimiter, encoding


def csv_dialect(path: Path, name: str) -> tuple[int, str, str]:
    """Number of header columns, delimiter and encoding of a CSV dataset.

    Raises:
        JobFailure: the file is empty, binary, not UTF-8, or its header is unusable.

    Example:
        >>> csv_dialect(Path("fixtures/wbcd.csv"), "wbcd.csv")
        (10, ',', 'utf-8-sig')
    """
    header, delimiter, encoding = csv_header(path, name)
    return len(header), delimiter, encoding


def header_problems(name: str, header: list[str]) -> list[str]:
    """Every problem of a header row: unnamed, over-long and repeated column names.

    Example:
        >>> header_problems("t.csv", ["a", "", "a"])[0]
        "dataset 't.csv': column 2 has no name; give every column a name in the header row"
    """
    problems: list[str] = []
    seen: set[str] = set()
    for position, column in enumerate(header, start=1):
        if not column:
            problems.append(
                f"dataset {name!r}: column {position} has no name; give every column a name "
                "in the header row"
            )
        elif len(column) > MAX_COLUMN_NAME_CHARS:
            problems.append(
                f"dataset {name!r}: the name of column {position} is {len(column)} characters "
                f"long (limit {MAX_COLUMN_NAME_CHARS}); is the first row really a header?"
            )
        elif column in seen:
            problems.append(
                f"dataset {name!r}: column {column[:80]!r} appears twice in the header; "
                "rename one of them"
            )
        seen.add(column)
    return problems


def check_header(name: str, header: list[str]) -> None:
    """Raise :class:`JobFailure` listing every problem of the header row."""
    problems = header_problems(name, header)
    if problems:
        raise JobFailure("; ".join(problems) + ".")


def csv_header_problems(path: Path, name: str) -> tuple[list[str], str, str]:
    """Header, delimiter and encoding of a CSV dataset, without raising on header problems.

    Raises:
        JobFailure: the file is empty, binary or its first line is empty.

    Example:
        >>> csv_header_problems(Path("fixtures/wbcd.csv"), "wbcd.csv")[1:]
        (',', 'utf-8-sig')
    """
    return csv_header(path, name, check=False)


def encoding_failure(name: str, exc: UnicodeDecodeError) -> JobFailure:
    byte = exc.object[exc.start : exc.start + 1].hex() if exc.object else "?"
    return JobFailure(
        f"dataset {name!r} is not {exc.encoding} text (byte 0x{byte} cannot be decoded); "
        "save it as UTF-8 (e.g. 'CSV UTF-8' in a spreadsheet) or as Parquet and upload it again."
    )


def read_columns(path: Path, name: str) -> list[str]:
    """Column names of an uploaded dataset (CSV header or Parquet schema).

    Raises:
        ResourceSetError: ``invalid_dataset`` when the file cannot be read as a table.

    Example:
        >>> read_columns(Path("fixtures/wbcd.csv"), "wbcd.csv")[:2]
        ['Clump_Thickness', 'Uniformity_of_Cell_Size']
    """
    try:
        if dataset_format(path) == "parquet":
            return [str(c) for c in parquet_schema(path, name).names]
        return csv_header(path, name)[0]
    except JobFailure as exc:
        raise ResourceSetError(exc.user_message, "invalid_dataset") from None


def parquet_schema(path: Path, name: str) -> Any:
    import pyarrow.parquet as pq

    try:
        return pq.read_schema(path)
    except Exception as exc:  # pyarrow raises several unrelated types for corrupt files
        raise JobFailure(
            f"dataset {name!r} is not a readable Parquet file ({type(exc).__name__}); "
            "upload it again or convert it to CSV."
        ) from None
