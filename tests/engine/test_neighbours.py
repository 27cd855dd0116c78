"""Exact nearest neighbours, the individual itself excluded."""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import cdist

from avatar_engine.neighbours import nearest_others


def test_matches_brute_force_and_excludes_self() -> None:
    coords = np.random.default_rng(0).normal(size=(300, 4))
    distances, indices = nearest_others(coords, 7)
    full = cdist(coords, coords)
    np.fill_diagonal(full, np.inf)
    expected = np.sort(full, axis=1)[:, :7]
    np.testing.assert_allclose(distances, expected)
    assert not (indices == np.arange(300)[:, None]).any()


def test_duplicates_never_return_the_row_itself() -> None:
    coords = np.zeros((30, 2))
    coords[20:] = 1.0
    distances, indices = nearest_others(coords, 5)
    assert not (indices == np.arange(30)[:, None]).any()
    assert (distances[:20] == 0).all()
    assert len(np.unique(indices, axis=1)) == 30


def test_chunked_queries_report_progress() -> None:
    seen: list[float] = []
    nearest_others(np.random.default_rng(0).normal(size=(50, 2)), 3, check=seen.append)
    assert seen[-1] == 1.0
