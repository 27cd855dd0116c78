"""The avatars keep each column's share of missing values, on real tables with missing values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from palmerpenguins import load_penguins
from real_tables import rtable

from avatar_engine import AvatarizationParameters, avatarize
from avatar_engine.missingness import calibrate_missing


def _tables() -> dict[str, pd.DataFrame]:
    return {
        "pbc": rtable("survival", "pbc").drop(columns=["id"]),
        "cancer": rtable("survival", "cancer"),
        "airquality": rtable("datasets", "airquality"),
        "penguins": load_penguins(),
    }


@pytest.mark.parametrize("name", ["pbc", "cancer", "airquality", "penguins"])
@pytest.mark.parametrize("imputation_method", ["knn", "median"])
def test_share_of_missing_values_per_column_is_kept(name: str, imputation_method: str) -> None:
    data = _tables()[name]
    assert data.isna().any().any()
    result = avatarize(
        data, AvatarizationParameters(k=10, ncp=4, seed=3, imputation_method=imputation_method)
    )
    original = data.isna().mean()
    avatars = result.shuffled.isna().mean()
    gap = (original - avatars).abs() * 100
    assert gap.max() <= 2.0, gap.sort_values().tail(3).to_dict()
    # missing values are not put back on the same individuals one for one
    both = data.isna().to_numpy() & result.unshuffled.isna().to_numpy()
    assert both.sum() < data.isna().to_numpy().sum()


def test_calibration_moves_only_the_indicator_and_follows_the_neighbourhoods() -> None:
    rng = np.random.default_rng(0)
    original = np.zeros((100, 2), dtype=np.int64)
    original[:30, 1] = 1  # 30 % missing, all in the first rows
    original[:, 0] = rng.integers(0, 3, 100)
    indices = np.array([[(i + 1) % 100, (i + 2) % 100] for i in range(100)])
    avatars = original.copy()
    avatars[:, 1] = 0
    calibrated = calibrate_missing(avatars, original, indices, np.ones((100, 2)), [1], rng)
    assert calibrated[:, 1].sum() == 30
    np.testing.assert_array_equal(calibrated[:, 0], avatars[:, 0])
    # the avatars whose neighbours are missing get the missing values
    assert calibrated[:28, 1].all()
