"""Wall time of the established client's quick flow (octopize-avatar 1.30.0) on wbcd.csv.

Starts ``python -m avatar_server`` on a free loopback port with a temporary data folder and
runs ``tests/compat/flows/quick_flow.py`` with ``.compat-venv`` (``scripts/compat_env.sh``)
``--runs`` times; each figure is measured inside the client, from ``Manager(...)`` to the
avatars as a DataFrame (start-up check, users/me, signed upload, resource set, standard job,
signed download). Writes its section of benchmarks/RESULTS.md.

Usage:
    .venv/bin/python benchmarks/compat_client.py [--runs 5] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from results_file import write_section

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "compat"))

from compat_support import COMPAT_PYTHON, live_server, run_flow  # noqa: E402

SECTION = "## compat_client.py"
TARGET_SECONDS = 30.0


def main() -> int:
    """Run the flow and write the section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    arguments = parser.parse_args()
    if not COMPAT_PYTHON.exists():
        print("no .compat-venv: run scripts/compat_env.sh first", file=sys.stderr)
        return 1
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder, live_server(Path(folder) / "data") as server:
        walls = [
            run_flow("quick_flow", server, server.admin_key)["wall_seconds"]
            for _ in range(arguments.runs)
        ]
    figures = ", ".join(f"{wall:.2f}" for wall in walls)
    median = statistics.median(walls)
    verdict = "meets target" if median <= TARGET_SECONDS else "misses target"
    section = "\n".join(
        [
            SECTION,
            "",
            f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()} (server), {platform.system()} {platform.release()}. "
            f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
            f"Command: `python benchmarks/compat_client.py --runs {arguments.runs}` (server: "
            "`python -m avatar_server` on 127.0.0.1; client: octopize-avatar 1.30.0 in "
            ".compat-venv, Python 3.12, unmodified).",
            "",
            "| measure | figure | target | |",
            "|---|---|---|---|",
            "| established client's quick flow on fixtures/wbcd.csv (683 rows, k=15): "
            f"Manager() to `runner.shuffled()` | runs [{figures}] s, median **{median:.2f} s** "
            f"| <= {TARGET_SECONDS:.0f} s | {verdict} |",
            "",
            "Notes: the client polls job status itself (its own back-off, from 0.25 s); "
            f"load average (1 min) {load_before:.1f} before and {os.getloadavg()[0]:.1f} after "
            f"the runs, on {os.cpu_count()} cores shared with other work.",
            "",
        ]
    )
    print(section)
    if not arguments.no_write:
        write_section(SECTION, section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
