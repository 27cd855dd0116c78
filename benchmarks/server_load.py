"""Load benchmark of the reference server: many clients submitting and polling jobs at once.

Starts a real server process (``python -m avatar_server``) on a free loopback port with a
temporary data folder, uploads ``fixtures/wbcd.csv`` and the canonical resource set, then runs
``--clients`` threads that each create ``--jobs-per-client`` jobs (with an ``Idempotency-Key``;
every POST is sent twice, as a client retrying after a lost answer would) while timing
``GET /api/jobs/{name}``. It reports:

- submissions per second and finished jobs per second (first job start -> last finish);
- p50/p95/max latency of ``GET /api/jobs/{name}`` while jobs run;
- lost jobs (accepted but unknown, ``lost``, or not done at the deadline) and duplicated jobs
  (more jobs stored than distinct idempotency keys, or a retried POST answered with another
  job); the target for both is zero.

The run is bounded: after ``--time-limit`` seconds the jobs still queued or running are
cancelled, and every job must then reach a final state (a job that does not is counted lost).
The section ``## server_load.py`` of ``benchmarks/RESULTS.md`` is rewritten with the figures
(``--no-write`` to skip).

Example:
    .venv/bin/python benchmarks/server_load.py --clients 20 --jobs-per-client 25
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from avatars._local import LocalServer, local_server
from results_file import write_section

REPO = Path(__file__).resolve().parents[1]
WBCD = REPO / "fixtures" / "wbcd.csv"
SECTION = "## server_load.py"

RESOURCE_SET = """\
kind: AvatarMetadata
metadata: {name: avatar-metadata-load}
spec: {display_name: load}
---
kind: AvatarSchema
metadata: {name: schema}
spec:
  tables:
  - name: wbcd
    data: {volume: input, file: wbcd.csv}
    columns:
    - {field: Class, type: category}
---
kind: AvatarParameters
metadata: {name: standard}
spec:
  schema: schema
  seed: 42
  avatarization:
    wbcd: {k: 15, ncp: 5}
"""


@dataclass
class ClientStats:
    """What one client thread saw."""

    names: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    retry_mismatches: int = 0
    errors: list[str] = field(default_factory=list)
    server_errors: int = 0
    done: dict[str, dict[str, Any]] = field(default_factory=dict)
    done_at: float = 0.0
    submitted_at: float = 0.0


def start_server(folder: Path, workers: int) -> LocalServer:
    """The reference server on a free loopback port, with its data in ``folder``."""
    command = [sys.executable, "-m", "avatar_server", "--workers", str(workers),
               "--log-level", "warning"]
    return local_server(data_dir=folder / "data", startup_timeout=120, command=command)


def run_client(
    index: int,
    base: str,
    headers: dict[str, str],
    set_name: str,
    jobs: int,
    stats: ClientStats,
    wait: float,
) -> None:
    rng = random.Random(index)
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        for j in range(jobs):
            body = {"set_name": set_name, "parameters_name": "standard", "depends_on": []}
            key = {"Idempotency-Key": f"load-{index}-{j}"}
            try:
                first = client.post("/api/jobs", json=body, headers=key)
                again = client.post("/api/jobs", json=body, headers=key)  # a client's retry
            except httpx.HTTPError as exc:
                stats.errors.append(f"POST: {type(exc).__name__}")
                continue
            if first.status_code != 201:
                stats.errors.append(f"POST {first.status_code}: {first.text[:120]}")
                stats.server_errors += first.status_code >= 500
                continue
            name = first.json()["name"]
            if again.status_code not in (200, 201) or again.json().get("name") != name:
                stats.retry_mismatches += 1
            stats.names.append(name)
            probe = rng.choice(stats.names)
            started = time.perf_counter()
            response = client.get(f"/api/jobs/{probe}")
            stats.latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                stats.errors.append(f"GET {response.status_code}")
                stats.server_errors += response.status_code >= 500
        stats.submitted_at = time.monotonic()
        wait_for_jobs(client, stats, wait)


def wait_for_jobs(client: httpx.Client, stats: ClientStats, wait: float) -> None:
    """Wait for each of the client's jobs with the long-poll, as the SDK does."""
    if wait <= 0:
        return
    for name in stats.names:
        while True:
            try:
                response = client.get(f"/api/jobs/{name}", params={"wait": wait})
            except httpx.HTTPError as exc:
                stats.errors.append(f"GET wait: {type(exc).__name__}")
                break
            if response.status_code != 200:
                stats.errors.append(f"GET wait {response.status_code}: {response.text[:120]}")
                stats.server_errors += response.status_code >= 500
                if response.status_code < 500:
                    break
                time.sleep(0.2)
                continue
            if response.json()["done"]:
                stats.done[name] = response.json()
                break
    stats.done_at = time.monotonic()


def poll_until_done(
    base: str, headers: dict[str, str], names: list[str], deadline: float, stats: ClientStats
) -> tuple[dict[str, dict[str, Any]], int]:
    """Poll every job until done; at the deadline cancel the rest and wait for them to stop.

    Returns the final job states and how many jobs were cancelled at the deadline.
    """
    final: dict[str, dict[str, Any]] = {}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        pending = _poll(client, list(names), deadline, final, stats)
        for name in pending:
            client.post(f"/api/jobs/{name}/cancel")
        cancelled = len(pending)
        pending = _poll(client, pending, time.monotonic() + 90, final, stats)
        for name in pending:  # neither finished nor stopped after a cancel: unaccounted for
            final[name] = {"status": "unaccounted", "done": False}
    return final, cancelled


def _poll(
    client: httpx.Client,
    pending: list[str],
    deadline: float,
    final: dict[str, dict[str, Any]],
    stats: ClientStats,
) -> list[str]:
    while pending and time.monotonic() < deadline:
        still = []
        for name in pending:
            started = time.perf_counter()
            response = client.get(f"/api/jobs/{name}")
            stats.latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                final[name] = {"status": f"http {response.status_code}", "done": True}
            elif response.json()["done"]:
                final[name] = response.json()
            else:
                still.append(name)
        pending = still
        if pending:
            time.sleep(0.5)
    return pending


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="avatars-load-") as tmp:
        folder = Path(tmp)
        server = start_server(folder, args.workers)
        try:
            return load(args, server.base_url, {"Authorization": f"api-key-v1 {server.api_key}"})
        finally:
            server.stop()


def load(args: argparse.Namespace, base: str, headers: dict[str, str]) -> dict[str, Any]:
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        upload = client.put(
            "/api/datasets/wbcd.csv",
            content=WBCD.read_bytes(),
            headers={"Content-Type": "application/octet-stream"},
        )
        upload.raise_for_status()
        stored = client.put(
            "/api/resources/load",
            content=RESOURCE_SET.encode(),
            headers={"Content-Type": "text/yaml"},
        )
        stored.raise_for_status()
        set_name = stored.json()["set_name"]
    stats = [ClientStats() for _ in range(args.clients)]
    started = time.monotonic()
    threads = [
        threading.Thread(
            target=run_client,
            args=(i, base, headers, set_name, args.jobs_per_client, stats[i], args.wait),
            daemon=True,
        )
        for i in range(args.clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    submitted_at = max((s.submitted_at for s in stats), default=0.0) or time.monotonic()
    in_hand_at = max((s.done_at for s in stats), default=0.0) or time.monotonic()
    in_hand = sum(len(s.done) for s in stats)
    in_hand_finished = sum(
        1 for s in stats for job in s.done.values() if job["status"] == "finished"
    )
    names = [name for s in stats for name in s.names]
    poller = ClientStats()
    final, cancelled = poll_until_done(base, headers, names, started + args.time_limit, poller)
    ended = time.monotonic()
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        listed = client.get("/api/jobs", params={"set_name": set_name, "limit": 1}).json()
    statuses = Counter(job["status"] for job in final.values())
    finished_at = max(
        (datetime.fromisoformat(j["finished_at"]) for j in final.values() if j.get("finished_at")),
        default=None,
    )
    latencies = [v for s in [*stats, poller] for v in s.latencies]
    expected = args.clients * args.jobs_per_client
    finished = [j for j in final.values() if j["status"] == "finished"]
    first_start = min(
        (datetime.fromisoformat(j["started_at"]) for j in finished if j.get("started_at")),
        default=None,
    )
    busy = (finished_at - first_start).total_seconds() if finished_at and first_start else 0.0
    run_times = [
        (
            datetime.fromisoformat(j["finished_at"]) - datetime.fromisoformat(j["started_at"])
        ).total_seconds()
        for j in finished
        if j.get("started_at") and j.get("finished_at")
    ]
    return {
        "clients": args.clients,
        "jobs_per_client": args.jobs_per_client,
        "workers": args.workers,
        "expected_jobs": expected,
        "accepted_jobs": len(names),
        "distinct_jobs": len(set(names)),
        "stored_jobs": listed["total"],
        "retry_mismatches": sum(s.retry_mismatches for s in stats),
        "client_errors": [e for s in stats for e in s.errors][:10],
        "statuses": dict(statuses),
        "lost": statuses.get("lost", 0)
        + statuses.get("unaccounted", 0)
        + sum(1 for j in final.values() if str(j["status"]).startswith("http")),
        "cancelled_at_limit": cancelled,
        "duplicated": max(0, listed["total"] - len(set(names)))
        + (len(names) - len(set(names)))
        + sum(s.retry_mismatches for s in stats),
        "long_poll_wait": args.wait,
        "server_errors": sum(s.server_errors for s in [*stats, poller]),
        "in_hand": in_hand,
        "in_hand_finished": in_hand_finished,
        "in_hand_per_second": in_hand_finished / max(in_hand_at - started, 1e-9),
        "in_hand_seconds": in_hand_at - started,
        "submit_seconds": submitted_at - started,
        "submissions_per_second": len(names) / max(submitted_at - started, 1e-9),
        "total_seconds": ended - started,
        "finished_jobs": len(finished),
        "finished_per_second": len(finished) / busy if busy else 0.0,
        "job_run_seconds_median": statistics.median(run_times) if run_times else float("nan"),
        "last_finished_at": finished_at.isoformat() if finished_at else None,
        "get_samples": len(latencies),
        "get_p50_ms": 1000 * percentile(latencies, 0.50),
        "get_p95_ms": 1000 * percentile(latencies, 0.95),
        "get_max_ms": 1000 * max(latencies, default=float("nan")),
        "get_mean_ms": 1000 * statistics.fmean(latencies) if latencies else float("nan"),
    }


def machine() -> str:
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}; load average at the end {load} (shared machine)"
    )


def section(result: dict[str, Any], command: str, baseline: dict[str, Any] | None = None) -> str:
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    before = ""
    if baseline is not None:
        before = (
            f"\nBefore (same command on the code before the small-jobs work, "
            f"{baseline.get('date', '?')}, load {baseline.get('load', float('nan')):.1f}): "
            f"{baseline['in_hand_per_second']:.2f} finished jobs in hand per second, "
            f"median job run {baseline['job_run_seconds_median']:.2f} s, "
            f"{baseline['server_errors']} HTTP 5xx, {baseline['lost']} lost.\n"
        )
    status = ", ".join(f"{k}: {v}" for k, v in sorted(result["statuses"].items()))
    latency = (
        f"{result['get_p50_ms']:.1f} / {result['get_p95_ms']:.1f} / "
        f"{result['get_max_ms']:.1f} ms ({result['get_samples']} samples)"
    )
    clean = result["lost"] == 0 and result["duplicated"] == 0 and result["server_errors"] == 0
    verdict = "OK" if clean else "FAILED"
    return f"""{SECTION}

Machine: {machine()}. Date: {date}.
Command: `{command}`

Real server process (`python -m avatar_server`, {result["workers"]} job workers, SQLite) on
127.0.0.1; {result["clients"]} concurrent clients (threads, httpx) x {result["jobs_per_client"]}
`standard` jobs on `wbcd.csv` (683 rows, k=15, ncp=5); every POST sent twice with the same
`Idempotency-Key`; `GET /api/jobs/{{name}}` timed while jobs run; then each client waits
for its jobs with the long-poll `GET /api/jobs/{{name}}?wait=`, as the SDK does.

| figure | value | target |
|---|---|---|
| jobs accepted / expected | {result["accepted_jobs"]} / {result["expected_jobs"]} | all |
| jobs stored for the set | {result["stored_jobs"]} | = accepted |
| final statuses | {status} | finished or cancelled |
| lost jobs | {result["lost"]} | 0 |
| duplicated jobs | {result["duplicated"]} | 0 |
| still queued/running at the time limit (then cancelled) | {result["cancelled_at_limit"]} | - |
| HTTP 5xx answers seen by the clients | {result["server_errors"]} | 0 |
| jobs in hand through the long-poll (`?wait={result["long_poll_wait"]:g}`), finished / accepted | {result["in_hand_finished"]} / {result["accepted_jobs"]} in {result["in_hand_seconds"]:.1f} s | all |
| **finished jobs in hand per second** (first POST -> last job in hand) | **{result["in_hand_per_second"]:.2f}** | >= 4 |
| submissions per second (2 POSTs each) | {result["submissions_per_second"]:.1f} | - |
| finished jobs per second (first start -> last finish) | {result["finished_per_second"]:.2f} | - |
| median run time of one job (start -> finish) | {result["job_run_seconds_median"]:.1f} s | - |
| wall time | {result["total_seconds"]:.1f} s | bounded |
| `GET /api/jobs/{{name}}` p50 / p95 / max | {latency} | - |

Verdict (zero lost, zero duplicated, zero 5xx): **{verdict}**.
{before}"""  # noqa: E501


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--jobs-per-client", type=int, default=25)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--wait", type=float, default=10.0,
        help="each client then waits for its jobs with GET ?wait=<seconds> (0: no long-poll)",
    )
    parser.add_argument("--time-limit", type=float, default=240.0, help="seconds for the run")
    parser.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    parser.add_argument("--save-json", type=Path, help="also write the figures here")
    parser.add_argument("--baseline", type=Path, help="figures of an earlier run (JSON)")
    args = parser.parse_args()
    result = run(args)
    result["date"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    result["load"] = os.getloadavg()[0]
    print(json.dumps(result, indent=2))
    if args.save_json:
        args.save_json.write_text(json.dumps(result, indent=2))
    baseline = json.loads(args.baseline.read_text()) if args.baseline else None
    if not args.no_write:
        command = "python benchmarks/server_load.py " + " ".join(sys.argv[1:])
        write_section(SECTION, section(result, command.strip(), baseline))


if __name__ == "__main__":
    main()
