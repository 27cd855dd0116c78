"""`avatars jobs`: list recent jobs."""

from __future__ import annotations

import argparse

from avatars import _display
from avatars._cli.arguments import SubParsers, add_server_options, positive_int
from avatars._cli.connection import manager
from avatars._cli.exits import EXIT_OK

ORDER = 30


def register(commands: SubParsers) -> None:
    """Add `avatars jobs` to the command's sub-parsers."""
    jobs = commands.add_parser("jobs", help="list recent jobs")
    jobs.add_argument("--limit", type=positive_int, default=20, help="how many (20)")
    add_server_options(jobs)
    jobs.set_defaults(handler=jobs_command)


def jobs_command(args: argparse.Namespace) -> int:
    """Print the latest jobs as a table."""
    with manager(args) as session:
        jobs = session.auth_client.jobs.get_jobs(limit=args.limit).jobs
    table = _display.jobs_table(jobs)
    print(table if jobs else "No jobs yet. Start one with `avatars run DATA`.")
    return EXIT_OK
