"""`avatars run DATA`: avatarize a table, compute the metrics and the report, write them."""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from avatars import _display
from avatars._cli.arguments import SubParsers, add_server_options, positive_int, seed
from avatars._cli.connection import manager
from avatars._cli.exits import EXIT_JOB_FAILED, EXIT_OK, CliError
from avatars._cli.output import info, step
from avatars._table_reading import TABLE_SUFFIXES

ORDER = 10

DATA_SUFFIXES = TABLE_SUFFIXES

_JOB_LABELS = {
    "standard": "avatarization",
    "privacy_metrics": "privacy metrics",
    "signal_metrics": "signal metrics",
    "report": "report",
}


def register(commands: SubParsers) -> None:
    """Add `avatars run` to the command's sub-parsers."""
    run = commands.add_parser(
        "run",
        help="avatarize a CSV, TSV, Parquet or Excel file; compute metrics and the report",
        description="Avatarize DATA, compute privacy and signal metrics and the report, print "
        "every metric against its target, and write the avatars, metrics.json and report.pdf "
        "into --out.",
    )
    run.add_argument(
        "data", metavar="DATA",
        help="CSV, TSV, Parquet or Excel (.xlsx) file, one row per individual",
    )
    run.add_argument("--k", type=positive_int, default=20, help="neighbours per avatar (20)")
    run.add_argument("--ncp", type=positive_int, default=5, help="projection dimensions (5)")
    run.add_argument("--table", help="table name (default: the file name without extension)")
    run.add_argument("--out", default="results", help="output folder (default: ./results)")
    run.add_argument("--seed", type=seed, help="random seed, for reproducible avatars")
    run.add_argument("--language", choices=["en", "fr"], default="en", help="report language")
    add_reading_options(run)
    add_server_options(run)
    run.set_defaults(handler=run_command)


def add_reading_options(parser: argparse.ArgumentParser) -> None:
    """``--sep --decimal --encoding``: override what is sniffed from a CSV file."""
    reading = parser.add_argument_group("reading a CSV file (sniffed when not given)")
    reading.add_argument("--sep", help="field separator, e.g. ';' or '\\t'")
    reading.add_argument("--decimal", choices=[".", ","], help="decimal mark of the numbers")
    reading.add_argument("--encoding", help="text encoding, e.g. utf-8, latin-1, cp1252")


def reading_options(args: argparse.Namespace) -> dict[str, str | None]:
    """The reading overrides as ``add_table`` keyword arguments.

    Example:
        >>> reading_options(argparse.Namespace(sep="\\t", decimal=None, encoding=None))
        {'sep': '\t', 'decimal': None, 'encoding': None}
    """
    sep = args.sep.replace("\\t", "\t") if args.sep else None
    return {"sep": sep, "decimal": args.decimal, "encoding": args.encoding}


def check_data_file(text: str) -> tuple[Path, str]:
    """The data file's path and format, or a CliError that says what to pass instead.

    Example:
        >>> check_data_file("fixtures/wbcd.csv")  # doctest: +SKIP
        (PosixPath('fixtures/wbcd.csv'), 'csv')
    """
    path = Path(text).expanduser()
    if not path.exists():
        raise CliError(f"no such file: {text} ; pass a CSV, TSV, Parquet or Excel file")
    if not path.is_file():
        raise CliError(f"{text} is a folder, not a file; pass a CSV, TSV, Parquet or Excel file")
    file_format = DATA_SUFFIXES.get(path.suffix.lower())
    if file_format is None:
        raise CliError(
            f"{text} is not a CSV, TSV, Parquet or Excel file (expected a name ending in "
            ".csv, .tsv, .parquet or .xlsx); convert it first, e.g. with pandas"
        )
    return path, file_format


def table_name(args: argparse.Namespace, path: Path) -> str:
    """``--table`` when valid, else a table name made from the file name.

    Example:
        >>> table_name(argparse.Namespace(table=None), Path("my data.csv"))
        'my_data'
    """
    if args.table:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}", args.table):
            raise CliError(
                f"--table {args.table!r} is not a valid table name: use up to 128 letters, "
                "digits, _ and -, starting with a letter or a digit"
            )
        return str(args.table)
    name = re.sub(r"[^A-Za-z0-9_-]+", "_", path.stem).strip("_-")[:128]
    return name or "table"


def run_command(args: argparse.Namespace) -> int:
    """Run `avatars run` with parsed arguments; return the exit code."""
    from avatars import errors
    from avatars.constants import ReportLanguage

    path, file_format = check_data_file(args.data)
    table = table_name(args, path)
    out = Path(args.out).expanduser()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"cannot create the output folder {out}: {exc.strerror}") from None
    started = time.monotonic()
    with manager(args) as session:
        info(
            f"Avatarizing {path} as table {table!r} with k={args.k}, ncp={args.ncp} "
            f"on {args._server_description}"
        )
        runner = session.create_runner(
            set_name=table, seed=args.seed, report_language=ReportLanguage(args.language)
        )
        try:
            reading = reading_options(args)
            runner.add_table(
                table, str(path), sep=reading["sep"], decimal=reading["decimal"],
                encoding=reading["encoding"],
            )
        except ValueError as exc:
            raise CliError(str(exc)) from None
        runner.set_parameters(table, k=args.k, ncp=args.ncp)
        try:
            with step("upload and job submission"):
                runner.run()
            with step("avatarization"):
                avatars = runner.shuffled(table)
            with step("privacy metrics"):
                privacy = runner.privacy_metrics(table)
            with step("signal metrics"):
                signal = runner.signal_metrics(table)
            report_path = out / "report.pdf"
            with step("report"):
                runner.download_report(str(report_path))
        except KeyboardInterrupt:
            _cancel_jobs(runner)
            raise
        except (errors.JobFailedError, errors.JobCancelledError) as exc:
            raise CliError(_job_failure(runner, exc), EXIT_JOB_FAILED) from None
        avatars_path = out / f"{table}.avatars.{'parquet' if file_format == 'parquet' else 'csv'}"
        if file_format == "parquet":
            avatars.to_parquet(avatars_path, index=False)
        else:
            avatars.to_csv(avatars_path, index=False)
        privacy_doc, signal_doc = _metrics_document(privacy), _metrics_document(signal)
        metrics_path = out / "metrics.json"
        document = {
            "table": table,
            "source": str(path),
            "set_name": getattr(runner, "set_name", None),
            "parameters": {"k": args.k, "ncp": args.ncp, "seed": args.seed},
            "passed": bool(privacy_doc.get("passed")) and bool(signal_doc.get("passed")),
            "privacy_metrics": privacy_doc,
            "signal_metrics": signal_doc,
        }
        metrics_path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    elapsed = time.monotonic() - started
    title = f"Metrics for {table} (k={args.k}, ncp={args.ncp})"
    print(_display.metrics_table(privacy_doc, signal_doc, title=title))
    print(
        f"Done in {elapsed:.0f} s. Avatars: {avatars_path}  Metrics: {metrics_path}  "
        f"Report: {report_path}"
    )
    return EXIT_OK


def _job_failure(runner: Any, exc: Any) -> str:
    """Which step failed and the server's reason, e.g. 'the avatarization job ... failed: ...'."""
    jobs = getattr(runner, "jobs", {}) or {}
    kind = next((kind for kind, name in jobs.items() if name == exc.job_name), None)
    what = f"the {_JOB_LABELS.get(kind, kind)} job" if kind else "job"
    verb = "failed" if type(exc).__name__ == "JobFailedError" else "did not finish"
    return f"{what} {exc.job_name} {verb}: {exc.message}"


def _metrics_document(value: Mapping[str, Any]) -> dict[str, Any]:
    """The metrics as the engine's plain JSON dict (the Runner returns a dict subclass)."""
    loaded: dict[str, Any] = json.loads(json.dumps(value, default=str))
    return loaded


def _cancel_jobs(runner: Any) -> None:
    """Best effort: cancel the runner's unfinished jobs so the server stops working for us."""
    jobs = getattr(runner, "jobs", None) or getattr(runner, "_jobs", None) or {}
    jobs = jobs.values() if isinstance(jobs, dict) else jobs
    names = [getattr(job, "name", job) for job in jobs]
    for name in names:
        with contextlib.suppress(Exception):
            runner.client.jobs.cancel_job(str(name))
    if names:
        info(f"Cancelled {len(names)} job(s) on the server.")
