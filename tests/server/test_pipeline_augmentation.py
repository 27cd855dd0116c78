"""Data augmentation through the standard job, on the Palmer penguins."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from palmerpenguins import load_penguins
from test_pipeline import make_context, parse, report_html

from avatar_engine.augmentation import augmentation_counts
from avatar_engine.errors import EngineError
from avatar_server.pipeline import JobFailure, run_job
from avatar_server.resource_sets import ResourceSetError

YAML = """\
kind: AvatarSchema
metadata: {{name: schema}}
spec:
  tables:
  - name: penguins
    data: {{volume: input, file: penguins.csv}}
---
kind: AvatarParameters
metadata: {{name: standard}}
spec:
  schema: schema
  seed: 2
  avatarization:
    penguins: {{k: 6, ncp: 4, data_augmentation: {augmentation}}}
---
kind: AvatarReportParameters
metadata: {{name: report}}
spec: {{report_type: basic, output_format: pdf, language: en}}
"""


@pytest.fixture(scope="module")
def penguins_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("penguins") / "penguins.csv"
    load_penguins().dropna().to_csv(path, index=False)
    return path


def _shared(tmp_path: Path, csv: Path, augmentation: str) -> tuple[pd.DataFrame, dict]:
    rs = parse(YAML.format(augmentation=augmentation))
    ctx, _ = make_context(rs, "standard", tmp_path / "out", {"penguins.csv": csv})
    run_job(ctx)
    metadata = json.loads((tmp_path / "out" / "penguins.run_metadata.json").read_text())
    return pd.read_csv(tmp_path / "out" / "penguins.shuffled.csv"), metadata


def test_minority_class_is_brought_up_to_the_majority(tmp_path: Path, penguins_csv: Path) -> None:
    original = pd.read_csv(penguins_csv)
    shared, metadata = _shared(
        tmp_path, penguins_csv, "{augmentation_strategy: minority, target_column: species}")
    before, after = original["species"].value_counts(), shared["species"].value_counts()
    assert after["Chinstrap"] == before["Adelie"]  # the minority now matches the majority
    assert after["Gentoo"] == before["Gentoo"]
    assert metadata["data_augmentation"]["extra_records"] == {
        "Chinstrap": int(before["Adelie"] - before["Chinstrap"])}
    # the extra Chinstraps are avatars: not copies of original rows
    merged = shared.merge(original.drop_duplicates(), how="inner")
    assert len(merged) < 0.05 * len(shared)


def test_report_draws_the_projection_by_class(tmp_path: Path, penguins_csv: Path) -> None:
    rs = parse(YAML.format(
        augmentation="{augmentation_strategy: not_majority, target_column: species}"))
    ctx, _ = make_context(rs, "standard", tmp_path / "standard", {"penguins.csv": penguins_csv})
    run_job(ctx)
    ctx, _ = make_context(rs, "report", tmp_path / "report", {"penguins.csv": penguins_csv},
                          {"standard": tmp_path / "standard"})
    run_job(ctx)
    page = (tmp_path / "report" / "penguins.class_projection_2d.html").read_text()
    top = int(pd.read_csv(penguins_csv)["species"].value_counts().max())
    for species in ("Adelie", "Chinstrap", "Gentoo"):  # every class brought up to the top
        assert f"{species} ({top})" in page
    png = (tmp_path / "report" / "penguins.class_projection_2d.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    html = report_html(tmp_path / "report", {"penguins.csv": penguins_csv})
    assert "Figure “class projection 2d”" in html
    assert not (tmp_path / "report" / "penguins.raw_series.png").exists()


def test_a_ratio_adds_records_and_the_original_table_can_be_kept(
    tmp_path: Path, penguins_csv: Path
) -> None:
    original = pd.read_csv(penguins_csv)
    shared, _ = _shared(tmp_path / "a", penguins_csv, "{augmentation_strategy: 0.5}")
    assert len(shared) == len(original) + round(0.5 * len(original))
    kept, metadata = _shared(tmp_path / "b", penguins_csv,
                             "{augmentation_strategy: {Gentoo: 1.0}, target_column: species, "
                             "should_anonymize_original_table: false}")
    assert metadata["data_augmentation"]["original_table_anonymized"] is False
    assert len(kept.merge(original.drop_duplicates(), how="inner")) == len(original)
    assert (kept["species"] == "Gentoo").sum() == 2 * (original["species"] == "Gentoo").sum()


def test_bad_augmentations_are_refused(tmp_path: Path, penguins_csv: Path) -> None:
    with pytest.raises(ResourceSetError, match="augmentation_strategy"):
        parse(YAML.format(augmentation="{augmentation_strategy: lots}"))
    rs = parse(YAML.format(augmentation="{augmentation_strategy: minority}"))
    ctx, _ = make_context(rs, "standard", tmp_path / "x", {"penguins.csv": penguins_csv})
    with pytest.raises(JobFailure, match="needs data_augmentation_target_column"):
        run_job(ctx)
    with pytest.raises(EngineError, match="not a class"):
        augmentation_counts(pd.Series(["a", "b"]), {"c": 1.0})
