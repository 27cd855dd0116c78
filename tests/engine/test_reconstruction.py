"""Back to realistic values: rounding, quantile mapping, modality draws, copy avoidance."""

from __future__ import annotations

import numpy as np
import pandas as pd

from avatar_engine.encoding import CategoricalSpec, ContinuousSpec, TableCodec, row_hashes
from avatar_engine.reconstruction import (
    _calibrate,
    avoid_copies,
    draw_categories,
    finish_continuous,
    finish_continuous_columns,
)
from avatar_engine.types import ColumnType, infer_types


def _int_spec(values: np.ndarray) -> ContinuousSpec:
    return ContinuousSpec("x", ColumnType.INT, np.dtype("int64"), float(values.min()),
                          float(values.max()), support=np.unique(values).astype(float),
                          sorted_values=np.sort(values).astype(float))


def test_low_cardinality_ints_stay_on_observed_values() -> None:
    spec = _int_spec(np.array([2, 4, 4, 2]))
    out = finish_continuous(spec, np.linspace(0, 6, 1000), np.random.default_rng(0))
    assert set(np.unique(out)) == {2.0, 4.0}


def test_stochastic_rounding_keeps_the_mean() -> None:
    spec = ContinuousSpec("x", ColumnType.FLOAT, np.dtype(float), 0.0, 10.0, decimals=0)
    out = finish_continuous(spec, np.full(20_000, 3.3), np.random.default_rng(0))
    assert set(np.unique(out)) == {3.0, 4.0}
    assert abs(out.mean() - 3.3) < 0.02


def test_quantile_mapping_restores_the_marginal_and_keeps_the_order() -> None:
    original = np.random.default_rng(0).integers(1, 11, 500)
    spec = _int_spec(original)
    shrunk = 5 + 0.3 * (original - 5) + np.random.default_rng(1).normal(0, 0.01, 500)
    mapped = _calibrate(spec, shrunk, np.random.default_rng(2))
    assert np.array_equal(np.sort(mapped), np.sort(original.astype(float)))
    assert np.corrcoef(mapped, shrunk)[0, 1] > 0.95


def _categorical_spec(name: str, m: int) -> CategoricalSpec:
    return CategoricalSpec(name, ColumnType.CATEGORY, np.dtype(object), list(range(m)),
                           np.full(m, 1 / m))


def test_float_quantile_mapping_does_not_reuse_the_originals_values() -> None:
    original = np.random.default_rng(0).normal(size=1000)
    spec = ContinuousSpec("x", ColumnType.FLOAT, np.dtype(float), float(original.min()),
                          float(original.max()), sorted_values=np.sort(original))
    mapped = _calibrate(spec, original + 0.01, np.random.default_rng(1))
    assert np.isin(mapped, original).mean() < 0.01
    assert abs(np.std(mapped) - np.std(original)) < 0.02 * np.std(original)


def test_finishing_keeps_the_marginal_and_the_correlation() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=5000)
    originals = np.column_stack([x, 0.6 * x + 0.8 * rng.normal(size=5000)])
    specs = [ContinuousSpec(f"c{j}", ColumnType.FLOAT, np.dtype(float),
                            float(originals[:, j].min()), float(originals[:, j].max()),
                            sorted_values=np.sort(originals[:, j])) for j in range(2)]
    # shrunk values (as a mean of neighbours would be) with the same correlation
    out = finish_continuous_columns(0.5 * originals, originals, 0.1 * np.cov(originals.T),
                                    specs, rng)
    for j in range(2):
        assert abs(np.std(out[:, j]) - np.std(originals[:, j])) < 0.03
    r = np.corrcoef(out, rowvar=False)[0, 1]
    assert abs(r - 0.6) < 0.05


def test_categorical_profiles_come_from_one_neighbour_favouring_the_heaviest() -> None:
    codes = np.array([[0, 0], [1, 2], [2, 1]])
    n = 30_000
    indices = np.tile([1, 2], (n, 1))
    weights = np.tile([0.75, 0.25], (n, 1))
    drawn = draw_categories(codes, indices, weights,
                            [_categorical_spec("a", 3), _categorical_spec("b", 3)],
                            np.random.default_rng(0), avoid_copies_of_originals=False)
    assert set(np.unique(drawn[:, 0])) == {1, 2}
    # probability proportional to w^2: 0.75^2 / (0.75^2 + 0.25^2) = 0.9
    assert abs((drawn[:, 0] == 1).mean() - 0.9) < 0.01
    # one neighbour gives the whole categorical profile: only the neighbours' own profiles
    assert {tuple(row) for row in drawn} == {(1, 2), (2, 1)}


def test_categorical_copies_of_originals_are_redrawn_when_asked() -> None:
    # individuals 0..497 share the profile (0, 0); each has one twin and neighbour 498,
    # whose profile is (1, 1): (0, 1) and (1, 0) are the profiles no original has
    n = 499
    codes = np.zeros((n, 2), dtype=np.int64)
    codes[498] = [1, 1]
    indices = np.column_stack([(np.arange(n) + 1) % 498, np.full(n, 498)])
    weights = np.tile([0.9, 0.1], (n, 1))
    specs = [_categorical_spec("a", 2), _categorical_spec("b", 2)]
    kept = draw_categories(codes, indices, weights, specs, np.random.default_rng(0),
                           avoid_copies_of_originals=False)[:498]
    avoided = draw_categories(codes, indices, weights, specs, np.random.default_rng(0),
                              avoid_copies_of_originals=True)[:498]
    assert (kept == [0, 0]).all(axis=1).mean() > 0.8
    assert (avoided[:, 0] != avoided[:, 1]).all()


def test_copies_are_nudged_without_changing_marginals() -> None:
    rng = np.random.default_rng(0)
    table = pd.DataFrame({name: rng.integers(1, 11, 300) for name in "abc"})
    table["label"] = rng.choice(["x", "y"], 300)
    codec = TableCodec(infer_types(table))
    encoded = codec.fit_encode(table)
    original = codec.with_missing(encoded.continuous, encoded.codes)
    # avatars: a reshuffle of each column (few copies) plus 30 exact copies of originals
    avatars = np.column_stack([rng.permutation(encoded.continuous[:, j]) for j in range(3)])
    avatars[:30] = encoded.continuous[:30]
    codes = encoded.codes.copy()
    before = avatars.copy()
    assert avoid_copies(codec, avatars, codes, original, rng) >= 30
    copied = np.isin(row_hashes(*codec.with_missing(avatars, codes)), row_hashes(*original))
    assert copied.sum() <= 1
    for j in range(3):
        assert np.array_equal(np.sort(avatars[:, j]), np.sort(before[:, j]))
    assert (avatars[:30] != before[:30]).any(axis=1).all()
