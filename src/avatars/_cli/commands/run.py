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
from avatars._cli.output import info, set_verbosity, step
from avatars._cli.privacy_options import (
    add_privacy_options,
    method_label,
    privacy_parameters,
    privacy_summary,
    report_files,
)
from avatars._cli.table_options import (
    add_column_options,
    add_reading_options,
    column_summary,
    column_types,
    reading_options,
)
from avatars._table_reading import TABLE_SUFFIXES, sniff_csv
from avatars.constants import DataRecipient, DataSubject, DataType, SensitivityLevel

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
    add_output_options(run)
    run.add_argument("--seed", type=seed, help="random seed, for reproducible avatars")
    run.add_argument(
        "--batch-rows", type=positive_int,
        help="avatarize in batches of at most this many rows sharing one projection "
        "(default: the server batches tables above its threshold)",
    )
    run.add_argument(
        "--dask-scheduler", metavar="ADDRESS",
        help="Dask scheduler (tcp://host:8786) on which the server runs the batches",
    )
    run.add_argument(
        "--imputation-method", choices=["knn", "mode", "median", "mean", "fast_knn"],
        help="how missing values are filled before the projection (server default: knn)",
    )
    pia = run.add_argument_group("privacy impact assessment (printed in the report)")
    pia.add_argument("--pia-recipient", choices=[v.value for v in DataRecipient],
                     default="unknown", help="who receives the avatars")
    pia.add_argument("--pia-data-type", choices=[v.value for v in DataType],
                     default="unknown", help="what kind of data the table holds")
    pia.add_argument("--pia-subject", choices=[v.value for v in DataSubject],
                     default="unknown", help="whose data the table describes")
    pia.add_argument("--pia-sensitivity", choices=[v.value for v in SensitivityLevel],
                     default="undefined", help="how sensitive the data is")
    add_privacy_options(run)
    add_column_options(run)
    add_reading_options(run)
    add_server_options(run)
    run.set_defaults(handler=run_command)


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """``--out --overwrite --language --quiet --verbose`` of `avatars run` and `evaluate`."""
    parser.add_argument(
        "--out", default="results",
        help="output folder (default: ./results); refused when it holds earlier results, "
        "unless --overwrite",
    )
    parser.add_argument(
        "--overwrite", action="store_true",
        help="replace the results of an earlier run in --out (its files are removed first)",
    )
    parser.add_argument("--language", choices=["en", "fr"], default="en",
                        help="report language")
    noise = parser.add_mutually_exclusive_group()
    noise.add_argument("--quiet", "-q", action="store_true",
                       help="print only errors, warnings and the metrics")
    noise.add_argument("--verbose", "-v", action="store_true",
                       help="print every step's timing, also on a terminal")


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


def prepare_output(out: Path, overwrite: bool) -> None:
    """Make sure ``out`` will hold the results of this run only.

    A folder holding files is refused unless ``overwrite``; then the files of the earlier run
    (avatars, metrics.json, report.pdf) are removed first, and other files refuse the folder.

    Example:
        >>> prepare_output(Path("results"), overwrite=False)  # doctest: +SKIP
    """
    if out.exists() and not out.is_dir():
        raise CliError(f"--out {out} is a file; pass a folder")
    present = sorted(p for p in out.iterdir()) if out.is_dir() else []
    if present and not overwrite:
        raise CliError(
            f"--out {out} already holds {len(present)} file(s) (e.g. {present[0].name}); "
            "pass --overwrite to replace an earlier run's results, or another --out folder"
        )
    ours = [p for p in present if p.is_file() and _written_by_run(p.name)]
    others = [p for p in present if p not in ours]
    if others:
        raise CliError(
            f"--out {out} holds files that `avatars run` did not write (e.g. "
            f"{others[0].name}); choose an empty or new --out folder"
        )
    for stale in ours:
        stale.unlink()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"cannot create the output folder {out}: {exc.strerror}") from None


def _written_by_run(name: str) -> bool:
    return name in ("metrics.json", "report.pdf", "pia.pdf", "pia.docx") or ".avatars." in name


def _write_like_source(
    avatars: Any, target: Path, source: Path, file_format: str, reading: Mapping[str, Any]
) -> None:
    """Write the avatars as CSV in the source CSV's own separator, decimal mark and encoding."""
    if file_format != "csv":
        avatars.to_csv(target, index=False)
        return
    dialect = sniff_csv(
        source, sep=reading["sep"], decimal=reading["decimal"], encoding=reading["encoding"]
    )
    avatars.to_csv(
        target, index=False, sep=dialect.sep, decimal=dialect.decimal,
        encoding=dialect.encoding, errors="replace",
    )


def _same_permissions(paths: list[Path]) -> None:
    """Give every result file the mode the first one got from the user's umask."""
    mode = paths[0].stat().st_mode & 0o777
    for path in paths[1:]:
        path.chmod(mode)


def run_command(args: argparse.Namespace) -> int:
    """Run `avatars run` with parsed arguments; return the exit code."""
    from avatars.constants import ReportLanguage

    set_verbosity(quiet=args.quiet, verbose=args.verbose)
    path, file_format = check_data_file(args.data)
    table = table_name(args, path)
    types = column_types(args)
    parameters = privacy_parameters(args, args.k)
    out = Path(args.out).expanduser()
    prepare_output(out, args.overwrite)
    started = time.monotonic()
    with manager(args) as session:
        runner = session.create_runner(
            set_name=table,
            seed=args.seed,
            report_language=ReportLanguage(args.language),
            pia_data_recipient=DataRecipient(args.pia_recipient),
            pia_data_type=DataType(args.pia_data_type),
            pia_data_subject=DataSubject(args.pia_subject),
            pia_sensitivity_level=SensitivityLevel(args.pia_sensitivity),
        )
        runner.dask_scheduler = args.dask_scheduler
        reading = reading_options(args)
        try:
            with _warnings_as_lines():
                runner.add_table(
                    table, str(path), types=types, sep=reading["sep"],
                    decimal=reading["decimal"], encoding=reading["encoding"],
                    sheet=reading["sheet"],
                    identifier_policy=args.id_policy,
                )
            runner.set_parameters(
                table, ncp=args.ncp, imputation_method=args.imputation_method,
                batch_rows=args.batch_rows, **parameters
            )
        except ValueError as exc:
            raise CliError(_cli_words(str(exc))) from None
        info(column_summary(runner.column_decisions(table), args.id_policy))
        info(
            f"Avatarizing {path} as table {table!r} with {method_label(parameters)}, "
            f"ncp={args.ncp} on {args._server_description}"
        )
        avatars, privacy_doc, signal_doc, report_paths = run_jobs(
            runner, table, out, args.report_type, "avatarization")
        avatars_path = out / f"{table}.avatars.{'parquet' if file_format == 'parquet' else 'csv'}"
        if file_format == "parquet":
            avatars.to_parquet(avatars_path, index=False)
        else:
            _write_like_source(avatars, avatars_path, path, file_format, reading)
        metrics_path = write_metrics(out, {
            "table": table,
            "source": str(path),
            "set_name": getattr(runner, "set_name", None),
            "parameters": {
                "k": parameters.get("k"), "ncp": args.ncp, "seed": args.seed,
                "imputation_method": args.imputation_method, "types": types,
                "identifier_policy": args.id_policy,
                **privacy_summary(parameters),
            },
            "columns": runner.describe_columns(table).reset_index().to_dict("records"),
        }, privacy_doc, signal_doc)
        _same_permissions([metrics_path, avatars_path, *report_paths])
    print_outcome(
        privacy_doc, signal_doc, f"Metrics for {table} ({method_label(parameters)}, "
        f"ncp={args.ncp})", started, [("Avatars", avatars_path), ("Metrics", metrics_path),
                                      ("Report", *report_paths)])
    return EXIT_OK


def run_jobs(
    runner: Any, table: str, out: Path, report_type: str, making: str
) -> tuple[Any, dict[str, Any], dict[str, Any], list[Path]]:
    """Run the jobs of ``runner``, read the shared avatars and the metrics, write the report.

    ``making`` names the step that makes the avatars (e.g. "avatarization"). Returns the
    avatars, the privacy and signal metrics documents and the report files written in
    ``out``. A failed job is a CliError (exit code EXIT_JOB_FAILED) naming the step.

    Example:
        >>> avatars, privacy, signal, reports = run_jobs(
        ...     runner, "wbcd", Path("out"), "basic", "avatarization")  # doctest: +SKIP
    """
    from avatars import errors

    try:
        with step("upload and job submission"):
            try:
                runner.run()
            except ValueError as exc:
                raise CliError(_cli_words(str(exc))) from None
        with step(making):
            avatars = runner.shuffled(table)
        with step("privacy metrics"):
            privacy = runner.privacy_metrics(table)
        with step("signal metrics"):
            signal = runner.signal_metrics(table)
        report_paths = [out / name for name in report_files(report_type)]
        with step("report"):
            for report_path in report_paths:
                runner.download_report(str(report_path), report_type=report_type)
    except KeyboardInterrupt:
        _cancel_jobs(runner)
        raise
    except (errors.JobFailedError, errors.JobCancelledError) as exc:
        raise CliError(_job_failure(runner, exc), EXIT_JOB_FAILED) from None
    return avatars, _metrics_document(privacy), _metrics_document(signal), report_paths


def write_metrics(
    out: Path, head: Mapping[str, Any], privacy: Mapping[str, Any], signal: Mapping[str, Any]
) -> Path:
    """Write ``out/metrics.json``: ``head``, top-level "passed" (both families pass), the
    privacy and signal metrics.

    Example:
        >>> write_metrics(Path("out"), {"table": "wbcd"}, {"passed": True}, {"passed": False})
        ... # doctest: +SKIP
        PosixPath('out/metrics.json')
    """
    document = {
        **head,
        "passed": bool(privacy.get("passed")) and bool(signal.get("passed")),
        "privacy_metrics": privacy,
        "signal_metrics": signal,
    }
    path = out / "metrics.json"
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    return path


def print_outcome(
    privacy: Mapping[str, Any], signal: Mapping[str, Any], title: str, started: float,
    files: list[tuple[Any, ...]],
) -> None:
    """Print the metrics against their targets and where the results were written."""
    print(_display.metrics_table(privacy, signal, title=title))
    written = "  ".join(
        f"{label}: {'  '.join(str(p) for p in paths)}" for label, *paths in files)
    print(f"Done in {time.monotonic() - started:.0f} s. {written}")


_CLI_WORDS = (
    ("identifier_policy='pseudonymize'", "--id-policy pseudonymize"),
    ("encoding='latin-1', or --encoding latin-1", "--encoding latin-1"),
    ("sep=';', or --sep ';'", "--sep ';'"),
)


def _cli_words(message: str) -> str:
    """An SDK message with the command line's option names where they differ.

    Example:
        >>> _cli_words("pass identifier_policy='pseudonymize'")
        'pass --id-policy pseudonymize'
    """
    for sdk, cli in _CLI_WORDS:
        message = message.replace(sdk, cli)
    message = re.sub(r" or set_parameters\('[^']+', pseudonymized_columns=\{[^}]*\}\)", "",
                     message)
    message = re.sub(r"types=\{'([^']+)': 'drop'\}", r"--drop \1", message)
    message = re.sub(r"types=\{'([^']+)': 'category'\}", r"--categorical \1", message)
    message = re.sub(r"types=\{'([^']+)': 'numeric'\}", r"--numeric \1", message)
    message = re.sub(r"set_parameters\('[^']+', k=(\d+)\)", r"--k \1", message)
    return message


@contextlib.contextmanager
def _warnings_as_lines() -> Any:
    """Print the SDK's warnings about columns as plain lines, in the command's words."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for warning in caught:
        info(f"warning: {_cli_words(str(warning.message))}", always=True)


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
