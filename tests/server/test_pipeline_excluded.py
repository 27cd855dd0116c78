"""Excluded variables: both re-attachment methods, and whether the metrics measure them."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from palmerpenguins import load_penguins
from test_pipeline import make_context, parse

from avatar_server.pipeline import run_job

YAML = """\
kind: AvatarMetadata
metadata: {{name: avatar-metadata-penguins}}
spec: {{display_name: penguins}}
---
kind: AvatarSchema
metadata: {{name: schema}}
spec:
  tables:
  - name: penguins
    data: {{volume: input, file: penguins.csv}}
---
kind: AvatarSchema
metadata: {{name: schema_avatarized}}
spec:
  schema_ref: schema
  tables:
  - {{name: penguins, avatars_data: {{auto: true}}}}
---
kind: AvatarParameters
metadata: {{name: standard}}
spec:
  schema: schema
  seed: 4
  avatarization:
    penguins: {{k: 8, ncp: 4, exclude_variables: {{variable_names: [island, year],
                replacement_strategy: {method}}}}}
---
kind: AvatarSignalMetricsParameters
metadata: {{name: signal_metrics}}
spec:
  schema: schema_avatarized
  avatarization_ref: standard
  seed: 1
  signal_metrics:
    penguins: {{ncp: 4{metrics_exclusion}}}
"""
REPEATED = ", exclude_variables: {variable_names: [island, year]}"


@pytest.fixture(scope="module")
def penguins_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("penguins") / "penguins.csv"
    load_penguins().dropna().to_csv(path, index=False)
    return path


def _run(tmp_path: Path, csv: Path, method: str, metrics_exclusion: str) -> dict:
    rs = parse(YAML.format(method=method, metrics_exclusion=metrics_exclusion))
    datasets = {"penguins.csv": csv}
    ctx, _ = make_context(rs, "standard", tmp_path / "standard", datasets)
    run_job(ctx)
    ctx, _ = make_context(rs, "signal_metrics", tmp_path / "signal", datasets,
                          {"standard": tmp_path / "standard"})
    run_job(ctx)
    return {
        "avatars": pd.read_csv(tmp_path / "standard" / "penguins.unshuffled.csv"),
        "signal": json.loads((tmp_path / "signal" / "penguins.signal_metrics.json").read_text()),
    }


@pytest.mark.slow
def test_row_order_keeps_each_rows_excluded_values(tmp_path: Path, penguins_csv: Path) -> None:
    original = pd.read_csv(penguins_csv)
    out = _run(tmp_path, penguins_csv, "row_order", REPEATED)
    assert (out["avatars"]["island"] == original["island"]).all()
    assert (out["avatars"]["year"] == original["year"]).all()


@pytest.mark.slow
def test_coordinate_similarity_takes_a_neighbours_values(tmp_path: Path,
                                                         penguins_csv: Path) -> None:
    original = pd.read_csv(penguins_csv)
    out = _run(tmp_path, penguins_csv, "coordinate_similarity", REPEATED)
    same = (out["avatars"]["island"] == original["island"]).mean()
    assert same < 1.0  # re-attached from the closest original in the projection, not row i
    assert set(out["avatars"]["island"]) <= set(original["island"])
    # excluded values keep their relation to the avatarized columns (islands and species)
    pairs = set(zip(out["avatars"]["species"], out["avatars"]["island"], strict=True))
    assert pairs <= set(zip(original["species"], original["island"], strict=True))


@pytest.mark.slow
def test_metrics_leave_out_excluded_variables_unless_asked(tmp_path: Path,
                                                           penguins_csv: Path) -> None:
    left_out = _run(tmp_path / "a", penguins_csv, "row_order", REPEATED)["signal"]
    measured = _run(tmp_path / "b", penguins_csv, "row_order", "")["signal"]
    assert left_out["details"]["excluded_variables_left_out"] == ["island", "year"]
    assert "excluded_variables_left_out" not in measured["details"]
    left_out["details"].pop("excluded_variables_left_out")
    text_left, text_measured = json.dumps(left_out), json.dumps(measured)
    assert '"island"' not in text_left
    assert '"island"' in text_measured


@pytest.mark.slow
def test_quantile_threshold_is_reported_by_the_privacy_metrics(tmp_path: Path,
                                                               penguins_csv: Path) -> None:
    text = YAML.format(method="coordinate_similarity", metrics_exclusion="") + """\
---
kind: AvatarPrivacyMetricsParameters
metadata: {name: privacy_metrics}
spec:
  schema: schema_avatarized
  avatarization_ref: standard
  seed: 1
  privacy_metrics:
    penguins: {ncp: 4, quantile_threshold: 10}
"""
    rs = parse(text)
    datasets = {"penguins.csv": penguins_csv}
    ctx, _ = make_context(rs, "standard", tmp_path / "standard", datasets)
    run_job(ctx)
    ctx, _ = make_context(rs, "privacy_metrics", tmp_path / "privacy", datasets,
                          {"standard": tmp_path / "standard"})
    run_job(ctx)
    privacy = json.loads((tmp_path / "privacy" / "penguins.privacy_metrics.json").read_text())
    closeness = privacy["details"]["quantile_threshold"]
    assert closeness["quantile_threshold"] == 10
    assert closeness["threshold_distance"] > 0
    assert 0 <= closeness["share_below"] < 60
