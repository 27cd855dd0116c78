"""`avatars results JOB`: list or download a job's result files."""

from __future__ import annotations

import argparse
from pathlib import Path

from avatars import _display
from avatars._cli.arguments import SubParsers, add_server_options
from avatars._cli.connection import manager
from avatars._cli.exits import EXIT_OK, CliError
from avatars._cli.output import info

ORDER = 40


def register(commands: SubParsers) -> None:
    """Add `avatars results` to the command's sub-parsers."""
    results = commands.add_parser("results", help="list or download a job's result files")
    results.add_argument("job", metavar="JOB", help="job name (see `avatars jobs`)")
    results.add_argument("--download", metavar="DIR", help="download the files into DIR")
    results.add_argument(
        "--file", action="append", metavar="NAME", help="only this file (repeatable)"
    )
    add_server_options(results)
    results.set_defaults(handler=results_command)


def results_command(args: argparse.Namespace) -> int:
    """Print a job's result files; download them with ``--download``."""
    with manager(args) as session:
        client = session.auth_client
        results = _results_mapping(client.results.get_results(args.job))
        if args.file:
            known = {name for files in results.values() for name in files}
            unknown = [name for name in args.file if name not in known]
            if unknown:
                raise CliError(
                    f"job {args.job} has no file {', '.join(unknown)}; "
                    f"run `avatars results {args.job}` to list its files"
                )
            results = {k: [f for f in v if f in args.file] for k, v in results.items()}
            results = {k: v for k, v in results.items() if v}
        print(_display.results_table(args.job, results))
        if args.download:
            folder = Path(args.download).expanduser()
            folder.mkdir(parents=True, exist_ok=True)
            for files in results.values():
                for name in files:
                    target = folder / Path(name).name
                    # streamed, written atomically
                    client.results.download_result_file(args.job, name, target)
                    info(f"downloaded {target}")
    return EXIT_OK


def _results_mapping(value: dict[str, list[str]]) -> dict[str, list[str]]:
    return {str(kind): [str(name) for name in files] for kind, files in value.items()}
