"""The batched mode of engine_scale.py: large tables in batches on a 2-worker Dask LocalCluster.

Each size is generated (same generator as engine_scale.py, written chunk by chunk to a Parquet
file, not timed), then avatarized with ``avatar_engine.batches`` on a LocalCluster of worker
processes (1 thread, 3 GiB each), metrics per batch included, avatars written to Parquet. The
figures: wall time, CPU seconds of the client and of the workers, peak memory (max RSS) of each
worker and of the client, and the per-batch cost from which 100M rows on 16 workers is
projected.

Usage:
    .venv/bin/python benchmarks/engine_scale.py --batched --sizes 1000000 3000000 10000000
    .venv/bin/python benchmarks/engine_scale.py --batched --sizes 200000 --batch-rows 100000 \
        --no-write
"""

from __future__ import annotations

import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

SECTION = "## engine_scale.py --batched"
GENERATED_CHUNK_ROWS = 500_000
TARGET_SECONDS = 600
TARGET_ROWS = 10_000_000
TARGET_WORKER_GIB = 3.0
PROJECTED_ROWS = 100_000_000
PROJECTED_WORKERS = 16


def _rusage() -> dict[str, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu": usage.ru_utime + usage.ru_stime, "max_rss_mib": usage.ru_maxrss / 1024}


def write_table(path: Path, rows: int) -> float:
    """Write the benchmark table of ``rows`` rows to ``path`` chunk by chunk; seconds taken."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from engine_scale import generate_table

    started = time.perf_counter()
    writer = None
    for chunk, start in enumerate(range(0, rows, GENERATED_CHUNK_ROWS)):
        # one chunk per seed: the same 3 latent factors and loadings (seed 0's), fresh rows
        frame = generate_table(min(GENERATED_CHUNK_ROWS, rows - start), seed=0,
                               rows_seed=chunk)
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    assert writer is not None
    writer.close()
    return time.perf_counter() - started


def batched_worker(rows: int, batch_rows: int, workers: int,
                   metrics: bool = True) -> dict[str, Any]:
    """Run one size (in this process as the Dask client) and return its figures."""
    from avatar_engine import AvatarizationParameters
    from avatar_engine.batches import BatchOptions, avatarize_in_batches
    from avatar_engine.dask_runner import dask_executor
    from engine_scale import NCP, K

    with tempfile.TemporaryDirectory(prefix="engine-scale-") as folder:
        source = Path(folder) / "table.parquet"
        generation_seconds = write_table(source, rows)
        before = _rusage()
        started = time.perf_counter()
        with dask_executor(None, workers=workers, threads_per_worker=1,
                           memory_limit=f"{TARGET_WORKER_GIB:g}GiB") as executor:
            cluster_seconds = time.perf_counter() - started
            run_started = time.perf_counter()
            run = avatarize_in_batches(
                source, Path(folder) / "avatars.parquet",
                AvatarizationParameters(k=K, ncp=NCP, seed=0),
                BatchOptions(batch_rows=batch_rows, metrics=metrics), executor=executor,
            )
            run_seconds = time.perf_counter() - run_started
            worker_usage = executor.client.run(_rusage)
        output_mib = (Path(folder) / "avatars.parquet").stat().st_size / 2**20
    after = _rusage()
    totals = run.metrics.get("totals") or {}
    worst = run.metrics.get("worst") or {}
    return {
        "metrics": metrics,
        "rows": rows,
        "batch_rows": batch_rows,
        "n_batches": run.n_batches,
        "workers": workers,
        "generation_seconds": generation_seconds,
        "cluster_start_seconds": cluster_seconds,
        "seconds": run_seconds,
        "fit_seconds": run.metadata["batches"]["fit_seconds"],
        "batch_seconds": run.batch_seconds,
        "client_cpu_seconds": after["cpu"] - before["cpu"],
        "client_max_rss_mib": after["max_rss_mib"],
        "worker_cpu_seconds": sum(u["cpu"] for u in worker_usage.values()),
        "worker_max_rss_mib": max(u["max_rss_mib"] for u in worker_usage.values()),
        "output_mib": output_mib,
        "totals": {name: totals[name]["value"] for name in
                   ("hidden_rate", "local_cloaking", "hellinger_mean",
                    "correlation_difference_ratio") if name in totals},
        "worst": {name: worst[name] for name in ("hidden_rate", "local_cloaking",
                                                  "hellinger_mean") if name in worst},
        "worst_batch": run.metrics.get("worst_batch"),
    }


def run_batched(rows: int, batch_rows: int, workers: int) -> dict[str, Any]:
    """One size in a fresh process (its own peak memory), with the load before and after."""
    command = [sys.executable, str(Path(__file__).with_name("engine_scale.py")),
               "--batched-worker", str(rows), "--batch-rows", str(batch_rows),
               "--workers", str(workers)]
    load_before = os.getloadavg()[0]
    completed = subprocess.run(command, capture_output=True, text=True, check=False,
                               env={**os.environ, "PYTHONHASHSEED": "0"})
    if completed.returncode:
        raise SystemExit(completed.stderr[-4000:])
    run: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    run["load_average_1min"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    return run


def projection(run: dict[str, Any], rows: int = 100_000_000,
               workers: int = 16) -> dict[str, float]:
    """``rows`` rows on ``workers`` workers (default 100M on 16), from a run's per-batch cost.

    Time = reference fit (measured, independent of the rows) + rounds of 16 batches x the
    CPU seconds of one batch (workers' CPU seconds / batches: one core per worker, free of the
    machine's load) + the client's streaming (its CPU seconds per row, measured, times 100M:
    the client reads, sends and writes every row), which runs alongside the workers.
    """
    batches = math.ceil(rows / run["batch_rows"])
    per_batch = run["worker_cpu_seconds"] / run["n_batches"]
    rounds = math.ceil(batches / workers)
    client = run["client_cpu_seconds"] / run["rows"] * rows
    compute = run["fit_seconds"] + rounds * per_batch
    return {"batches": batches, "per_batch_seconds": per_batch, "rounds": rounds,
            "compute_seconds": compute, "client_seconds": client,
            "seconds": max(compute, client)}


def render(runs: list[dict[str, Any]], command: str, machine: str, date: str,
           load_note: str) -> str:
    """The RESULTS.md section of the batched runs."""
    lines = [
        SECTION, "",
        f"- Machine: {machine}",
        f"- Date: {date}",
        f"- Command: `{command}`",
        "- Table: engine_scale.py's generator (10 numeric + 10 categorical columns, 5 % "
        "missing per column), written as Parquet in chunks of 500,000 rows sharing the same "
        "latent structure; k=20, ncp=5, seed 0. Avatarized with `avatar_engine.batches` on a "
        "Dask LocalCluster of worker processes (1 thread, 3 GiB memory limit each): one "
        "projection fitted on a 100,000-row reference sample, batches of the given size, "
        "neighbours inside each batch, privacy and signal metrics per batch, avatars written "
        "to Parquet by the client as the batches come back.",
        f"- Load: {load_note}. The machine's 2 cores are shared with other work; CPU seconds "
        "are the load-independent cost.",
        "",
        f"Targets: 10,000,000 x 20 on a 2-worker LocalCluster in <= {TARGET_SECONDS // 60} "
        f"minutes, <= {TARGET_WORKER_GIB:g} GiB per worker.",
        "",
        "| rows | batches x rows | wall (s) | mean batch wall (s) | reference fit (s) "
        "| workers CPU (s) | client CPU (s) | worker peak RSS (MiB) | client peak RSS (MiB) "
        "| hidden rate (total / worst) | local cloaking (total / worst) "
        "| hellinger mean (total / worst) | load avg (1 min) before / after |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        totals, worst = run["totals"], run["worst"]
        lines.append(
            f"| {run['rows']:,} | {run['n_batches']} x {run['batch_rows']:,} | "
            f"{run['seconds']:.0f} | {np.mean(run['batch_seconds']):.1f} | "
            f"{run['fit_seconds']:.1f} | {run['worker_cpu_seconds']:.0f} | "
            f"{run['client_cpu_seconds']:.0f} | {run['worker_max_rss_mib']:.0f} | "
            f"{run['client_max_rss_mib']:.0f} | {totals['hidden_rate']:.1f} / "
            f"{worst['hidden_rate']['value']:.1f} | {totals['local_cloaking']:.0f} / "
            f"{worst['local_cloaking']['value']:.0f} | {totals['hellinger_mean']:.4f} / "
            f"{worst['hellinger_mean']['value']:.4f} | "
            f"{run['load_average_1min'][0]:.2f} / {run['load_average_1min'][1]:.2f} |"
        )
    if len(runs) >= 2:
        slope = np.polyfit(np.log([r["rows"] for r in runs]),
                           np.log([r["seconds"] for r in runs]), 1)[0]
        lines += ["", f"Growth of wall time vs rows (log-log fit): exponent {slope:.2f} "
                      "(1.00 = linear: the batches are independent, their count grows "
                      "with the rows)."]
    largest = max(runs, key=lambda r: r["rows"])
    ok_time = largest["seconds"] <= TARGET_SECONDS
    ok_memory = largest["worker_max_rss_mib"] / 1024 <= TARGET_WORKER_GIB
    lines += [] if largest["rows"] < TARGET_ROWS else [
              "", f"Against the targets at {largest['rows']:,} rows: "
                  f"{largest['seconds']:.0f} s wall (<= {TARGET_SECONDS} s: "
                  f"{'PASS' if ok_time else 'FAIL'}); worker peak "
                  f"{largest['worker_max_rss_mib'] / 1024:.2f} GiB (<= {TARGET_WORKER_GIB:g} "
                  f"GiB: {'PASS' if ok_memory else 'FAIL'})."]
    if largest["rows"] < TARGET_ROWS:
        estimate = projection(largest, TARGET_ROWS, largest["workers"])
        lines += ["", f"{TARGET_ROWS:,} rows were not run in this session (see the load); "
                      f"estimated from the {largest['rows']:,}-row run on this machine idle "
                      f"with {largest['workers']} workers: {estimate['batches']} batches, "
                      f"{estimate['rounds']} rounds x {estimate['per_batch_seconds']:.0f} CPU s "
                      f"+ {largest['fit_seconds']:.0f} s fit = "
                      f"{estimate['compute_seconds'] / 60:.1f} min "
                      f"({'within' if estimate['compute_seconds'] <= TARGET_SECONDS else 'over'}"
                      f" the {TARGET_SECONDS // 60}-minute target), plus the client's "
                      f"{estimate['client_seconds'] / 60:.1f} CPU min on the same 2 cores; "
                      f"peak memory per worker stays that of one batch "
                      f"({largest['worker_max_rss_mib'] / 1024:.2f} GiB)."]
    projected = projection(largest)
    lines += ["", f"Projection, 100,000,000 rows on a {PROJECTED_WORKERS}-worker cluster "
                  f"(from the {largest['rows']:,}-row run): {projected['batches']} batches of "
                  f"{largest['batch_rows']:,} rows, {projected['rounds']} rounds of "
                  f"{PROJECTED_WORKERS} batches x {projected['per_batch_seconds']:.1f} CPU s "
                  f"per batch (measured: workers' CPU seconds / batches) + "
                  f"{largest['fit_seconds']:.0f} s reference fit = "
                  f"{projected['compute_seconds'] / 60:.0f} min of worker time; the client "
                  f"streams every row (read, send, receive, write: "
                  f"{largest['client_cpu_seconds'] / largest['rows'] * 1e6:.1f} CPU s per "
                  f"million rows measured, so {projected['client_seconds'] / 60:.0f} min "
                  f"for 100M), in parallel with the workers. Expected: about "
                  f"{projected['seconds'] / 60:.0f} min, with "
                  f"{largest['worker_max_rss_mib'] / 1024:.1f} GiB per worker (a batch's cost does "
                  f"not depend on the table's size). "
                  f"Assumes workers as fast as one core here and a client that keeps "
                  f"{PROJECTED_WORKERS} x 2 + 1 batches in flight; when the client's "
                  f"streaming is the longer of the two, reading the batches on the workers "
                  f"from shared storage is the next step."]
    return "\n".join(lines) + "\n"
