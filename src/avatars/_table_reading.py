"""Read a user's table file: CSV (dialect sniffed), TSV, Parquet or Excel (.xlsx).

CSV files come from many tools, so the dialect is found from the file itself:

* encoding: a byte-order mark (UTF-8, UTF-16) wins; else UTF-8 when the whole file decodes as
  UTF-8, else cp1252 (a superset of latin-1 for text, the usual spreadsheet export) and, when
  cp1252 cannot decode a byte, latin-1;
* separator: the one of ``,`` ``;`` tab ``|`` that splits the first lines (outside quotes) into
  the same number of fields, more than one;
* decimal mark: ``,`` when the separator is not a comma and numbers such as ``72,5`` appear;
* quotes: ``"`` (doubled inside a quoted field), as every spreadsheet writes them.

Each guess can be overridden (``sep``, ``decimal``, ``encoding``).

Example:
    >>> frame = read_table("fixtures/wbcd.csv")  # doctest: +SKIP
    >>> sniff_csv("export.csv")  # doctest: +SKIP
    CsvDialect(sep=';', decimal=',', encoding='cp1252')
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

__all__ = ["TABLE_SUFFIXES", "CsvDialect", "TableReadError", "read_table", "sniff_csv"]

TABLE_SUFFIXES = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "excel",
    ".xlsm": "excel",
}
_SEPARATORS = (",", ";", "\t", "|")
_SNIFF_LINES = 50
_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d+,\d+\s*$")
_DECIMAL_POINT = re.compile(r"^\s*[-+]?\d*\.\d+\s*$")


class TableReadError(ValueError):
    """A table file that cannot be read; the message says what to change."""


@dataclass(frozen=True)
class CsvDialect:
    """How a CSV file is written.

    Attributes:
        sep: field separator.
        decimal: decimal mark of the numbers (``.`` or ``,``).
        encoding: text encoding (a Python codec name).
    """

    sep: str = ","
    decimal: str = "."
    encoding: str = "utf-8"

    @property
    def is_plain(self) -> bool:
        """Whether the file is comma-separated UTF-8 with decimal points (read as is)."""
        return self.sep == "," and self.decimal == "." and self.encoding in {"utf-8", "ascii"}


def _encoding(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        raw.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def _first_lines(text: str) -> list[str]:
    lines = io.StringIO(text, newline=None).read().split("\n")[:_SNIFF_LINES]
    return [line for line in lines if line.strip()]


def _separator(lines: list[str]) -> str:
    best, best_score = ",", -1.0
    for sep in _SEPARATORS:
        counts = [len(row) for row in csv.reader(lines, delimiter=sep) if row]
        if not counts or counts[0] < 2:
            continue
        # share of lines with the header's field count; ties go to the widest split
        score = sum(1 for c in counts if c == counts[0]) / len(counts) + counts[0] / 1e4
        if score > best_score:
            best, best_score = sep, score
    return best


def _decimal(lines: list[str], sep: str) -> str:
    if sep == ",":
        return "."
    commas = points = 0
    for row in list(csv.reader(lines, delimiter=sep))[1:]:
        for field in row:
            commas += bool(_DECIMAL_COMMA.match(field))
            points += bool(_DECIMAL_POINT.match(field))
    return "," if commas > points else "."


def sniff_csv(
    path: str | Path,
    *,
    sep: str | None = None,
    decimal: str | None = None,
    encoding: str | None = None,
) -> CsvDialect:
    """Find the separator, decimal mark and encoding of a CSV file; given values win.

    Args:
        path: the CSV file.
        sep: separator to use instead of the sniffed one.
        decimal: decimal mark to use instead of the sniffed one.
        encoding: encoding to use instead of the sniffed one.

    Returns:
        The dialect.

    Raises:
        TableReadError: the file is empty or binary, or ``encoding`` is unknown.

    Example:
        >>> sniff_csv("fixtures/wbcd.csv")  # doctest: +SKIP
        CsvDialect(sep=',', decimal='.', encoding='utf-8')
    """
    raw = Path(path).read_bytes()
    name = Path(path).name
    if not raw.strip():
        raise TableReadError(f"{name} is empty: it needs a header row and data rows.")
    if b"\x00" in raw[:65536] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise TableReadError(
            f"{name} is a binary file, not CSV text; export it as CSV, Parquet or .xlsx."
        )
    chosen = encoding or _encoding(raw)
    try:
        text = raw[: 256 * 1024].decode(chosen, errors="replace")
    except LookupError:
        raise TableReadError(
            f"Unknown encoding {encoding!r}; use e.g. encoding='utf-8' or encoding='latin-1'."
        ) from None
    lines = _first_lines(text.lstrip("\ufeff"))
    chosen_sep = sep or _separator(lines)
    chosen_decimal = decimal or _decimal(lines, chosen_sep)
    return CsvDialect(sep=chosen_sep, decimal=chosen_decimal, encoding=chosen)


def table_format(path: str | Path) -> str:
    """``csv``, ``tsv``, ``parquet`` or ``excel``, from the file name.

    Raises:
        TableReadError: the extension is none of those.

    Example:
        >>> table_format("data.xlsx")
        'excel'
    """
    suffix = Path(path).suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise TableReadError(
            f"Cannot read {Path(path).name}: use a CSV (.csv), TSV (.tsv), Parquet (.parquet) "
            "or Excel (.xlsx) file, or pass a pandas DataFrame."
        )
    return TABLE_SUFFIXES[suffix]


def read_table(
    path: str | Path,
    *,
    sep: str | None = None,
    decimal: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
) -> pd.DataFrame:
    """Read a table file into a DataFrame, whatever tool wrote it.

    Args:
        path: a ``.csv``, ``.tsv``, ``.parquet`` or ``.xlsx`` file.
        sep: CSV separator (default: sniffed; tab for ``.tsv``).
        decimal: CSV decimal mark (default: sniffed).
        encoding: CSV encoding (default: sniffed).
        sheet: the sheet of an ``.xlsx`` workbook to read, by name (default: the first one).

    Returns:
        The table, one row per line of the file.

    Raises:
        TableReadError: the file cannot be read; the message says what to change.

    Example:
        >>> read_table("fixtures/wbcd.csv").shape  # doctest: +SKIP
        (683, 10)
    """
    path = Path(path)
    kind = table_format(path)
    if sheet is not None and kind != "excel":
        raise TableReadError(
            f"sheet={sheet!r} (--sheet) applies to .xlsx workbooks only; {path.name} is a "
            f"{kind} file, so leave sheet out."
        )
    if kind == "parquet":
        try:
            return pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several unrelated types for corrupt files
            raise TableReadError(
                f"{path.name} is not a readable Parquet file ({type(exc).__name__}); export "
                "it again or use a CSV file."
            ) from None
    if kind == "excel":
        return _read_sheet(path, sheet)
    dialect = sniff_csv(
        path, sep=sep or ("\t" if kind == "tsv" else None), decimal=decimal, encoding=encoding
    )
    return read_csv(path, dialect)


def _read_sheet(path: Path, sheet: str | None) -> pd.DataFrame:
    """One sheet of a workbook (the first one by default), refused with the sheet names."""
    try:
        workbook = pd.ExcelFile(path)
    except Exception as exc:  # openpyxl raises zipfile, KeyError, ... on bad files
        raise TableReadError(
            f"{path.name} is not a readable .xlsx file ({type(exc).__name__}); save it "
            "again from the spreadsheet, or as CSV."
        ) from None
    with workbook:
        names = [str(n) for n in workbook.sheet_names]
        if sheet is not None and sheet not in names:
            raise TableReadError(
                f"{path.name} has no sheet {sheet!r}; its sheets are "
                f"{', '.join(repr(n) for n in names)}: pass one of them (sheet='{names[0]}', "
                f"or --sheet '{names[0]}')."
            )
        chosen = sheet if sheet is not None else names[0]
        frame = pd.read_excel(workbook, sheet_name=chosen)
    if frame.empty:
        raise TableReadError(
            f"sheet {chosen!r} of {path.name} has no data rows"
            + (f"; pick the sheet that holds the table (sheets: {', '.join(names)}; "
               "sheet='NAME', or --sheet NAME)." if len(names) > 1 else
               "; add one row per individual below the header.")
        )
    return frame


def _sep_name(sep: str) -> str:
    return {"\t": "tab", ",": "','", ";": "';'", "|": "'|'"}.get(sep, repr(sep))


def row_problems(lines: Iterable[str], sep: str, limit: int = 5) -> list[str]:
    """Every structural problem of CSV text: no data row, ragged rows, an unclosed quote.

    Args:
        lines: the file's lines (newlines kept), header first.
        sep: the field separator.
        limit: how many line numbers to list per problem.

    Returns:
        One message per kind of problem; empty when the text is a well-formed table.

    Example:
        >>> row_problems(["a,b\\n", "1,2\\n", "3\\n"], ",")
        ['line 3 has 1 field(s) instead of the 2 of the header']
    """
    problems: list[str] = []
    ragged: list[tuple[int, int]] = []
    reader = csv.reader(lines, delimiter=sep, strict=True)
    width = rows = 0
    try:
        for row in reader:
            if reader.line_num == 1 or width == 0:
                width = len(row)
                continue
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            rows += 1
            if len(row) != width:
                ragged.append((reader.line_num, len(row)))
    except csv.Error as exc:
        problems.append(
            f"a quote opened before line {reader.line_num} is never closed ({exc}); close it "
            "or remove the stray quote"
        )
    if ragged:
        shown = ", ".join(
            f"line {line} has {count} field(s)" for line, count in ragged[:limit]
        )
        more = f" (and {len(ragged) - limit} more lines)" if len(ragged) > limit else ""
        problems.append(f"{shown} instead of the {width} of the header{more}")
    if rows == 0 and not problems:
        problems.append("there is a header but no data row; add one row per individual")
    return problems


def _check_rows(path: Path, dialect: CsvDialect) -> None:
    try:
        with path.open("r", encoding=dialect.encoding, newline="") as handle:
            problems = row_problems(handle, dialect.sep)
    except UnicodeDecodeError:
        raise TableReadError(
            f"{path.name} is not {dialect.encoding} text; pass its encoding "
            "(encoding='latin-1', or --encoding latin-1)."
        ) from None
    if problems:
        raise TableReadError(
            f"{path.name} cannot be read as a table with separator {_sep_name(dialect.sep)}: "
            + "; ".join(problems)
            + ". Fix the file, or pass the separator if it is another one (sep=';', or "
            "--sep ';')."
        )


def read_csv(path: Path, dialect: CsvDialect) -> pd.DataFrame:
    """Read a CSV file written in ``dialect``; every malformed row is reported at once.

    Raises:
        TableReadError: header only, ragged rows, unterminated quote or undecodable bytes.

    Example:
        >>> read_csv(Path("fixtures/wbcd.csv"), CsvDialect()).shape  # doctest: +SKIP
        (683, 10)
    """
    _check_rows(path, dialect)
    try:
        data = pd.read_csv(
            path,
            sep=dialect.sep,
            decimal=dialect.decimal,
            encoding=dialect.encoding,
            engine="python",
            on_bad_lines="error",
            skipinitialspace=False,
        )
    except UnicodeDecodeError:
        raise TableReadError(
            f"{path.name} is not {dialect.encoding} text; pass its encoding "
            "(encoding='latin-1', or --encoding latin-1)."
        ) from None
    except pd.errors.EmptyDataError:
        raise TableReadError(
            f"{path.name} is empty: it needs a header row and data rows."
        ) from None
    except (pd.errors.ParserError, csv.Error) as exc:
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else "parse error"
        sep_name = _sep_name(dialect.sep)
        raise TableReadError(
            f"{path.name} is not a valid CSV file with separator {sep_name} ({detail}): every "
            "row needs as many fields as the header and every quote must be closed; fix the "
            "file, or pass the separator (sep=';', or --sep ';')."
        ) from None
    if data.empty:
        raise TableReadError(
            f"{path.name} has a header but no data rows; add one row per individual."
        )
    return data
