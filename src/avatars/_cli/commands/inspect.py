"""`avatars inspect DATA`: how every column would be typed, and why, without running a job."""

from __future__ import annotations

import argparse

from avatars._cli.arguments import SubParsers
from avatars._cli.exits import EXIT_OK, CliError
from avatars._cli.table_options import (
    add_column_options,
    add_reading_options,
    column_summary,
    column_types,
    reading_options,
)

ORDER = 25


def register(commands: SubParsers) -> None:
    """Add `avatars inspect` to the command's sub-parsers."""
    inspect = commands.add_parser(
        "inspect",
        help="show how each column of a file would be typed and why (no job)",
        description="Read DATA as `avatars run` does and print, for every column, its type, "
        "whether it is avatarized, left out or kept as it is, and the rule that decided.",
    )
    inspect.add_argument("data", metavar="DATA", help="CSV, TSV, Parquet or Excel file")
    add_reading_options(inspect)
    add_column_options(inspect)
    inspect.set_defaults(handler=inspect_command)


def inspect_command(args: argparse.Namespace) -> int:
    """Print the file's shape, dialect and column typing."""
    from avatars._cli.commands.run import check_data_file
    from avatars._column_types import decide_columns
    from avatars._table_reading import read_table, sniff_csv

    path, file_format = check_data_file(args.data)
    reading = reading_options(args)
    try:
        frame = read_table(
            path, sep=reading["sep"], decimal=reading["decimal"], encoding=reading["encoding"],
            sheet=reading["sheet"],
        )
        decisions = decide_columns(frame, column_types(args))
    except ValueError as exc:
        raise CliError(str(exc)) from None
    described = f"{path}: {frame.shape[0]} rows, {frame.shape[1]} columns"
    if file_format in ("csv", "tsv"):
        dialect = sniff_csv(
            path, sep=reading["sep"] or ("\t" if file_format == "tsv" else None),
            decimal=reading["decimal"], encoding=reading["encoding"],
        )
        sep = {"\t": "tab"}.get(dialect.sep, repr(dialect.sep))
        described += f" (separator {sep}, decimal {dialect.decimal!r}, {dialect.encoding})"
    print(described)
    print(column_summary(decisions, args.id_policy))
    return EXIT_OK
