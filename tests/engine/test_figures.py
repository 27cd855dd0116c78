"""Comparison figures: valid, deterministic PNGs, drawn without pyplot."""

from __future__ import annotations

import io
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from avatar_engine import (
    AvatarizationParameters,
    ColumnType,
    InvalidDataError,
    InvalidParameterError,
    avatarize,
)
from avatar_engine.figures import render_figures

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@pytest.fixture(scope="module")
def wbcd_run() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    data = pd.read_csv(FIXTURES / "wbcd.csv")
    result = avatarize(
        data, AvatarizationParameters(k=20, ncp=5, seed=5), types={"Class": ColumnType.CATEGORY}
    )
    return data, result.shuffled, result.original_projections, result.avatar_projections


def _small_mixed(rows: int = 60, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "age": rng.integers(18, 90, rows),
            "income": rng.lognormal(10, 0.5, rows),
            "smoker": rng.choice([True, False], rows),
            "city": rng.choice(["Nantes", "Lyon", "Paris", "Lille"], rows),
            "visit": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, rows), "D"),
            "constant": np.ones(rows),
        }
    )
    frame.loc[::7, "income"] = np.nan
    frame.loc[::11, "city"] = None
    return frame


def _coordinates(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.normal(size=(rows, 3)), columns=["Dim.1", "Dim.2", "Dim.3"])


def _size(png: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(png)) as image:
        image.verify()
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        return image.size


def test_wbcd_figures_are_valid_pngs_of_sensible_size(wbcd_run: tuple) -> None:
    figures = render_figures(*wbcd_run, types={"Class": ColumnType.CATEGORY})

    assert set(figures) == {"projection", "distributions", "correlations"}
    for name, png in figures.items():
        width, height = _size(png)
        assert 500 <= width <= 4000, name
        assert 400 <= height <= 4000, name
        assert 20_000 < len(png) < 3_000_000, name


def test_same_input_gives_identical_bytes_also_across_threads() -> None:
    data = _small_mixed(rows=40).drop(columns=["visit", "constant"])
    args = (data, data.iloc[::-1], _coordinates(40, 1), _coordinates(40, 2))
    first = render_figures(*args)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: render_figures(*args), range(2)))

    assert all(result == first for result in results)


def test_mixed_types_missing_values_and_dates_are_drawn() -> None:
    original = _small_mixed(seed=1)
    avatars = _small_mixed(seed=2)

    figures = render_figures(original, avatars, _coordinates(60, 1), _coordinates(60, 2))

    for png in figures.values():
        _size(png)


def test_distribution_plots_are_capped() -> None:
    rng = np.random.default_rng(4)
    wide = pd.DataFrame(rng.normal(size=(50, 9)), columns=[f"v{i}" for i in range(9)])
    coordinates = _coordinates(50, 0)

    capped = render_figures(wide, wide, coordinates, coordinates, max_distribution_plots=3)
    full = render_figures(wide, wide, coordinates, coordinates)

    assert _size(capped["distributions"])[1] < _size(full["distributions"])[1]


def test_projection_with_one_dimension_is_drawn() -> None:
    data = _small_mixed()
    coordinates = _coordinates(60, 3)[["Dim.1"]]

    figures = render_figures(data, data, coordinates, coordinates)
    _size(figures["projection"])


def test_declared_types_override_inference() -> None:
    data = pd.DataFrame({"code": [1, 2, 3, 1, 2, 3] * 5, "x": np.arange(30.0)})
    coordinates = _coordinates(30, 0)

    as_numbers = render_figures(data, data, coordinates, coordinates)
    as_categories = render_figures(
        data, data, coordinates, coordinates, types={"code": ColumnType.CATEGORY}
    )

    assert as_numbers["distributions"] != as_categories["distributions"]


def test_mismatched_columns_are_refused_with_the_column_named() -> None:
    data = _small_mixed()
    coordinates = _coordinates(60, 0)

    with pytest.raises(InvalidDataError, match="city") as error:
        render_figures(data, data.drop(columns=["city"]), coordinates, coordinates)
    assert error.value.column == "city"
    with pytest.raises(InvalidDataError, match="extra"):
        render_figures(data, data.assign(extra=1), coordinates, coordinates)


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"max_distribution_plots": 0}, "max_distribution_plots"),
        ({"max_distribution_plots": 2.5}, "max_distribution_plots"),
        ({"types": {"unknown": ColumnType.INT}}, "types"),
        ({"types": {"age": "number"}}, "types"),
    ],
)
def test_bad_parameters_are_refused(kwargs: dict, parameter: str) -> None:
    data = _small_mixed()
    coordinates = _coordinates(60, 0)

    with pytest.raises(InvalidParameterError) as error:
        render_figures(data, data, coordinates, coordinates, **kwargs)
    assert error.value.parameter == parameter


def test_bad_tables_are_refused() -> None:
    data = _small_mixed()
    coordinates = _coordinates(60, 0)

    with pytest.raises(InvalidDataError, match="empty"):
        render_figures(data.iloc[:0], data, coordinates, coordinates)
    with pytest.raises(InvalidDataError, match=r"Dim\.1"):
        render_figures(data, data, coordinates.rename(columns={"Dim.1": "x"}), coordinates)


def test_rendering_never_imports_pyplot() -> None:
    code = (
        "import sys, pandas as pd; from avatar_engine.figures import render_figures; "
        "frame = pd.DataFrame({'a': [1.0, 2.0, 3.0, 4.0], 'b': ['x', 'y', 'x', 'y']}); "
        "coords = pd.DataFrame({'Dim.1': [0.0, 1.0, 2.0, 3.0], 'Dim.2': [1.0, 0.0, 1.0, 0.0]}); "
        "render_figures(frame, frame, coords, coords); "
        "print('matplotlib.pyplot' in sys.modules)"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout.split()

    assert output == ["False"]
