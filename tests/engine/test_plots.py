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
from matplotlib import image
from palmerpenguins import load_penguins

from avatar_engine import compute_privacy_metrics
from avatar_engine.avatarization import AvatarizationParameters, avatarize
from avatar_engine.plots import PLOT_KINDS, render_plots

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


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
    assert list(plots) == list(PLOT_KINDS)
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
                     kinds=["raw_series"])
