"""Privacy sweep: the engine's avatars on the peer benchmark's real tables, variant by variant.

Calls the engine directly (no server) on the 10 real tables of ``benchmarks/peers/datasets.py``
with the peer benchmark's own yardsticks (``benchmarks/peers/privacy.py`` and
``metrics.py``): anonymeter 1.1.0's singling-out, linkability and inference risks against the
held-out rows, DCR share, TSTR accuracy and Hellinger mean, averaged over engine seeds. Each
variant is a set of ``AvatarizationParameters`` fields and engine module constants, so a
change of the method can be measured on all tables in a few minutes before it is made the
default. GaussianCopula's figures (the issue's yardstick) come from the peers environment:
computed here when SDV is importable, else read from ``--baseline`` (a results.json of
``benchmarks/peers/run.py``).

Usage:
    .venv/bin/python benchmarks/privacy_sweep.py                       # engine defaults
    .venv/bin/python benchmarks/privacy_sweep.py --variant k=30 \\
        --variant k=20,avatar_engine.reconstruction.LOCAL_NOISE_SHARE=0.8 --seeds 1,2,3
    benchmarks/.peers-venv/bin/python benchmarks/privacy_sweep.py --gaussian-copula \\
        --save-baseline benchmarks/.work/gaussian_copula.json
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
from threadpoolctl import threadpool_limits

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE / "peers"))

from datasets import REAL_TABLES, TableSpec, conform, load_dataset, split  # noqa: E402
from metrics import CommonSpace, classifier_accuracy, engine_types, signal_metrics  # noqa: E402
from privacy import anonymeter_risks, dcr_share  # noqa: E402

RISKS = ("singling_out", "linkability", "inference")
DEFAULT_BASELINE = REPO / "benchmarks" / ".work" / "gaussian_copula.json"
GC_SEED = 42


def parse_variant(text: str) -> dict[str, Any]:
    """``"k=30,avatar_engine.reconstruction.LOCAL_NOISE_SHARE=0.8"`` -> {name: value}.

    Example:
        >>> parse_variant("k=30,a.b.C=0.5")
        {'k': 30, 'a.b.C': 0.5}
    """
    settings: dict[str, Any] = {}
    for item in filter(None, text.split(",")):
        name, _, raw = item.partition("=")
        value: Any = raw
        for cast in (int, float):
            try:
                value = cast(raw)
                break
            except ValueError:
                continue
        if raw in ("True", "False"):
            value = raw == "True"
        settings[name.strip()] = value
    return settings


@contextmanager
def engine_constants(settings: dict[str, Any]) -> Iterator[None]:
    """Temporarily set the dotted module constants of ``settings`` (names with a dot)."""
    saved: list[tuple[Any, str, Any]] = []
    try:
        for name, value in settings.items():
            if "." not in name:
                continue
            module_name, _, attribute = name.rpartition(".")
            module = importlib.import_module(module_name)
            saved.append((module, attribute, getattr(module, attribute)))
            setattr(module, attribute, value)
            # constants imported by name into the pipeline module follow
            pipeline = importlib.import_module("avatar_engine.avatarization")
            if hasattr(pipeline, attribute) and pipeline is not module:
                saved.append((pipeline, attribute, getattr(pipeline, attribute)))
                setattr(pipeline, attribute, value)
        yield
    finally:
        for module, attribute, value in reversed(saved):
            setattr(module, attribute, value)


def engine_avatars(spec: TableSpec, train: pd.DataFrame, settings: dict[str, Any],
                   seed: int) -> pd.DataFrame:
    """Avatars of ``train`` (row i = avatar of training row i) with the variant's settings."""
    from avatar_engine import AvatarizationParameters, avatarize

    fields = {k: v for k, v in settings.items() if "." not in k}
    with engine_constants(settings):
        result = avatarize(train, AvatarizationParameters(seed=seed, **fields),
                           types=engine_types(spec))
    return conform(result.unshuffled, spec)


def gaussian_copula(spec: TableSpec, train: pd.DataFrame, seed: int) -> pd.DataFrame:
    """SDV GaussianCopula with its defaults, as benchmarks/peers/methods.py runs it."""
    import numpy as np
    from methods import _sdv_gaussian_copula

    np.random.seed(seed)
    return conform(_sdv_gaussian_copula(spec, train, HERE).synthetic, spec)


def measure(spec: TableSpec, train: pd.DataFrame, holdout: pd.DataFrame,
            synthetic: pd.DataFrame, paired: bool = False) -> dict[str, Any]:
    """The issue's yardsticks of one generated table (``paired``: row i = avatar of row i)."""
    space = CommonSpace(spec, train)
    risks = anonymeter_risks(spec, train, holdout, synthetic,
                             paired=synthetic if paired else None)
    hellinger, _, _ = signal_metrics(spec, space, train, synthetic)
    accuracy = classifier_accuracy(spec, train, synthetic, holdout)
    row: dict[str, Any] = {
        "dcr_share": dcr_share(space, train, holdout, synthetic),
        "accuracy": accuracy if isinstance(accuracy, float) else None,
        "hellinger": hellinger,
    }
    for name in RISKS:
        risk = risks[name]
        row[name] = risk.get("value")
        row[f"{name}_high"] = risk["ci"][1] if risk.get("value") is not None else None
    return row


def _mean(rows: list[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in rows if r.get(key) is not None]
    return statistics.fmean(values) if values else None


def average(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean of each figure over seeds."""
    return {key: _mean(rows, key) for key in rows[0]}


def worst(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Worst figure of each yardstick over seeds (highest risk, DCR share and Hellinger,
    lowest TSTR accuracy)."""
    found: dict[str, Any] = {}
    for key in rows[0]:
        values = [r[key] for r in rows if r.get(key) is not None]
        pick = min if key == "accuracy" else max
        found[key] = pick(values) if values else None
    return found


def verdict(avatars: dict[str, Any], baseline: dict[str, Any] | None) -> list[str]:
    """The targets missed by ``avatars`` against GaussianCopula's figures (empty: all met)."""
    missed = []
    if avatars["dcr_share"] is not None and avatars["dcr_share"] > 60.0:
        missed.append(f"DCR {avatars['dcr_share']:.1f}>60")
    if baseline is None:
        return missed
    for name, slack in (("singling_out", 0.02), ("linkability", 0.02), ("inference", 0.05)):
        high = baseline.get(f"{name}_high")
        if high is not None and avatars[name] is not None and avatars[name] > high + slack:
            missed.append(f"{name} {avatars[name]:.3f}>{high + slack:.3f}")
    if (baseline.get("accuracy") is not None and avatars["accuracy"] is not None
            and avatars["accuracy"] < baseline["accuracy"]):
        missed.append(f"TSTR {avatars['accuracy']:.1f}<{baseline['accuracy']:.1f}")
    if avatars["hellinger"] > baseline["hellinger"]:
        missed.append(f"Hellinger {avatars['hellinger']:.3f}>{baseline['hellinger']:.3f}")
    return missed


def _line(table: str, label: str, row: dict[str, Any], missed: list[str] | None) -> str:
    def cell(value: Any, digits: int) -> str:
        return "—" if value is None else f"{value:.{digits}f}"

    risks = " ".join(f"{cell(row[n], 3)}({cell(row[f'{n}_high'], 3)})" for n in RISKS)
    tail = "" if missed is None else ("  met" if not missed else "  MISSED " + "; ".join(missed))
    return (f"{table:14s} {label:40s} {risks}  DCR {cell(row['dcr_share'], 1)}  "
            f"TSTR {cell(row['accuracy'], 1)}  Hell {cell(row['hellinger'], 3)}{tail}")


def load_baseline(path: Path) -> dict[str, dict[str, Any]]:
    """GaussianCopula figures per table from a sweep baseline or a peers results.json."""
    if not path.exists():
        return {}
    found = json.loads(path.read_text())
    if isinstance(found, dict):
        return found
    baseline = {}
    for result in found:  # benchmarks/peers/run.py's results.json
        for row in result["rows"]:
            if row["method"] == "sdv_gaussian_copula" and row.get("ok") and "risks" in row:
                entry = {"dcr_share": row["dcr_share"], "accuracy": row["accuracy"],
                         "hellinger": row["hellinger"]}
                for name in RISKS:
                    risk = row["risks"][name]
                    entry[name] = risk.get("value")
                    entry[f"{name}_high"] = risk["ci"][1] if risk.get("value") is not None else None
                baseline[result["dataset"]] = entry
    return baseline


def main(argv: list[str] | None = None) -> int:
    """Run the sweep and print one line per (table, variant)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default=",".join(REAL_TABLES))
    parser.add_argument("--seeds", default="1,2,3", help="engine seeds averaged")
    parser.add_argument("--variant", action="append", default=[],
                        help="comma-separated NAME=VALUE (parameter or dotted module constant); "
                             "repeatable; none = engine defaults")
    parser.add_argument("--gaussian-copula", action="store_true",
                        help="also run SDV GaussianCopula (needs the peers environment)")
    parser.add_argument("--baseline", type=Path, default=DEFAULT_BASELINE)
    parser.add_argument("--save-baseline", type=Path, help="write GaussianCopula's figures here")
    parser.add_argument("--json", type=Path, help="write every figure here")
    args = parser.parse_args(argv)
    tables = [t for t in args.tables.split(",") if t]
    seeds = [int(s) for s in args.seeds.split(",") if s]
    variants = [parse_variant(v) for v in args.variant] or [{}]
    baseline = load_baseline(args.baseline)
    load = os.getloadavg()[0]
    print(f"load average (1 min) before: {load:.2f}", flush=True)
    everything: dict[str, Any] = {}
    with threadpool_limits(limits=1):
        for table in tables:
            spec = load_dataset(table, REPO)
            train, holdout = split(spec)
            if args.gaussian_copula:
                baseline[table] = measure(spec, train, holdout,
                                          gaussian_copula(spec, train, GC_SEED))
                print(_line(table, "sdv_gaussian_copula", baseline[table], None), flush=True)
            for settings in variants:
                label = ",".join(f"{k.rpartition('.')[2]}={v}" for k, v in settings.items())
                started = time.process_time()
                rows = [measure(spec, train, holdout, engine_avatars(spec, train, settings, seed),
                                paired=True) for seed in seeds]
                row = average(rows)
                row["cpu_seconds"] = time.process_time() - started
                bad = worst(rows)
                everything.setdefault(table, {})[label or "defaults"] = {"mean": row,
                                                                         "worst": bad,
                                                                         "seeds": rows}
                print(_line(table, label or "defaults", row, verdict(row, baseline.get(table))),
                      flush=True)
                print(_line(table, "  worst seed", bad, verdict(bad, baseline.get(table))),
                      flush=True)
    print(f"load average (1 min) after: {os.getloadavg()[0]:.2f}", flush=True)
    if args.save_baseline:
        args.save_baseline.parent.mkdir(parents=True, exist_ok=True)
        args.save_baseline.write_text(json.dumps(
            {t: baseline[t] for t in tables if t in baseline}, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(everything, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
