"""A table avatarized in batches by the standard job (forced by ``batch_rows``, or above the
server's threshold): streamed files, per-batch metrics published by the metrics jobs."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest
from test_pipeline import FIXTURES, make_context, parse, wbcd_yaml

from avatar_server.job_batches import count_dataset_rows
from avatar_server.job_context import Batching
from avatar_server.pipeline import run_job


def _batched_yaml(rows: int | None = 200, scheduler: str | None = None) -> str:
    text = wbcd_yaml()
    if rows is not None:
        text = text.replace("wbcd: {k: 10, ncp: 4}", f"wbcd: {{k: 10, ncp: 4, batch_rows: {rows}}}")
    if scheduler is not None:
        text = text.replace("  seed: 7\n", f"  seed: 7\n  dask_scheduler: {scheduler}\n", 1)
    return text


@pytest.mark.slow
def test_batch_rows_avatarizes_in_batches_and_the_metrics_jobs_publish_them(
    tmp_path: Path,
) -> None:
    rs = parse(_batched_yaml())
    datasets = {"wbcd.csv": FIXTURES / "wbcd.csv"}
    ctx, _ = make_context(rs, "standard", tmp_path / "standard", datasets)
    run_job(ctx)
    out = tmp_path / "standard"
    original = pd.read_csv(FIXTURES / "wbcd.csv")
    shuffled = pd.read_csv(out / "wbcd.shuffled.csv")
    assert list(shuffled.columns) == list(original.columns)
    assert len(shuffled) == 683
    assert not (out / "wbcd.unshuffled.csv").exists()  # metrics are computed per batch
    metadata = json.loads((out / "wbcd.run_metadata.json").read_text())
    assert metadata["batches"]["batch_rows"] == [171, 171, 171, 170]
    assert metadata["batches"]["executor"] == "InProcessExecutor"
    for kind in ("privacy_metrics", "signal_metrics"):
        ctx, _ = make_context(rs, kind, tmp_path / kind, datasets, {"standard": out})
        run_job(ctx)
        payload = json.loads((tmp_path / kind / f"wbcd.{kind}.json").read_text())
        batches = payload["details"]["batches"]
        assert batches["n_batches"] == 4
        assert len(batches["per_batch"]) == 4
        name = "hidden_rate" if kind == "privacy_metrics" else "hellinger_mean"
        values = [b["values"][name] for b in batches["per_batch"]]
        worst = min(values) if kind == "privacy_metrics" else max(values)
        assert batches["worst"][name]["value"] == worst
        assert min(values) <= payload["metrics"][name]["value"] <= max(values)
    parents = {kind: tmp_path / kind for kind in ("standard", "privacy_metrics",
                                                  "signal_metrics")}
    ctx, _ = make_context(rs, "report", tmp_path / "report", datasets, parents)
    run_job(ctx)
    from pypdf import PdfReader

    text = " ".join(" ".join((page.extract_text() or "").split())
                    for page in PdfReader(tmp_path / "report" / "report.pdf").pages)
    assert "was avatarized in 4 batches of 170 to 171 individuals" in text
    assert "reference sample of 683 individuals" in text


def test_small_tables_are_not_batched_and_rows_are_counted(tmp_path: Path) -> None:
    from avatar_server.job_batches import wants_batches
    from avatar_server.job_tables import tables_of

    rs = parse(_batched_yaml(rows=None))
    datasets = {"wbcd.csv": FIXTURES / "wbcd.csv"}
    ctx, _ = make_context(rs, "standard", tmp_path / "standard", datasets)
    doc = rs.parameters["standard"]
    tables = tables_of(rs, "schema")
    assert not wants_batches(ctx, doc, tables[0], tables)  # type: ignore[arg-type]
    lowered = dataclasses.replace(ctx, batching=Batching(threshold_rows=500))
    assert wants_batches(lowered, doc, tables[0], tables)  # type: ignore[arg-type]
    assert count_dataset_rows(FIXTURES / "wbcd.csv") == 683
    no_newline = tmp_path / "t.csv"
    no_newline.write_bytes(b"a,b\n1,2\n3,4")
    assert count_dataset_rows(no_newline) == 2


def test_a_bad_scheduler_address_is_refused_when_the_set_is_parsed() -> None:
    from avatar_server.resource_sets import ResourceSetError

    with pytest.raises(ResourceSetError, match="dask_scheduler"):
        parse(_batched_yaml(scheduler="'not an address'"))
