"""Utility of the differentially private avatars: classifier accuracy on wbcd, DP vs originals.

For each split (stratified 70/30, one per seed), a random forest is trained on the training
originals and another on DP avatars of those training originals (``Class`` declared
categorical); both are scored on the same held-out originals. The gap is original accuracy
minus DP accuracy, in points. The target: at epsilon = 1, the gap stays under 10 points.

Usage:
    .venv/bin/python benchmarks/dp_utility.py            # writes its section of RESULTS.md
    .venv/bin/python benchmarks/dp_utility.py --no-write
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

from avatar_engine import ColumnType
from avatar_engine.dp import DpParameters, dp_avatarize

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results_file import write_section

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## dp_utility.py"


def _accuracy(train: pd.DataFrame, test: pd.DataFrame, seed: int) -> float:
    train = train.dropna()
    model = RandomForestClassifier(n_estimators=200, random_state=seed, n_jobs=1)
    model.fit(train.drop(columns="Class"), train["Class"].astype(int))
    return float((model.predict(test.drop(columns="Class")) == test["Class"]).mean())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--no-write", action="store_true", help="print, do not edit RESULTS.md")
    args = parser.parse_args()
    data = pd.read_csv(ROOT / "fixtures" / "wbcd.csv")
    rows = []
    started = time.perf_counter()
    for fast in (False, True):
        for epsilon in (0.5, 1.0, 2.0):
            gaps, accuracies, originals, seconds = [], [], [], []
            for seed in range(args.seeds):
                train, test = train_test_split(
                    data, test_size=0.3, random_state=seed, stratify=data["Class"])
                base = _accuracy(train, test, seed)
                tick = time.perf_counter()
                result = dp_avatarize(
                    train.reset_index(drop=True),
                    DpParameters(epsilon=epsilon, fast=fast, seed=seed),
                    types={"Class": ColumnType.CATEGORY},
                )
                seconds.append(time.perf_counter() - tick)
                score = _accuracy(result.shuffled, test, seed)
                originals.append(base)
                accuracies.append(score)
                gaps.append(100 * (base - score))
            rows.append((
                "fast_dp (approximate)" if fast else "open_dp (epsilon-DP)", epsilon,
                100 * statistics.mean(originals), 100 * statistics.mean(accuracies),
                statistics.mean(gaps), max(gaps), statistics.median(seconds),
            ))
    lines = [
        SECTION,
        "",
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {platform.system()} {platform.release()}",
        f"- command: `.venv/bin/python benchmarks/dp_utility.py --seeds {args.seeds}`",
        f"- table: fixtures/wbcd.csv ({len(data)} rows), {args.seeds} stratified 70/30 splits, "
        "random forest (200 trees), accuracy on the held-out originals",
        f"- total time: {time.perf_counter() - started:.1f} s",
        "",
        "| variant | epsilon | accuracy, originals (%) | accuracy, DP avatars (%) "
        "| mean gap (points) | worst gap (points) | DP time (s, median) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {name} | {eps:g} | {orig:.1f} | {dp:.1f} | {gap:.1f} | {worst:.1f} | {sec:.2f} |"
        for name, eps, orig, dp, gap, worst, sec in rows
    ]
    target = next(r for r in rows if r[0].startswith("open_dp") and r[1] == 1.0)
    lines += [
        "",
        f"Target (epsilon = 1, open_dp, gap under 10 points): mean gap {target[4]:.1f}, "
        f"worst {target[5]:.1f} points: {'met' if target[5] < 10 else 'NOT met'}.",
    ]
    section = "\n".join(lines) + "\n"
    print(section)
    if not args.no_write:
        write_section(SECTION, section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
