"""The load benchmark, reduced to a few seconds: clients submit jobs twice (retries) and wait
on them with the long-poll against a real server process; nothing is lost, duplicated or
answered with a 5xx."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.server

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "server_load.py"


def test_reduced_load_benchmark_loses_nothing_and_answers_no_5xx() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCHMARK), "--clients", "6", "--jobs-per-client", "2",
         "--workers", "1", "--wait", "5", "--time-limit", "90", "--no-write"],
        capture_output=True, text=True, timeout=240, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["accepted_jobs"] == result["expected_jobs"] == 12
    assert result["server_errors"] == 0, result["client_errors"]
    assert result["client_errors"] == []
    assert result["lost"] == 0
    assert result["duplicated"] == 0
    assert result["statuses"] == {"finished": 12}
    assert result["in_hand_finished"] == 12
