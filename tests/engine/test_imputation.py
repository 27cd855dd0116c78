"""Imputation methods."""

from __future__ import annotations

import numpy as np
import pytest

from avatar_engine import ImputationMethod
from avatar_engine.imputation import impute


def _problem() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    group = rng.integers(0, 2, 200)
    continuous = np.column_stack([group * 10 + rng.normal(0, 0.1, 200),
                                  group * 3 + rng.normal(size=200)])
    codes = group[:, None].copy()
    continuous[:20, 0] = np.nan
    codes[20:40, 0] = -1
    return continuous, codes


@pytest.mark.parametrize("method", list(ImputationMethod))
def test_every_method_fills_every_hole(method: ImputationMethod) -> None:
    continuous, codes = _problem()
    filled, filled_codes, info = impute(continuous, codes, [2], method=method,
                                        rng=np.random.default_rng(0))
    assert not np.isnan(filled).any()
    assert (filled_codes >= 0).all()
    untouched = ~np.isnan(continuous)
    assert np.array_equal(filled[untouched], continuous[untouched])
    assert info["rows_imputed"] == 40


@pytest.mark.parametrize("method", [ImputationMethod.KNN, ImputationMethod.FAST_KNN])
def test_knn_methods_use_similar_rows(method: ImputationMethod) -> None:
    continuous, codes = _problem()
    truth = codes[:, 0].copy()
    filled, filled_codes, _ = impute(continuous, codes, [2], method=method, k=5,
                                     rng=np.random.default_rng(0))
    # the group is recoverable from the first column and vice versa
    group_of_hole = (continuous[20:40, 0] > 5).astype(int)
    assert (filled_codes[20:40, 0] == group_of_hole).mean() > 0.9
    assert (np.abs(filled[:20, 0] - truth[:20] * 10) < 1).mean() > 0.9


def test_column_methods() -> None:
    continuous = np.array([[1.0], [2.0], [2.0], [10.0], [np.nan]])
    codes = np.zeros((5, 0), dtype=np.int64)
    rng = np.random.default_rng(0)
    assert impute(continuous, codes, [], method=ImputationMethod.MEAN, rng=rng)[0][4, 0] == 3.75
    assert impute(continuous, codes, [], method=ImputationMethod.MEDIAN, rng=rng)[0][4, 0] == 2.0
    assert impute(continuous, codes, [], method=ImputationMethod.MODE, rng=rng)[0][4, 0] == 2.0


def test_knn_above_budget_runs_as_fast_knn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("avatar_engine.imputation.KNN_MAX_PAIRS", 10)
    continuous, codes = _problem()
    _, _, info = impute(continuous, codes, [2], method=ImputationMethod.KNN,
                        rng=np.random.default_rng(0))
    assert info["method_used"] == "fast_knn"


def test_training_fraction_limits_donors() -> None:
    continuous, codes = _problem()
    _, _, info = impute(continuous, codes, [2], method=ImputationMethod.FAST_KNN,
                        training_fraction=0.25, rng=np.random.default_rng(0))
    assert info["donors"] == 50
