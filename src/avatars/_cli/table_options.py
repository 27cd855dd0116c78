"""Options shared by the commands that read a table: reading overrides and column types.

``--sep --decimal --encoding`` override what is sniffed from a CSV file; ``--categorical``,
``--numeric``, ``--id``, ``--drop`` and ``--types FILE.yaml`` override the typing rule, exactly
as ``add_table(types=...)`` does in the SDK.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import yaml

from avatars._cli.exits import CliError
from avatars._column_types import USER_TYPES, ColumnDecision, ColumnRole

__all__ = [
    "add_column_options",
    "add_reading_options",
    "column_summary",
    "column_types",
    "reading_options",
]

_ROLE_LABELS = {
    ColumnRole.AVATARIZED: "avatarized",
    ColumnRole.IDENTIFIER: "identifier",
    ColumnRole.FREE_TEXT: "left out",
    ColumnRole.DROPPED: "left out",
    ColumnRole.PASSED_THROUGH: "kept as is",
}


def add_reading_options(parser: argparse.ArgumentParser) -> None:
    """``--sep --decimal --encoding`` override what is sniffed from a CSV file; ``--sheet``."""
    reading = parser.add_argument_group("reading the file (sniffed when not given)")
    reading.add_argument("--sep", help="field separator, e.g. ';' or '\\t'")
    reading.add_argument("--decimal", choices=[".", ","], help="decimal mark of the numbers")
    reading.add_argument("--encoding", help="text encoding, e.g. utf-8, latin-1, cp1252")
    reading.add_argument(
        "--sheet", metavar="NAME", help="sheet of an .xlsx workbook to read (default: the first)"
    )


def reading_options(args: argparse.Namespace) -> dict[str, str | None]:
    """The reading overrides as ``add_table`` keyword arguments.

    Example:
        >>> reading_options(argparse.Namespace(sep="\\\\t", decimal=None, encoding=None))
        {'sep': '\\t', 'decimal': None, 'encoding': None, 'sheet': None}
    """
    sep = args.sep.replace("\\t", "\t") if args.sep else None
    return {
        "sep": sep,
        "decimal": args.decimal,
        "encoding": args.encoding,
        "sheet": getattr(args, "sheet", None),
    }


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def add_column_options(parser: argparse.ArgumentParser) -> None:
    """``--categorical --numeric --id --drop --types --id-policy``."""
    columns = parser.add_argument_group("column types (default: the typing rule, see inspect)")
    for flag, meaning in (
        ("--categorical", "categorical columns"),
        ("--numeric", "numeric columns"),
        ("--date", "date or date-time columns"),
        ("--id", "identifier columns (never released as they are)"),
        ("--drop", "columns left out of the avatars"),
    ):
        columns.add_argument(
            flag, metavar="COL[,COL...]", action="append", default=[], type=_names,
            help=meaning,
        )
    columns.add_argument(
        "--types", metavar="FILE.yaml",
        help="YAML mapping column: type (int, float, numeric, bool, category, datetime, id, "
        "drop), as add_table(types=...)",
    )
    columns.add_argument(
        "--id-policy", choices=["drop", "pseudonymize"], default="drop",
        help="identifier columns: left out (drop, default) or released as pseudonyms",
    )


def column_types(args: argparse.Namespace) -> dict[str, str]:
    """The ``types=`` mapping of the column options; a column given twice is an error.

    Example:
        >>> column_types(argparse.Namespace(types=None, categorical=[["sex"]], numeric=[],
        ...                                 date=[], id=[["pid"]], drop=[]))
        {'sex': 'category', 'pid': 'id'}
    """
    given: dict[str, str] = {}
    if args.types:
        path = Path(args.types).expanduser()
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CliError(f"cannot read --types {args.types}: {exc.strerror}") from None
        except yaml.YAMLError as exc:
            raise CliError(f"--types {args.types} is not valid YAML ({exc})") from None
        if not isinstance(loaded, dict) or not all(
            isinstance(v, str) for v in loaded.values()
        ):
            raise CliError(
                f"--types {args.types} must be a YAML mapping 'column: type', e.g. "
                "'sex: category'; types are " + ", ".join(sorted(USER_TYPES))
            )
        given.update({str(k): str(v) for k, v in loaded.items()})
    for option, kind in (("categorical", "category"), ("numeric", "numeric"),
                         ("date", "datetime"), ("id", "id"), ("drop", "drop")):
        for group in getattr(args, option):
            for name in group:
                if name in given and given[name] != kind:
                    raise CliError(
                        f"column {name!r} is given two types ({given[name]} and {kind}); "
                        "give it one"
                    )
                given[name] = kind
    return given


def column_summary(decisions: Sequence[ColumnDecision], id_policy: str = "drop") -> str:
    """The typing of every column, one line each: name, type, what happens and why.

    Example:
        >>> from avatars._column_types import ColumnType
        >>> print(column_summary([ColumnDecision("sex", ColumnType.CATEGORY,
        ...                                      ColumnRole.AVATARIZED, "2 values")]))
        Columns (1):
          sex  category  avatarized  2 values
    """
    width = max(len(d.column) for d in decisions)
    lines = [f"Columns ({len(decisions)}):"]
    for d in decisions:
        role = _ROLE_LABELS[d.role]
        if d.role is ColumnRole.IDENTIFIER:
            role = "pseudonymized" if id_policy == "pseudonymize" else "left out"
        lines.append(f"  {d.column:<{width}}  {d.type.value:<8}  {role:<10}  {d.reason}")
    return "\n".join(lines)
