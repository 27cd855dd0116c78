"""Differentially private avatarization through the standard, metrics and report jobs."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from test_pipeline import FIXTURES, make_context, parse, report_html, wbcd_yaml

from avatar_server.pipeline import run_job
from avatar_server.resource_sets import ResourceSetError

OPEN_DP = "wbcd: {k: 10, ncp: 4}"


def _yaml(replacement: str) -> str:
    text = wbcd_yaml()
    assert OPEN_DP in text
    return text.replace("avatarization:\n    " + OPEN_DP, replacement)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("block", "guarantee", "phrase"),
    [
        ("avatarization_open_dp:\n    wbcd: {epsilon: 1.0, preprocess_budget_ratio: 0.25, "
         "target: Class, bounds: {Clump_Thickness: [1, 10]}}",
         "epsilon-DP", "ε-differentially private"),
        ("avatarization_fast_dp:\n    wbcd: {epsilon: 1.0, mechanism: gaussian}",
         "approximate", "not differentially private"),
    ],
)
def test_dp_runs_every_job_and_the_report_states_the_guarantee(
    tmp_path: Path, block: str, guarantee: str, phrase: str
) -> None:
    rs = parse(_yaml(block))
    datasets = {"wbcd.csv": FIXTURES / "wbcd.csv"}
    dirs: dict[str, Path] = {}
    for name in ("standard", "privacy_metrics", "signal_metrics", "report"):
        parents = dict(dirs)
        ctx, _ = make_context(rs, name, tmp_path / name, datasets, parents)
        run_job(ctx)
        dirs[name] = tmp_path / name
    original = pd.read_csv(FIXTURES / "wbcd.csv")
    avatars = pd.read_csv(dirs["standard"] / "wbcd.shuffled.csv")
    assert list(avatars.columns) == list(original.columns)
    assert abs(len(avatars) - len(original)) < 0.2 * len(original)
    assert set(avatars["Class"].dropna()) <= set(original["Class"])
    assert avatars["Class"].isna().mean() < 0.1
    metadata = json.loads((dirs["standard"] / "wbcd.run_metadata.json").read_text())
    assert metadata["dp"]["guarantee"] == guarantee
    if guarantee == "epsilon-DP":
        assert metadata["dp"]["budget"]["bounds_of_continuous_columns"] == pytest.approx(0.25)
        assert metadata["dp"]["anchor_column"] == "Class"
        assert metadata["dp"]["declared_bounds"] == {"Clump_Thickness": [1.0, 10.0]}
        assert avatars["Clump_Thickness"].dropna().between(1, 10).all()
    privacy = json.loads((dirs["privacy_metrics"] / "wbcd.privacy_metrics.json").read_text())
    assert privacy["metrics"]  # judged as avatars not paired with the originals
    html = report_html(dirs["report"], datasets)
    assert "Differential privacy" in html
    assert phrase in html
    if guarantee == "epsilon-DP":
        assert "Class (declared by the user, public)" in html


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ("avatarization:\n    wbcd: {k: 10}\n  avatarization_open_dp:\n    wbcd: {epsilon: 1}",
         "more than one method"),
        ("avatarization_open_dp:\n    wbcd: {epsilon: 0}", "greater than 0"),
        ("avatarization_open_dp:\n    wbcd: {epsilon: 1, preprocess_budget_ratio: 1.5}",
         "less than 1"),
        ("avatarization_fast_dp:\n    other: {epsilon: 1}", "no table 'other'"),
        ("avatarization_open_dp:\n    wbcd: {epsilon: 1, bounds: {Clump_Thickness: [9, 1]}}",
         "low < high"),
        ("avatarization: {}", "at least one table"),
    ],
)
def test_bad_dp_parameters_are_refused_when_parsed(block: str, message: str) -> None:
    with pytest.raises(ResourceSetError, match=message):
        parse(_yaml(block))
