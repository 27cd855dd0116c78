"""SDK benchmarks against a real local reference server; appends to benchmarks/RESULTS.md.

Measures:
  (a) overhead of ``client.health.get_health()`` over a raw ``httpx`` GET of the same URL
      (ratio of medians, interleaved in one run; target <= 1.3);
  (b) upload of a 1 GiB CSV from disk: MB/s and the client's peak RSS above its baseline
      (target <= 64 MiB);
  (c) delay between a job finishing on the server (its ``finished_at``) and the SDK learning
      it: the long-poll ``client.jobs.get_job(name, wait=...)`` and the Runner's result
      accessor ``runner.shuffled(table)`` (target <= 100 ms).

Usage:
    .venv/bin/python benchmarks/sdk.py [--upload-mib 1024] [--health-calls 500] [--jobs 5]
                                       [--no-write]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psutil

from results_file import write_section

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## sdk.py"
SMALL_SECTION = "## sdk.py --small-jobs"
WBCD = ROOT / "fixtures" / "wbcd.csv"


@contextlib.contextmanager
def local_server(work: Path, max_upload: int | None) -> Iterator[tuple[str, str, int]]:
    """The reference server on a free loopback port; yield (API URL, API key, server pid).

    ``max_upload`` None: the server exactly as the SDK starts it by default.
    """
    from avatars._local import local_server as start

    command = None if max_upload is None else [
        sys.executable, "-m", "avatar_server", "--max-upload-bytes", str(max_upload),
        "--log-level", "warning"]
    server = start(data_dir=work / "data", startup_timeout=60, command=command)
    try:
        yield f"{server.base_url}/api", server.api_key, server.pid
    finally:
        server.stop()


def bench_overhead(base_url: str, api_key: str, calls: int) -> dict[str, float]:
    """(a) facade vs raw httpx, interleaved so both see the same server load."""
    from avatars import ApiClient

    client = ApiClient(base_url, api_key=api_key)
    raw = httpx.Client(headers={"Authorization": f"api-key-v1 {api_key}"}, timeout=60)
    url = f"{base_url}/health"
    sdk_times: list[float] = []
    raw_times: list[float] = []

    def timed(function: Callable[[], Any], sink: list[float]) -> None:
        started = time.perf_counter()
        function()
        sink.append(time.perf_counter() - started)

    def raw_call() -> None:
        response = raw.get(url)
        response.raise_for_status()
        response.json()

    for _ in range(50):  # warm up connections and imports
        client.health.get_health()
        raw_call()
    for index in range(calls):
        if index % 2:
            timed(client.health.get_health, sdk_times)
            timed(raw_call, raw_times)
        else:
            timed(raw_call, raw_times)
            timed(client.health.get_health, sdk_times)
    client.close()
    raw.close()
    sdk_median = statistics.median(sdk_times)
    raw_median = statistics.median(raw_times)
    return {
        "calls": calls,
        "sdk_median_ms": sdk_median * 1000,
        "raw_median_ms": raw_median * 1000,
        "ratio": sdk_median / raw_median,
    }


def write_csv(path: Path, size: int) -> None:
    row = b"12345,67.891,some category text,2024-01-01T00:00:00,0.000123456789\n"
    block = b"a,b,c,d,e\n" + row * (8 * 1024 * 1024 // len(row))
    with path.open("wb") as handle:
        written = 0
        while written < size:
            chunk = block if written == 0 else block[10:]
            chunk = chunk[: size - written]
            handle.write(chunk)
            written += len(chunk)


class RssSampler:
    """Peak resident memory of this process, sampled every few milliseconds."""

    def __init__(self) -> None:
        self.process = psutil.Process()
        self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.005)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()


def bench_upload(base_url: str, api_key: str, work: Path, size_mib: int) -> dict[str, float]:
    """(b) upload a CSV of ``size_mib`` MiB from disk: throughput and peak RSS over baseline."""
    from avatars import ApiClient

    path = work / "big.csv"
    write_csv(path, size_mib * 1024 * 1024)
    client = ApiClient(base_url, api_key=api_key, timeout=600)
    client.health.get_health()
    baseline = psutil.Process().memory_info().rss
    with RssSampler() as sampler:
        started = time.perf_counter()
        stored = client.datasets.upload_dataset("big.csv", path)
        elapsed = time.perf_counter() - started
    client.close()
    assert stored.size == path.stat().st_size, "the server stored a different size"
    path.unlink()
    return {
        "mib": size_mib,
        "seconds": elapsed,
        "mb_per_s": size_mib * 1024 * 1024 / 1e6 / elapsed,
        "peak_rss_over_baseline_mib": (sampler.peak - baseline) / 2**20,
    }


def bench_frame_upload(base_url: str, api_key: str, rows: int, fmt: str) -> dict[str, float]:
    """(b') upload a DataFrame (written to a temporary file in chunks, then streamed)."""
    import numpy as np
    import pandas as pd

    from avatars import ApiClient

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "a": rng.integers(0, 1000, rows),
            "b": rng.normal(size=rows),
            "c": pd.Categorical(rng.choice(["x", "y", "z"], rows)),
            "d": rng.normal(size=rows),
        }
    )
    frame_mib = frame.memory_usage(deep=True).sum() / 2**20
    client = ApiClient(base_url, api_key=api_key, timeout=600)
    client.health.get_health()
    baseline = psutil.Process().memory_info().rss
    with RssSampler() as sampler:
        started = time.perf_counter()
        stored = client.datasets.upload_dataset(f"frame.{fmt}", frame)
        elapsed = time.perf_counter() - started
    client.close()
    return {
        "rows": rows,
        "format": fmt,
        "frame_mib": frame_mib,
        "file_mib": stored.size / 2**20,
        "seconds": elapsed,
        "peak_rss_over_baseline_mib": (sampler.peak - baseline) / 2**20,
    }


def _finished_at(job: Any) -> float:
    value = job.finished_at
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return float(value.timestamp())


def bench_completion_delay(base_url: str, api_key: str, jobs: int) -> dict[str, Any]:
    """(c) job finished on the server -> SDK returns, via long-poll and via the Runner."""
    from avatars import ApiClient, Manager

    client = ApiClient(base_url, api_key=api_key)
    manager = Manager(base_url, api_key=api_key)
    poll_delays: list[float] = []
    accessor_delays: list[float] = []
    fetch_costs: list[float] = []
    for index in range(jobs):
        runner = manager.create_runner(set_name=f"bench-{index}")
        runner.show_progress = False
        runner.add_table("wbcd", str(WBCD))
        runner.set_parameters("wbcd", k=15)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            job_name = runner.run(jobs_to_run=["standard"])["standard"]
        if index % 2 == 0:
            runner.shuffled("wbcd")  # waits with the long-poll, then downloads and parses
            returned = time.time()
            job = client.jobs.get_job(job_name)
            accessor_delays.append(returned - _finished_at(job))
            started = time.perf_counter()  # the part that is not waiting: list + download
            files = client.results.get_results(job_name)
            client.results.read_result_dataframe(job_name, files["shuffled"][0])
            fetch_costs.append(time.perf_counter() - started)
        else:
            job = client.jobs.get_job(job_name, wait=60)
            while not job.done:
                job = client.jobs.get_job(job_name, wait=60)
            returned = time.time()
            poll_delays.append(returned - _finished_at(job))
    client.close()
    return {
        "jobs": jobs,
        "long_poll_ms": [round(d * 1000, 1) for d in poll_delays],
        "accessor_ms": [round(d * 1000, 1) for d in accessor_delays],
        "fetch_ms": [round(d * 1000, 1) for d in fetch_costs],
        "max_ms": round(max(poll_delays + accessor_delays, default=float("nan")) * 1000, 1),
    }


class TreeRssSampler:
    """Peak of the summed resident memory of this process, the server and their children.

    ``peak`` sums each process's RSS (pages shared between the fork server and the workers
    it forked are counted once per process); ``peak_pss`` sums the proportional set sizes
    (each shared page split between the processes that share it: the memory really used).
    """

    def __init__(self, server_pid: int) -> None:
        self.processes = [psutil.Process(), psutil.Process(server_pid)]
        self.peak = 0
        self.peak_pss = 0
        # role of each process -> its peak (RSS, PSS) in bytes
        self.by_role: dict[str, tuple[int, int]] = {}
        self._roles = {os.getpid(): "SDK (benchmark process)", server_pid: "server (API)"}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> tuple[int, int]:
        seen: set[int] = set()
        rss = pss = 0
        for root in self.processes:
            with contextlib.suppress(psutil.Error):
                for process in [root, *root.children(recursive=True)]:
                    if process.pid in seen:
                        continue
                    seen.add(process.pid)
                    with contextlib.suppress(psutil.Error):
                        memory = process.memory_full_info()
                        rss += memory.rss
                        pss += getattr(memory, "pss", memory.rss)
                        role = self._role(process)
                        old = self.by_role.get(role, (0, 0))
                        self.by_role[role] = (
                            max(old[0], memory.rss),
                            max(old[1], getattr(memory, "pss", memory.rss)),
                        )
        return rss, pss

    def _role(self, process: psutil.Process) -> str:
        if process.pid in self._roles:
            return self._roles[process.pid]
        command = " ".join(process.cmdline())
        parent = process.ppid()
        if "forkserver" in command and self._roles.get(parent) == "server (API)":
            role = "fork server"
        elif "resource_tracker" in command:
            role = "multiprocessing resource tracker"
        else:
            role = f"worker {sum(r.startswith('worker') for r in self._roles.values()) + 1}"
        self._roles[process.pid] = role
        return role

    def _run(self) -> None:
        while not self._stop.is_set():
            rss, pss = self.sample()
            self.peak = max(self.peak, rss)
            self.peak_pss = max(self.peak_pss, pss)
            time.sleep(0.02)

    def __enter__(self) -> TreeRssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()


def bench_warm_job(base_url: str, api_key: str, server_pid: int, jobs: int) -> dict[str, Any]:
    """(d) warm ``standard`` job on wbcd.csv: ``runner.run()`` -> avatars in hand, median.

    One job first warms the server (workers, imports); then ``jobs`` timed runs, each a new
    resource-set version of the same table (the upload is skipped, as for a user's rerun).
    Peak resident memory of the SDK process + the server and all its children is sampled.
    """
    from avatars import Manager

    manager = Manager(base_url, api_key=api_key)
    timings: list[float] = []
    with TreeRssSampler(server_pid) as sampler:
        for index in range(jobs + 1):
            runner = manager.create_runner(set_name=f"warm-{index}")
            runner.show_progress = False
            runner.add_table("wbcd", str(WBCD))
            runner.set_parameters("wbcd", k=15)
            started = time.perf_counter()
            runner.run(jobs_to_run=["standard"])
            avatars = runner.shuffled("wbcd")
            elapsed = time.perf_counter() - started
            assert len(avatars) > 0, "no avatars"
            if index:
                timings.append(elapsed)
    return {
        "jobs": jobs,
        "seconds": [round(t, 3) for t in timings],
        "median_s": statistics.median(timings),
        "peak_rss_mib": sampler.peak / 2**20,
        "peak_pss_mib": sampler.peak_pss / 2**20,
        "by_process_mib": {
            role: [round(rss / 2**20), round(pss / 2**20)]
            for role, (rss, pss) in sorted(sampler.by_role.items())
        },
    }


def bench_cli_cold(work: Path, runs: int = 5) -> dict[str, Any]:
    """(e) ``avatars run fixtures/wbcd.csv``: wall time with no server running (cold start).

    Each run has a fresh ``AVATARS_HOME``: the command starts its own local server (first
    start: admin provisioning included) and stops it after. Median of ``runs``.
    """
    timings = [_cli_cold_once(work / f"cli-{index}") for index in range(runs)]
    seconds = [t["seconds"] for t in timings]
    cpu = [t["cpu_s"] for t in timings]
    return {"seconds": statistics.median(seconds), "runs": [round(t, 2) for t in seconds],
            "cpu_s": statistics.median(cpu), "cpu_runs": [round(c, 2) for c in cpu],
            "files": timings[0]["files"]}


def _cli_cold_once(work: Path) -> dict[str, Any]:
    home = work / "cli-home"
    out = work / "cli-out"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AVATAR_", "AVATARS_"))}
    env.update({"AVATARS_HOME": str(home), "XDG_CONFIG_HOME": str(home / "config")})
    cli = str(Path(sys.executable).with_name("avatars"))
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [cli, "run", str(WBCD), "--out", str(out)], env=env, capture_output=True, text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"avatars run failed ({done.returncode}): {done.stderr[-500:]}")
    # CPU of the command and of the processes it waited for: its server, the server's
    # workers, their helper processes
    cpu = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
    return {"seconds": elapsed, "cpu_s": cpu, "files": sorted(p.name for p in out.iterdir())}


def frame_rows(frames: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"| (b') upload of a DataFrame of {f['rows']:,} rows x 4 columns "
        f"({f['frame_mib']:.0f} MiB in memory) as {f['format']} "
        f"({f['file_mib']:.0f} MiB file) | {f['seconds']:.1f} s, peak RSS "
        f"+**{f['peak_rss_over_baseline_mib']:.1f} MiB** | no second copy of the frame | "
        f"{_mark(f['peak_rss_over_baseline_mib'] < f['frame_mib'])} |"
        for f in frames
    )


def _mark(ok: bool) -> str:
    return "meets target" if ok else "MISSES target"


def machine() -> str:
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB RAM, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upload-mib", type=int, default=1024)
    parser.add_argument("--health-calls", type=int, default=500)
    parser.add_argument("--jobs", type=int, default=6)
    parser.add_argument("--frame-rows", type=int, default=2_000_000)
    parser.add_argument("--no-write", action="store_true", help="print, do not edit RESULTS.md")
    parser.add_argument(
        "--small-jobs", action="store_true",
        help="only (d) warm job time + memory and (e) cold CLI run; own section",
    )
    parser.add_argument("--warm-jobs", type=int, default=5)
    parser.add_argument("--cli-runs", type=int, default=5, help="cold `avatars run` runs (e)")
    parser.add_argument("--save-json", type=Path, help="also write the (d)/(e) figures here")
    parser.add_argument("--baseline", type=Path, help="(d)/(e) figures of an earlier run (JSON)")
    args = parser.parse_args()
    command = "python benchmarks/sdk.py " + " ".join(sys.argv[1:])
    if args.small_jobs:
        return small_jobs(args, command)
    with tempfile.TemporaryDirectory(prefix="avatars-bench-sdk-") as folder:
        work = Path(folder)
        if shutil.disk_usage(work).free < (args.upload_mib + 512) * 2**20 * 2:
            raise SystemExit("not enough free disk space for the upload benchmark")
        max_upload = (max(args.upload_mib, 1024) + 64) * 2**20
        with local_server(work, max_upload) as (base_url, key, _pid):
            overhead = bench_overhead(base_url, key, args.health_calls)
            print("overhead", overhead, flush=True)
            upload = bench_upload(base_url, key, work, args.upload_mib)
            print("upload", upload, flush=True)
            frames = [
                bench_frame_upload(base_url, key, args.frame_rows, fmt)
                for fmt in ("csv", "parquet")
            ]
            print("frame upload", frames, flush=True)
            delay = bench_completion_delay(base_url, key, args.jobs)
            print("completion delay", delay, flush=True)
    # imported here, not at the top: the small-jobs memory figures are those of an SDK process
    from avatar_server.job_watcher import WATCH_INTERVAL_SECONDS

    ok = {
        "a": overhead["ratio"] <= 1.3,
        "b": upload["peak_rss_over_baseline_mib"] <= 64,
        "c": delay["max_ms"] <= 100,
    }
    mark = {True: "meets target", False: "MISSES target"}
    section = f"""{SECTION}

Machine: {machine()}. Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.
Command: `{command}` (starts `python -m avatar_server` on 127.0.0.1, a free port, a temporary
data folder; the client runs in the benchmark process).

| measure | figure | target | |
|---|---|---|---|
| (a) `client.health.get_health()` vs raw httpx GET, median of {overhead["calls"]} interleaved calls | {overhead["sdk_median_ms"]:.2f} ms vs {overhead["raw_median_ms"]:.2f} ms: ratio **{overhead["ratio"]:.2f}** | <= 1.3 | {mark[ok["a"]]} |
| (b) upload of a {upload["mib"]} MiB CSV from disk (sha-256 pass + streamed PUT) | **{upload["mb_per_s"]:.0f} MB/s** ({upload["seconds"]:.1f} s), peak RSS +**{upload["peak_rss_over_baseline_mib"]:.1f} MiB** | <= 64 MiB | {mark[ok["b"]]} |
{frame_rows(frames)}
| (c) job `finished_at` on the server -> SDK returns (wbcd, k=15), {delay["jobs"]} jobs | long-poll `get_job(wait=60)`: {delay["long_poll_ms"]} ms; `runner.shuffled()`: {delay["accessor_ms"]} ms, of which listing + download + parse {delay["fetch_ms"]} ms; max **{delay["max_ms"]} ms** | <= 100 ms | {mark[ok["c"]]} |

Notes: (a) both sides reuse one keep-alive connection; the SDK adds URL/header building, auth,
the retry loop and the generated model parsing. (b) peak RSS is sampled every 5 ms in the
client process (the server is another process); the file goes through a sha-256 pass, then
1 MiB chunks. (c) the SDK's own share is one request plus, for the accessor, the listing +
download + parse shown; the server side is one shared job watcher per API process
(`avatar_server/job_watcher.py`) that reads, every {WATCH_INTERVAL_SECONDS * 1000:.0f} ms and
only while requests wait, which waited-for jobs ended, in one query, and wakes those requests
(cancel wakes them at once), so a waiting request learns of completion 0-{WATCH_INTERVAL_SECONDS * 1000:.0f} ms late plus one query.
"""  # noqa: E501
    print(section)
    if not args.no_write:
        write_section(SECTION, section)
    return 0


def small_jobs(args: argparse.Namespace, command: str) -> int:
    """(d) and (e), in their own section with an optional baseline column."""
    with tempfile.TemporaryDirectory(prefix="avatars-bench-small-") as folder:
        work = Path(folder)
        with local_server(work, None) as (base_url, key, pid):  # the SDK's own local server
            warm = bench_warm_job(base_url, key, pid, args.warm_jobs)
        print("warm job", warm, flush=True)
        load_before = os.getloadavg()[0]
        cli = bench_cli_cold(work, args.cli_runs)
        print("cli", cli, flush=True)
    figures = {
        "warm_median_s": warm["median_s"],
        "warm_seconds": warm["seconds"],
        "peak_rss_mib": warm["peak_rss_mib"],
        "peak_pss_mib": warm["peak_pss_mib"],
        "cli_seconds": cli["seconds"],
        "cli_runs": cli["runs"],
        "cli_cpu_s": cli["cpu_s"],
        "cli_cpu_runs": cli["cpu_runs"],
        "by_process_mib": warm["by_process_mib"],
        "load_before": load_before,
        "load": os.getloadavg()[0],
        "date": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
    }
    if args.save_json:
        args.save_json.write_text(json.dumps(figures, indent=2))
    before = json.loads(args.baseline.read_text()) if args.baseline else None

    def cell(key: str, unit: str) -> str:
        if before is None or key not in before:
            return "-"
        return f"{before[key]:.2f} {unit} ({before['date']}, load {before['load']:.1f})"

    def processes(figures_of: dict[str, Any] | None) -> str:
        if not figures_of or "by_process_mib" not in figures_of:
            return "-"
        return "; ".join(
            f"{role} {rss}/{pss}" for role, (rss, pss) in figures_of["by_process_mib"].items()
        )

    def runs(figures_of: dict[str, Any] | None) -> str:
        return str(figures_of.get("cli_runs", "-")) if figures_of else "-"

    section = f"""{SMALL_SECTION}

Machine: {machine()}; shared by several users: load average (1 min) {figures["load_before"]:.1f} before the runs of (e), {figures["load"]:.1f} at the end.
Date: {figures["date"]}. Command: `{command}`.

| measure | before | now | target | |
|---|---|---|---|---|
| (d) warm `standard` job on wbcd.csv, `runner.run()` -> `runner.shuffled()` in hand, median of {args.warm_jobs} | {cell("warm_median_s", "s")} | **{warm["median_s"]:.2f} s** ({warm["seconds"]}) | <= 0.5 s | {_mark(warm["median_s"] <= 0.5)} |
| (d') peak resident memory, SDK process + server + its workers, during (d): sum of RSS | {cell("peak_rss_mib", "MiB")} | **{warm["peak_rss_mib"]:.0f} MiB** | <= 400 MiB | {_mark(warm["peak_rss_mib"] <= 400)} |
| (d'') the same as the sum of PSS (pages shared between processes counted once) | {cell("peak_pss_mib", "MiB")} | **{warm["peak_pss_mib"]:.0f} MiB** | <= 400 MiB | {_mark(warm["peak_pss_mib"] <= 400)} |
| (d-p) peak RSS/PSS per process during (d), MiB | {processes(before)} | {processes(figures)} | | |
| (e) `avatars run fixtures/wbcd.csv` with no server running (starts and stops its own), median of {args.cli_runs} cold runs | {cell("cli_seconds", "s")}, runs {runs(before)} | **{cli["seconds"]:.2f} s**, runs {cli["runs"]} | <= 3 s | {_mark(cli["seconds"] <= 3)} |
| (e') CPU seconds of (e): the command, its server, the server's workers and helpers, median | {cell("cli_cpu_s", "s")}, runs {before.get("cli_cpu_runs", "-") if before else "-"} | **{cli["cpu_s"]:.2f} s**, runs {cli["cpu_runs"]} | | |

(d) runs on the local server as the SDK starts it by default (`avatars._local.local_server`).
(e) writes {", ".join(cli["files"])}: it runs the avatarization, both metrics jobs and the
report job (the PDF with everything its pages show; the report's other files are drawn when
first downloaded), each shown with its time by the command; each run starts a server on a
fresh data folder. "before" is this script run on the code before the change (same machine,
the runs one after the other).
"""  # noqa: E501
    print(section)
    if not args.no_write:
        write_section(SMALL_SECTION, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
