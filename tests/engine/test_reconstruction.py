"""Back to realistic values: rounding, quantile mapping, modality draws, copy avoidance."""

from __future__ import annotations

import numpy as np
import pandas as pd

from avatar_engine.encoding import ContinuousSpec, TableCodec, row_hashes
from avatar_engine.reconstruction import (
    _calibrate,
    avoid_copies,
    draw_modalities,
    finish_continuous,
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


def test_draws_follow_scores_and_keep_rare_modalities() -> None:
    scores = np.tile([0.9, 0.08, 0.02, -0.1], (50_000, 1))
    drawn = draw_modalities(scores, np.random.default_rng(0))
    shares = np.bincount(drawn, minlength=4) / len(drawn)
    np.testing.assert_allclose(shares, [0.9, 0.08, 0.02, 0.0], atol=0.01)


def test_all_negative_scores_fall_back_to_the_best() -> None:
    assert draw_modalities(np.array([[-1.0, -0.2, -3.0]]), np.random.default_rng(0))[0] == 1


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
