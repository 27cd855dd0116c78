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


@pytest.mark.parametrize("name", ["pbc", "airquality", "penguins"])
def test_return_data_imputed_gives_avatars_without_missing_values(name: str) -> None:
    data = _tables()[name]
    parameters = AvatarizationParameters(k=10, ncp=4, seed=3, imputation_method="knn",
                                         return_data_imputed=True)
    result = avatarize(data, parameters)
    assert result.shuffled.isna().sum().sum() == 0
    assert result.metadata["parameters"]["return_data_imputed"] is True
    # the imputed values stay within each numeric column's original range and types
    for column in data.select_dtypes("number").columns:
        assert data[column].min() <= result.shuffled[column].min()
        assert result.shuffled[column].max() <= data[column].max()
    categorical = data.select_dtypes(exclude="number").columns
    for column in categorical:
        assert set(result.shuffled[column]) <= set(data[column].dropna())
    # the same run without the option keeps the missing values
    default = avatarize(data, AvatarizationParameters(k=10, ncp=4, seed=3))
    assert default.shuffled.isna().sum().sum() > 0


def test_impute_table_fills_only_the_incomplete_columns_of_dp_records() -> None:
    from avatar_engine.dp import DpParameters, dp_avatarize
    from avatar_engine.imputation import ImputationMethod, impute_table

    data = load_penguins()
    records = dp_avatarize(data, DpParameters(epsilon=2.0, seed=1)).shuffled
    assert records.isna().any().any()
    filled = impute_table(records, method=ImputationMethod.KNN, seed=1)
    assert filled.isna().sum().sum() == 0
    complete = [c for c in records.columns if not records[c].isna().any()]
    pd.testing.assert_frame_equal(filled[complete], records[complete])
    assert (filled["year"] == filled["year"].round()).all()
    assert set(filled["sex"]) <= {"male", "female"}
