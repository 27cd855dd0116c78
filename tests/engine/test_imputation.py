"""Imputation methods."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from avatar_engine import ImputationMethod
from avatar_engine.imputation import impute
from avatar_engine.projection import Famd


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


def _fast_knn_reference(continuous: np.ndarray, codes: np.ndarray, modalities: list[int],
                        k: int, donors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Brute force: all donors sorted by distance in the mean-filled FAMD; a row takes its 2k
    nearest candidates (8k + 20, then 32k + 100 while one of its holes has no observed value
    among them); per hole, the k first candidates observing the variable vote (mean / most
    frequent, lowest code on ties)."""
    base = np.where(np.isnan(continuous), np.nanmean(continuous, axis=0), continuous)
    famd = Famd(5).fit(base, codes, modalities)
    coords = famd.transform(base, codes, missing_at_mean=True)
    filled, filled_codes = base.copy(), codes.copy()
    observed = np.column_stack([~np.isnan(continuous), codes >= 0])
    for i in np.flatnonzero(~observed.all(axis=1)):
        ranked = donors[np.argsort(cdist(coords[i : i + 1], coords[donors])[0], kind="stable")]
        holes = np.flatnonzero(~observed[i])
        for size in (2 * k, 8 * k + 20, 32 * k + 100):
            candidates = ranked[:size]
            if observed[candidates][:, holes].any(axis=0).all():
                break
        for j in holes:
            voters = candidates[observed[candidates, j]][:k]
            if j < continuous.shape[1]:
                filled[i, j] = continuous[voters, j].mean()
            else:
                q = j - continuous.shape[1]
                filled_codes[i, q] = np.bincount(codes[voters, q],
                                                 minlength=modalities[q]).argmax()
    return filled, filled_codes


@pytest.mark.parametrize("fraction", [1.0, 0.6])
def test_fast_knn_matches_brute_force_by_chunks(
    monkeypatch: pytest.MonkeyPatch, fraction: float
) -> None:
    rng = np.random.default_rng(5)
    latent = rng.normal(size=400)
    continuous = np.column_stack([latent + rng.normal(0, 0.3, 400),
                                  -latent + rng.normal(0, 0.5, 400)])
    codes = np.column_stack([np.digitize(latent + rng.normal(0, 0.5, 400), [-1, 0, 1]),
                             rng.integers(0, 3, 400)])
    continuous[rng.random((400, 2)) < 0.1] = np.nan
    codes[rng.random((400, 2)) < 0.1] = -1
    # a block of rows missing the same variable needs more than the first candidates
    order = np.argsort(latent)
    codes[order[100:160], 0] = -1
    donors = np.sort(np.random.default_rng(0).choice(400, size=240, replace=False)) if (
        fraction < 1) else np.arange(400)
    expected = _fast_knn_reference(continuous, codes, [4, 3], k=5, donors=donors)
    monkeypatch.setattr("avatar_engine.imputation._QUERY_CHUNK_ROWS", 16)
    filled, filled_codes, info = impute(continuous, codes, [4, 3],
                                        method=ImputationMethod.FAST_KNN, k=5,
                                        training_fraction=fraction,
                                        rng=np.random.default_rng(0))
    assert info["donors"] == len(donors)
    np.testing.assert_allclose(filled, expected[0], rtol=1e-12)
    np.testing.assert_array_equal(filled_codes, expected[1])
