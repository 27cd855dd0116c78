"""Exact nearest neighbours, the individual itself excluded."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from avatar_engine.neighbours import build_tree, locality_order, nearest_others, query_nearest


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


def test_chunks_in_locality_order_match_brute_force(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("avatar_engine.neighbours.QUERY_CHUNK_ROWS", 37)
    coords = np.random.default_rng(1).normal(size=(500, 3))
    coords[:40] = coords[40:80]  # exact duplicates tie at distance 0
    distances, indices = nearest_others(coords, 6)
    full = cdist(coords, coords)
    np.fill_diagonal(full, np.inf)
    np.testing.assert_allclose(distances, np.sort(full, axis=1)[:, :6])
    np.testing.assert_allclose(np.take_along_axis(full, indices, axis=1), distances)
    assert not (indices == np.arange(500)[:, None]).any()


def test_locality_order_is_a_permutation() -> None:
    coords = np.random.default_rng(2).normal(size=(1000, 5))
    order = locality_order(coords)
    assert sorted(order.tolist()) == list(range(1000))
    assert not np.array_equal(order, np.arange(1000))


@pytest.mark.parametrize("given_order", [False, True])
def test_query_nearest_answers_in_row_order(
    monkeypatch: pytest.MonkeyPatch, given_order: bool
) -> None:
    monkeypatch.setattr("avatar_engine.neighbours.QUERY_CHUNK_ROWS", 50)
    rng = np.random.default_rng(3)
    data, queries = rng.normal(size=(400, 4)), rng.normal(size=(230, 4))
    seen: list[float] = []
    order = rng.permutation(230) if given_order else None
    distances, indices = query_nearest(build_tree(data), queries, 5, order=order,
                                       check=seen.append)
    full = cdist(queries, data)
    np.testing.assert_allclose(distances, np.sort(full, axis=1)[:, :5])
    np.testing.assert_array_equal(indices, np.argsort(full, axis=1)[:, :5])
    assert seen[-1] == 1.0
    assert len(seen) == 5
