"""`avatars evaluate ORIGINAL AVATARS`: metrics, verdict and report of avatars made elsewhere."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from avatars._cli.arguments import SubParsers, add_server_options, seed
from avatars._cli.commands.run import (
    _cli_words,
    _same_permissions,
    _warnings_as_lines,
    add_output_options,
    check_data_file,
    prepare_output,
    print_outcome,
    run_jobs,
    table_name,
    write_metrics,
)
from avatars._cli.connection import manager
from avatars._cli.exits import EXIT_OK, CliError
from avatars._cli.output import info, set_verbosity
from avatars._cli.table_options import (
    add_column_options,
    add_reading_options,
    column_summary,
    column_types,
    reading_options,
)

ORDER = 12


def register(commands: SubParsers) -> None:
    """Add `avatars evaluate` to the command's sub-parsers."""
    evaluate = commands.add_parser(
        "evaluate",
        help="judge avatars made elsewhere: privacy and signal metrics, verdict and report",
        description="Compute the privacy and signal metrics of AVATARS (synthetic records made "
        "by any method, any row order) against ORIGINAL, print every metric against its target "
        "and the verdict, and write metrics.json (top-level \"passed\") and report.pdf into "
        "--out. Nothing is avatarized. The avatars must have the original's columns.",
    )
    evaluate.add_argument("original", metavar="ORIGINAL",
                          help="CSV, TSV, Parquet or Excel file of the original individuals")
    evaluate.add_argument("avatars", metavar="AVATARS",
                          help="the avatars to judge, same columns, same format options")
    evaluate.add_argument("--table", help="table name (default: ORIGINAL's file name)")
    add_output_options(evaluate)
    evaluate.add_argument("--seed", type=seed, help="random seed of the metrics' attacks")
    evaluate.add_argument(
        "--report-type", choices=["basic", "pia"], default="basic",
        help="basic: report.pdf (default); pia: pia.pdf and pia.docx",
    )
    add_column_options(evaluate)
    add_reading_options(evaluate)
    add_server_options(evaluate)
    evaluate.set_defaults(handler=evaluate_command)


def evaluate_command(args: argparse.Namespace) -> int:
    """Run `avatars evaluate` with parsed arguments; return the exit code.

    Example:
        >>> main(["evaluate", "wbcd.csv", "synthetic.csv", "--out", "judged"])
        ... # doctest: +SKIP
        0
    """
    from avatars.constants import ReportLanguage

    set_verbosity(quiet=args.quiet, verbose=args.verbose)
    path, _ = check_data_file(args.original)
    avatars_path, _ = check_data_file(args.avatars)
    table = table_name(args, path)
    types = column_types(args)
    out = Path(args.out).expanduser()
    prepare_output(out, args.overwrite)
    started = time.monotonic()
    with manager(args) as session:
        runner = session.create_runner(
            set_name=table, seed=args.seed, report_language=ReportLanguage(args.language))
        reading = reading_options(args)
        try:
            with _warnings_as_lines():
                runner.add_table(
                    table, str(path), types=types, sep=reading["sep"],
                    decimal=reading["decimal"], encoding=reading["encoding"],
                    sheet=reading["sheet"],
                    identifier_policy=args.id_policy, avatar_data=str(avatars_path),
                )
        except ValueError as exc:
            raise CliError(_cli_words(str(exc))) from None
        info(column_summary(runner.column_decisions(table), args.id_policy))
        info(f"Evaluating {avatars_path} against {path} as table {table!r} on "
             f"{args._server_description}")
        _, privacy_doc, signal_doc, report_paths = run_jobs(
            runner, table, out, args.report_type, "reading the avatars")
        metrics_path = write_metrics(out, {
            "table": table,
            "source": str(path),
            "avatars": str(avatars_path),
            "set_name": getattr(runner, "set_name", None),
            "parameters": {"seed": args.seed, "types": types,
                           "identifier_policy": args.id_policy},
            "columns": runner.describe_columns(table).reset_index().to_dict("records"),
        }, privacy_doc, signal_doc)
        _same_permissions([metrics_path, *report_paths])
    print_outcome(privacy_doc, signal_doc, f"Metrics of {avatars_path.name} for {table}",
                  started, [("Metrics", metrics_path), ("Report", *report_paths)])
    return EXIT_OK
