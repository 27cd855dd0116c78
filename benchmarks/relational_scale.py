"""Multi-table benchmark: time and memory of parent/child avatarization with linking vs rows.

Generated parent table (3 numeric + 2 categorical variables) and child table (about 10
children per parent, 0-25, 2 numeric + 1 categorical variables depending on the parent). Both
are avatarized with their context (parent variables, children counts and means), children are
attached by linear sum assignment, then the structure metrics are computed on the joined view.
Each size runs in a fresh process (peak memory = its max RSS).

Usage:
    .venv/bin/python benchmarks/relational_scale.py --parents 1000 10000 100000
    .venv/bin/python benchmarks/relational_scale.py --parents 1000 --no-write
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from results_file import write_section

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## relational_scale.py"
K, NCP = 10, 4


def generate(parents: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Parents and their children, the children's variables depending on their parent's."""
    rng = np.random.default_rng(seed)
    age = rng.normal(55, 15, parents)
    parent = pd.DataFrame(
        {
            "pid": np.arange(parents),
            "age": np.round(age, 1),
            "weight": np.round(70 + 0.3 * (age - 55) + rng.normal(0, 10, parents), 1),
            "score": np.round(rng.gamma(2.0, 2.0, parents), 2),
            "sex": rng.choice(["F", "M"], parents),
            "region": rng.choice(["north", "south", "east", "west"], parents),
        }
    )
    n_children = np.clip(rng.poisson(np.clip(3 + (age - 20) / 5, 0.5, None)), 0, 30)
    owner = np.repeat(np.arange(parents), n_children)
    owner_age = age[owner]
    child = pd.DataFrame(
        {
            "cid": np.arange(len(owner)),
            "pid": owner,
            "dose": np.round(0.05 * owner_age + rng.normal(0, 1, len(owner)), 2),
            "duration": np.round(rng.exponential(3 + owner_age / 20), 1),
            "kind": np.where(rng.random(len(owner)) < owner_age / 100, "chronic", "acute"),
        }
    )
    return parent, child


def run_one(parents: int, metrics: bool = True) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "src"))
    from avatar_engine import AvatarizationParameters, avatarize
    from avatar_engine.relational import Link, add_context, attach_children
    from avatar_engine.relational.structure import structure_metrics

    parent, child = generate(parents)
    tables = {"parent": parent, "child": child}
    ids = {"parent": ["pid"], "child": ["cid", "pid"]}
    links = [Link("child", "pid", "parent", "pid")]
    times: dict[str, float] = {}
    start = time.perf_counter()
    contexts = add_context(tables, links, ids)
    times["context"] = time.perf_counter() - start
    avatars = {}
    for name, context in contexts.items():
        start = time.perf_counter()
        avatars[name] = avatarize(
            context.data,
            AvatarizationParameters(k=K, ncp=NCP, seed=0),
            types=context.types,
            identifiers=ids[name],
        ).unshuffled
        times[f"avatarize {name}"] = time.perf_counter() - start
    start = time.perf_counter()
    linked = attach_children(tables, avatars, contexts, links, seed=0)
    times["linking"] = time.perf_counter() - start
    rss_avatarize = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if not metrics:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return {
            "parents": parents,
            "children": len(child),
            "times": times,
            "cpu": usage.ru_utime + usage.ru_stime,
            "rss_avatarize": rss_avatarize,
            "rss": None,
            "attachment": linked.attachment["child.pid->parent"],
            "hellinger": None,
            "gap": None,
            "hidden": None,
        }
    start = time.perf_counter()
    structure = structure_metrics(
        child,
        parent,
        linked.tables["child"],
        linked.tables["parent"],
        field="pid",
        key="pid",
        parent_name="parent",
        identifiers=["cid", "pid"],
        seed=0,
    )
    times["structure metrics"] = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "parents": parents,
        "children": len(child),
        "times": times,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_avatarize": rss_avatarize,
        "rss": usage.ru_maxrss / 1024,
        "attachment": linked.attachment["child.pid->parent"],
        "hellinger": structure["children_per_parent_hellinger"],
        "gap": structure["cross_table_correlation_gap"],
        "hidden": structure["joined_hidden_rate"],
    }


def _f(value: float | None, digits: int) -> str:
    return "not run" if value is None else f"{value:.{digits}f}"


def section(results: list[dict[str, Any]], command: str) -> str:
    lines = [
        SECTION,
        "",
        f"- Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {platform.system()} {platform.release()}",
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- Command: `{command}`",
        f"- Tables: parent (3 numeric + 2 categorical), child (~10 per parent, 2 numeric + 1 "
        f"categorical); k={K}, ncp={NCP}, seed 0; linear sum assignment. Each size in a fresh "
        "process; the machine was shared with other work (wall times inflated by the load).",
        "",
        "Targets: 1M child rows in <= 120 s; children-per-parent Hellinger <= 0.05; joined-view "
        "hidden rate >= 90 %; own-parent attachment <= 2x chance.",
        "",
        "| parents | children | context (s) | avatarize parents (s) | avatarize children (s) "
        "| linking (s) | total to release (s) | structure metrics (s) | CPU (s) "
        "| peak RSS to release (MiB) | peak RSS with metrics (MiB) | own parent measured "
        "| chance | ratio | children/parent Hellinger | cross-table corr. gap "
        "| joined hidden rate % |",
        "|" + "---|" * 17,
    ]
    for r in results:
        t = r["times"]
        total = t["context"] + t["avatarize parent"] + t["avatarize child"] + t["linking"]
        a = r["attachment"]
        lines.append(
            f"| {r['parents']:,} | {r['children']:,} | {t['context']:.2f} "
            f"| {t['avatarize parent']:.2f} | {t['avatarize child']:.2f} | {t['linking']:.2f} "
            f"| {total:.2f} | {_f(t.get('structure metrics'), 2)} | {r['cpu']:.1f} "
            f"| {r['rss_avatarize']:.0f} | {_f(r['rss'], 0)} | {a['measured']:.5f} "
            f"| {a['chance']:.5f} | {a['ratio']:.2f} | {_f(r['hellinger'], 4)} "
            f"| {_f(r['gap'], 4)} | {_f(r['hidden'], 2)} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parents", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument(
        "--metrics-up-to",
        type=int,
        default=10_000,
        help="structure metrics (joined-view privacy is the slow part) up to this many parents",
    )
    parser.add_argument("--no-metrics", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(run_one(args.worker, metrics=not args.no_metrics)))
        return
    results = []
    for parents in args.parents:
        out = subprocess.run(
            [sys.executable, __file__, "--worker", str(parents)]
            + ([] if parents <= args.metrics_up_to else ["--no-metrics"]),
            check=True,
            capture_output=True,
            text=True,
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(json.dumps(results[-1]), flush=True)
    text = section(
        results,
        "python benchmarks/relational_scale.py "
        + shlex.join(["--parents", *map(str, args.parents)]),
    )
    print(text)
    if not args.no_write:
        write_section(SECTION, text)


if __name__ == "__main__":
    main()
