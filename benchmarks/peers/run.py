"""Peer benchmark: the avatar engine next to the synthetic-data generators users know.

Runs every method on every dataset, each (method, dataset) in its own worker process with a
time cap, measures the generated rows with the same metric code (metrics.py), and writes one
table per dataset into the ``## peers`` section of benchmarks/RESULTS.md. Needs the separate
environment built by ``bash benchmarks/peers/setup.sh``.

Example:
    benchmarks/.peers-venv/bin/python benchmarks/peers/run.py
    benchmarks/.peers-venv/bin/python benchmarks/peers/run.py --datasets wbcd --no-write
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import signal
import subprocess
import sys
import time
import traceback
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import psutil
from datasets import DATASETS, TableSpec, conform, load_dataset, split
from methods import (
    CTGAN_EPOCHS,
    CTGAN_MAX_TRAIN_ROWS,
    DATASYNTHESIZER_MAX_TRAIN_ROWS,
    METHODS,
    method_settings,
)
from metrics import (
    HELLINGER_BINS,
    MAX_DISTANCE_QUERIES,
    CommonSpace,
    classifier_accuracy,
    distance_to_closest,
    engine_types,
    exact_copy_rate,
    hidden_rate_and_local_cloaking,
    signal_metrics,
    value_copy_rate,
)
from privacy import ATTACKS, DCR_REPEATS, anonymeter_risks, dcr_share
from threadpoolctl import threadpool_limits

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
RESULTS = REPO / "benchmarks" / "RESULTS.md"
WORKDIR = REPO / "benchmarks" / ".work" / "peers"
SECTION = "## peers"
NOT_DEFINED = "n/a (not defined: no 1-to-1 link)"
# the engine's own privacy metrics compare every individual with every avatar (quadratic)
ENGINE_PRIVACY_MAX_ROWS = 20_000
TIME_CAPS = {"wbcd": 300, "breast_cancer": 300, "penguins": 300, "gbsg2": 300, "titanic": 300,
             "fair": 420, "whas500": 300, "anes96": 300, "pima": 300, "mroz": 300,
             "mixed_10k": 420, "mixed_100k": 600}
POLL_SECONDS = 0.1
SINGLE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                     "MKL_NUM_THREADS": "1", "NUMEXPR_NUM_THREADS": "1"}


# ---------------------------------------------------------------------------------------------
# worker side: one method on one dataset, in its own process


def _own_peak_rss() -> int:
    """This process's exact peak RSS in bytes (VmHWM; 0 where /proc is missing).

    Not ru_maxrss: it survives exec, so a worker would inherit the parent's peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _worker(method: str, dataset: str, workdir: Path) -> int:
    result_file = workdir / f"{method}.json"
    try:
        with threadpool_limits(limits=1):
            spec = load_dataset(dataset, REPO)
            train = pd.read_parquet(workdir / "train.parquet")
            rss_before = psutil.Process().memory_info().rss
            generated = METHODS[method](spec, train, workdir)
            conform(generated.synthetic, spec).to_parquet(workdir / f"{method}.synthetic.parquet")
            if generated.unshuffled is not None:
                conform(generated.unshuffled, spec).to_parquet(
                    workdir / f"{method}.unshuffled.parquet")
        own_peak = _own_peak_rss()
        result_file.write_text(json.dumps({
            "ok": True, "seconds": generated.seconds, "rss_before_fit": rss_before,
            "own_peak_rss": own_peak,
            "rows": len(generated.synthetic), "info": generated.info,
        }))
        return 0
    except BaseException as exc:  # any failure is a result of the benchmark, with its reason
        traceback.print_exc()
        reason = f"{type(exc).__name__}: {exc}".strip().splitlines()[0][:300]
        result_file.write_text(json.dumps({"ok": False, "reason": reason}))
        return 1


# ---------------------------------------------------------------------------------------------
# parent side: launch, cap, measure


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0
    for member in members:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            continue
    return total


def _launch(method: str, dataset: str, workdir: Path, cap: float) -> dict[str, Any]:
    result_file = workdir / f"{method}.json"
    result_file.unlink(missing_ok=True)
    log = (workdir / f"{method}.log").open("w")
    env = {**os.environ, **SINGLE_THREAD_ENV}
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", method, dataset,
               str(workdir)]
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env,
                             start_new_session=True, cwd=str(HERE))
    watched = psutil.Process(child.pid)
    peak = 0
    timed_out = False
    while child.poll() is None:
        peak = max(peak, _tree_rss(watched))
        if time.perf_counter() - started > cap:
            timed_out = True
            # the worker's descendants (e.g. the embedded server) may run in their own session
            with contextlib.suppress(psutil.Error):
                for descendant in watched.children(recursive=True):
                    with contextlib.suppress(psutil.Error):
                        descendant.kill()
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            break
        time.sleep(POLL_SECONDS)
    log.close()
    wall = time.perf_counter() - started
    if timed_out:
        return {"ok": False, "reason": f"time cap of {cap:.0f} s reached (killed)",
                "wall_seconds": wall}
    if not result_file.exists():
        return {"ok": False, "reason": f"worker exited with code {child.returncode}, no result",
                "wall_seconds": wall}
    outcome: dict[str, Any] = json.loads(result_file.read_text())
    outcome.update({"peak_rss": max(peak, int(outcome.get("own_peak_rss", 0))),
                    "wall_seconds": wall})
    return outcome


def _engine_privacy(spec: TableSpec, train: pd.DataFrame,
                    unshuffled: pd.DataFrame) -> tuple[float, float] | None:
    """Hidden rate and local cloaking as the product computes them, when the engine can."""
    try:
        from avatar_engine import compute_privacy_metrics

        # the engine wants the training rows in their original dtypes
        original = train.copy()
        avatars = unshuffled.copy()
        for column in spec.integer:
            avatars[column] = avatars[column].round().astype("int64")
        found = compute_privacy_metrics(original, avatars, types=engine_types(spec), ncp=5,
                                        seed=0)
        values = found["metrics"]
        return float(values["hidden_rate"]["value"]), float(values["local_cloaking"]["value"])
    except Exception as exc:  # reported next to the common-space figures
        print(f"  engine privacy metrics unavailable: {type(exc).__name__}: {exc}")
        return None


def _measure(spec: TableSpec, space: CommonSpace, train: pd.DataFrame, holdout: pd.DataFrame,
             synthetic: pd.DataFrame, unshuffled: pd.DataFrame | None) -> dict[str, Any]:
    dcr_train, nndr_train = distance_to_closest(space, synthetic, train)
    dcr_holdout, nndr_holdout = distance_to_closest(space, synthetic, holdout)
    row: dict[str, Any] = {
        "dcr_train": dcr_train, "dcr_holdout": dcr_holdout,
        "nndr_train": nndr_train, "nndr_holdout": nndr_holdout,
        "copies": exact_copy_rate(spec, synthetic, train),
        "value_copies": value_copy_rate(spec, synthetic, train),
        "accuracy": classifier_accuracy(spec, train, synthetic, holdout),
        "hidden_rate": NOT_DEFINED, "local_cloaking": NOT_DEFINED,
    }
    row["hellinger"], row["correlation"], row["signal_source"] = signal_metrics(
        spec, space, train, synthetic)
    row["risks"] = anonymeter_risks(spec, train, holdout, synthetic, paired=unshuffled)
    row["dcr_share"] = dcr_share(space, train, holdout, synthetic)
    if unshuffled is not None:
        hidden, cloaking = hidden_rate_and_local_cloaking(space, train, unshuffled)
        row["hidden_rate"], row["local_cloaking"] = hidden, cloaking
        engine = (_engine_privacy(spec, train, unshuffled)
                  if len(train) <= ENGINE_PRIVACY_MAX_ROWS else None)
        row["engine_privacy"] = list(engine) if engine is not None else None
    return row


def _reference(spec: TableSpec, space: CommonSpace, train: pd.DataFrame,
               holdout: pd.DataFrame) -> dict[str, Any]:
    """Fresh real individuals: the held-out rows measured against the training rows."""
    dcr_train, nndr_train = distance_to_closest(space, holdout, train)
    row: dict[str, Any] = {
        "method": "real held-out rows (reference)", "settings": "real data", "ok": True,
        "dcr_train": dcr_train, "dcr_holdout": "n/a (are the held-out rows)",
        "nndr_train": nndr_train, "nndr_holdout": "n/a",
        "copies": exact_copy_rate(spec, holdout, train),
        "value_copies": value_copy_rate(spec, holdout, train),
        "accuracy": classifier_accuracy(spec, train, train, holdout),
        "hidden_rate": "n/a", "local_cloaking": "n/a",
    }
    row["hellinger"], row["correlation"], row["signal_source"] = signal_metrics(
        spec, space, train, holdout)
    return row


def _run_dataset(dataset: str, methods: list[str], cap_scale: float) -> dict[str, Any]:
    spec = load_dataset(dataset, REPO)
    train, holdout = split(spec)
    workdir = WORKDIR / dataset
    workdir.mkdir(parents=True, exist_ok=True)
    train.to_parquet(workdir / "train.parquet")
    space = CommonSpace(spec, train)
    rows = [_reference(spec, space, train, holdout)]
    cap = TIME_CAPS[dataset] * cap_scale
    for method in methods:
        print(f"[{dt.datetime.now(dt.UTC):%H:%M:%S}] {dataset}: {method} (cap {cap:.0f} s)",
              flush=True)
        outcome = _launch(method, dataset, workdir, cap)
        row: dict[str, Any] = {"method": method, "settings": method_settings(method, dataset),
                               **outcome}
        if outcome["ok"]:
            synthetic = conform(pd.read_parquet(workdir / f"{method}.synthetic.parquet"), spec)
            unshuffled_file = workdir / f"{method}.unshuffled.parquet"
            unshuffled = (conform(pd.read_parquet(unshuffled_file), spec)
                          if unshuffled_file.exists() else None)
            row.update(_measure(spec, space, train, holdout, synthetic, unshuffled))
            print(f"  ok in {outcome['seconds']:.1f} s", flush=True)
        else:
            print(f"  FAILED: {outcome['reason']}", flush=True)
        rows.append(row)
    return {"dataset": dataset, "source": spec.source, "train_rows": len(train),
            "holdout_rows": len(holdout), "target": spec.target, "rows": rows}


# ---------------------------------------------------------------------------------------------
# report


def _fmt(value: Any, digits: int) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return "—"
    return f"{value:.{digits}f}"


def _table(result: dict[str, Any]) -> list[str]:
    header = ("| method | settings | fit+generate s | peak RSS MiB (before fit) | DCR train "
              "| DCR holdout | NNDR train | NNDR holdout | exact copies of train % "
              "| Hellinger mean | corr. diff. ratio % | accuracy % | hidden rate % "
              "| local cloaking |")
    lines = [header, "|" + "---|" * 14]
    for row in result["rows"]:
        if not row["ok"]:
            lines.append(f"| {row['method']} | {row['settings']} | FAILED: "
                         f"{row['reason'].replace('|', '/')} |" + " |" * 11)
            continue
        if "seconds" in row:
            seconds = _fmt(row["seconds"], 1)
            memory = (f"{row['peak_rss'] / 2**20:.0f} ({row['rss_before_fit'] / 2**20:.0f})")
        else:
            seconds, memory = "—", "—"
        hidden, cloaking = row["hidden_rate"], row["local_cloaking"]
        engine = row.get("engine_privacy")
        if not isinstance(hidden, str):
            hidden = _fmt(hidden, 1)
            cloaking = _fmt(cloaking, 1)
            if engine:
                hidden += f" (engine: {engine[0]:.1f})"
                cloaking += f" (engine: {engine[1]:.1f})"
        accuracy = _fmt(row["accuracy"], 1)
        mark = "" if row.get("signal_source") == "engine" else " †"
        if row["method"].startswith("real"):
            accuracy += " (fitted on real training rows)"
        lines.append(
            f"| {row['method']} | {row['settings']} | {seconds} | {memory} "
            f"| {_fmt(row['dcr_train'], 3)} | {_fmt(row['dcr_holdout'], 3)} "
            f"| {_fmt(row['nndr_train'], 3)} | {_fmt(row['nndr_holdout'], 3)} "
            f"| {_fmt(row['copies'], 1)} | {_fmt(row['hellinger'], 3)}{mark} "
            f"| {_fmt(row['correlation'], 1)}{mark} | {accuracy} | {hidden} | {cloaking} |")
    return lines


def _risk_cell(risk: dict[str, Any] | None) -> str:
    if not risk:
        return "—"
    if risk.get("value") is None:
        return f"n/a ({risk.get('reason', 'not computed')})".replace("|", "/")
    low, high = risk["ci"]
    return f"{risk['value']:.3f} [{low:.3f}, {high:.3f}]"


def _privacy_table(result: dict[str, Any]) -> list[str]:
    """Risks with their 95 % CI, DCR share, TSTR and Hellinger: one line per method."""
    lines = ["| method | singling out | linkability | inference | DCR share % "
             "| TSTR accuracy % | Hellinger mean |", "|" + "---|" * 7]
    for row in result["rows"]:
        if not row["ok"] or "risks" not in row:
            continue
        risks = row["risks"]
        lines.append(
            f"| {row['method']} | {_risk_cell(risks.get('singling_out'))} "
            f"| {_risk_cell(risks.get('linkability'))} | {_risk_cell(risks.get('inference'))} "
            f"| {_fmt(row['dcr_share'], 1)} | {_fmt(row['accuracy'], 1)} "
            f"| {_fmt(row['hellinger'], 3)} |")
    return lines


def _verdict(result: dict[str, Any]) -> str | None:
    """The avatars' targets against GaussianCopula on one table: met, or what is missed.

    Targets: singling out and linkability <= GaussianCopula's upper 95 % bound + 0.02,
    inference <= its upper bound + 0.05, DCR share <= 60 %, TSTR accuracy >= GaussianCopula's,
    Hellinger mean <= GaussianCopula's.
    """
    rows = {row["method"]: row for row in result["rows"] if row.get("ok") and "risks" in row}
    avatars, copula = rows.get("avatar_engine"), rows.get("sdv_gaussian_copula")
    if avatars is None or copula is None:
        return None
    checks: list[tuple[str, bool]] = []
    for name, label, slack in (("singling_out", "singling out", 0.02),
                               ("linkability", "linkability", 0.02),
                               ("inference", "inference", 0.05)):
        ours, theirs = avatars["risks"].get(name, {}), copula["risks"].get(name, {})
        if ours.get("value") is None or theirs.get("value") is None:
            checks.append((f"{label} not computed", False))
            continue
        bound = theirs["ci"][1] + slack
        checks.append((f"{label} {ours['value']:.3f} {'<=' if ours['value'] <= bound else '>'} "
                       f"{bound:.3f}", ours["value"] <= bound))
    share = avatars["dcr_share"]
    checks.append((f"DCR share {share:.1f} % {'<=' if share <= 60 else '>'} 60 %", share <= 60))
    for key, label, better in (("accuracy", "TSTR", lambda a, b: a >= b),
                               ("hellinger", "Hellinger", lambda a, b: a <= b)):
        ours, theirs = avatars[key], copula[key]
        if isinstance(ours, str) or isinstance(theirs, str):
            checks.append((f"{label} n/a", False))
            continue
        digits = 1 if key == "accuracy" else 3
        ok = better(ours, theirs)
        sign = (">=" if ok else "<") if key == "accuracy" else ("<=" if ok else ">")
        checks.append((f"{label} {ours:.{digits}f} {sign} {theirs:.{digits}f}", ok))
    missed = [text for text, ok in checks if not ok]
    head = "all targets met" if not missed else f"NOT met: {'; '.join(missed)}"
    return (f"Verdict (avatars vs GaussianCopula): {head} ("
            + "; ".join(text for text, ok in checks if ok) + ").")


def _machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = psutil.virtual_memory().total / 2**30
    return (f"{cpu}, {os.cpu_count()} cores, {ram:.0f} GiB RAM, {platform.platform()}, "
            f"Python {platform.python_version()}")


def _versions() -> str:
    names = ("sdv", "ctgan", "DataSynthesizer", "torch", "pandas", "numpy", "scikit-learn",
             "avatars")
    found = []
    for name in names:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def _freeze_sources() -> str:
    """Extract src/ and generated/ of the last commit and put them first on the import path.

    The product changes under our feet while the benchmark runs; every worker (and the
    embedded server it starts) imports this frozen copy instead, so one run measures one
    version. Returns the commit.
    """
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, check=True,
                            capture_output=True, text=True).stdout.strip()
    target = WORKDIR / f"src-{commit}"
    if not target.exists():
        target.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", "HEAD", "src", "generated"], cwd=REPO,
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    paths = [str(target / "src"), str(target / "generated")]
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [*paths, *filter(None, [os.environ.get("PYTHONPATH", "")])])
    sys.path[:0] = paths
    return commit


def _section(results: list[dict[str, Any]], command: str, started: dt.datetime,
             total_seconds: float, notes: list[str], commit: str) -> str:
    lines = [
        SECTION, "",
        "Script: `benchmarks/peers/run.py` (separate environment, not part of CI or of the "
        "product's dependencies).", "",
        f"- Date: {started:%Y-%m-%d %H:%M} UTC; whole run {total_seconds / 60:.1f} min.",
        f"- Machine: {_machine()}. **Shared machine**: other engineers ran tests and servers "
        "on the same 2 cores during the run, so seconds are indicative (±30 % or worse).",
        f"- Packages: {_versions()}. Engine, SDK and server: commit {commit} (src/ and "
        "generated/ of that commit extracted at the start and imported by every worker, so "
        "the whole run measures one version).",
        "- Commands:",
        "  ```",
        "  bash benchmarks/peers/setup.sh",
        f"  {command}",
        "  ```",
        "- Protocol: each table is split 70/30 (train/holdout, stratified on the target, "
        "seed 0); every method fits on the training rows only and generates as many rows as "
        "there are training rows. Each (method, dataset) runs in its own worker process with "
        "a time cap; a failure is reported in its row with its reason. All workers run "
        "single-threaded (torch.set_num_threads(1), BLAS/OpenMP threads 1).",
        "- fit+generate s: fitting + generating only (no imports, no data loading). Peak RSS: "
        "resident memory of the worker process tree, sampled every "
        f"{POLL_SECONDS * 1000:.0f} ms with psutil, or the worker's own exact peak (VmHWM) "
        "if higher "
        "(includes the Python interpreter and the method's libraries; in brackets: "
        "the worker's RSS just before fitting, i.e. after imports and loading the data).",
        "- Common space for distances (fitted on the training rows only): numeric columns "
        "standardized, categorical columns one-hot (target included). DCR = Euclidean distance "
        "from a generated row to its nearest real row, NNDR = nearest / second-nearest "
        "distance (an exact copy counts as 0), both medians over generated rows "
        f"(at most {MAX_DISTANCE_QUERIES} rows sampled), against the training rows and "
        "against the held-out rows. The reference sets differ in size (70 % vs 30 %), so even "
        "fresh real data sits closer to the training rows than to the held-out rows: compare "
        "a method's 'DCR train' with the reference row, which is the held-out real rows "
        "measured against the training rows. Higher DCR/NNDR = farther from real people.",
        "- Exact copies: percent of generated rows equal to some training row (rows hashed; "
        "numbers rounded to 1e-6). The reference row shows how often real people share a row "
        "with another real person.",
        "- Hellinger mean and correlation difference ratio compare generated rows with the "
        "training rows using the engine's own `compute_signal_metrics` (the product's "
        "definitions: Hellinger per variable on modality frequencies, on one bin per value for "
        "numeric columns with at most 30 distinct values, else Sturges bins (at most 50) with "
        "open ends; correlation ratio = 100 × Σ|r_train − r_gen| / Σ|r_train| over pairs of "
        "FAMD-encoded variables), called the same way for every method. A value marked † "
        "comes from `benchmarks/peers/metrics.py` (same ENGINE.md definitions, "
        f"{HELLINGER_BINS} equal-width bins) because the engine's function failed on it.",
        "- Privacy yardsticks: anonymeter 1.1.0's singling-out (multivariate, 3-column "
        f"predicates), linkability (columns split in two halves, even / odd positions, 1 "
        f"neighbour) and inference (the target guessed from every other column) risks, "
        f"{ATTACKS} attacks each (at most the number of held-out rows for linkability and "
        "inference), the held-out rows as control set; value and 95 % confidence interval. "
        "DCR share: percent of generated rows closer to a training row than to a held-out "
        "row in the common space, the training rows subsampled to the held-out size "
        f"({DCR_REPEATS} subsamples averaged), so 50 % means no memorisation. TSTR accuracy "
        "is the accuracy column below (trained on generated rows, tested on held-out rows).",
        "- Accuracy: scikit-learn HistGradientBoostingClassifier (defaults, random_state=0) "
        "fitted on the generated rows, tested on the real held-out rows; the reference row is "
        "the same model fitted on the real training rows.",
        "- Hidden rate and local cloaking exist only for avatars (row i is the avatar of "
        "training row i); computed in the common space above (at most 5000 individuals "
        "sampled) and, in brackets, by the engine's own `compute_privacy_metrics` (FAMD, "
        f"ncp=5, all individuals) on tables of at most {ENGINE_PRIVACY_MAX_ROWS} training "
        "rows (it is quadratic in the number of rows: skipped on mixed_100k to keep the run "
        "within budget).",
        f"- Caps: CTGAN epochs {CTGAN_EPOCHS} (SDV default 300); CTGAN fitted on a random "
        f"sample of training rows where given: {CTGAN_MAX_TRAIN_ROWS or 'nowhere'}; "
        "DataSynthesizer fitted on a random sample of training rows where given: "
        f"{DATASYNTHESIZER_MAX_TRAIN_ROWS} (every method still generates as many rows as "
        "there are training rows); time caps per method run "
        f"{ {k: int(v) for k, v in TIME_CAPS.items()} } s.",
    ]
    lines += [f"- {note}" for note in notes]
    sdk_failures = [r["dataset"] for r in results for row in r["rows"]
                    if row["method"] == "avatars_sdk" and not row["ok"]]
    if sdk_failures:
        lines.append("- The SDK path (`Manager.local()` -> embedded reference server -> engine) "
                     f"did not work in this run on {', '.join(sdk_failures)} (reason in its row); "
                     "the engine itself was measured directly (`avatar_engine` rows).")
    lines.append("- avatars_sdk times the product path a user takes: upload, the `standard` job "
                 "(avatarization, plus the figures the server renders with it) and downloading "
                 "both result tables; starting the embedded server is not included.")
    for result in results:
        lines += ["", f"### {result['dataset']}", "",
                  f"{result['source']}; target `{result['target']}`; {result['train_rows']} "
                  f"training rows, {result['holdout_rows']} held-out rows.", ""]
        lines += _table(result)
        lines += ["", "Privacy yardsticks (value [95 % CI]; control set = the held-out rows):", ""]
        lines += _privacy_table(result)
        verdict = _verdict(result)
        if verdict:
            lines += ["", verdict]
        shares = [f"{row['method']} {row['value_copies']:.1f} %" for row in result["rows"]
                  if row["ok"] and row.get("value_copies") is not None]
        if shares:
            lines += ["", "Generated float cells equal to a value of the same training column "
                      "(value reuse, not row copies): " + "; ".join(shares) + "."]
    return "\n".join(lines) + "\n"


def _replace_section(text: str, section: str) -> str:
    start = text.find(SECTION + "\n")
    if start < 0:
        return text.rstrip("\n") + "\n\n" + section
    end = text.find("\n## ", start + len(SECTION))
    tail = text[end + 1:] if end >= 0 else ""
    return text[:start] + section + ("\n" + tail if tail else "")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (or, with --worker, one method on one dataset)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--cap-scale", type=float, default=1.0,
                        help="multiply every time cap by this factor")
    parser.add_argument("--no-write", action="store_true", help="do not touch RESULTS.md")
    parser.add_argument("--note", action="append", default=[],
                        help="extra line for the RESULTS.md section (repeatable)")
    parser.add_argument("--render", nargs=5,
                        metavar=("RESULTS_JSON", "COMMIT", "STARTED_UTC", "MINUTES", "COMMAND"),
                        help="write the section from a saved results.json (no run)")
    parser.add_argument("--worker", nargs=3, metavar=("METHOD", "DATASET", "WORKDIR"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        method, dataset, workdir = args.worker
        return _worker(method, dataset, Path(workdir))

    if args.render:
        saved, commit, started_text, minutes, command = args.render
        section = _section(json.loads(Path(saved).read_text()), command,
                           dt.datetime.fromisoformat(started_text), 60 * float(minutes),
                           args.note, commit)
        print(section)
        if not args.no_write:
            RESULTS.write_text(_replace_section(RESULTS.read_text(), section))
        return 0
    datasets = [d for d in args.datasets.split(",") if d]
    methods = [m for m in args.methods.split(",") if m]
    unknown = [m for m in methods if m not in METHODS] + [d for d in datasets if d not in DATASETS]
    if unknown:
        parser.error(f"unknown method or dataset: {', '.join(unknown)}")
    commit = _freeze_sources()
    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    results = []
    with threadpool_limits(limits=1):
        for dataset in datasets:
            results.append(_run_dataset(dataset, methods, args.cap_scale))
    total = time.perf_counter() - clock
    WORKDIR.mkdir(parents=True, exist_ok=True)
    (WORKDIR / "results.json").write_text(json.dumps(results, indent=2, default=str))
    shown = " ".join(a for a in (argv if argv is not None else sys.argv[1:]))
    command = f"benchmarks/.peers-venv/bin/python benchmarks/peers/run.py {shown}".strip()
    section = _section(results, command, started, total, args.note, commit)
    print(section)
    if not args.no_write:
        RESULTS.write_text(_replace_section(RESULTS.read_text(), section))
        print(f"wrote the {SECTION!r} section of {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
