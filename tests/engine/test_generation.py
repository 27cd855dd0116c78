"""Weights of the neighbours and avatar coordinates."""

from __future__ import annotations

import numpy as np

from avatar_engine.generation import avatar_coordinates, local_spread, neighbour_weights


def test_weights_are_normalised_and_favour_close_neighbours() -> None:
    rng = np.random.default_rng(0)
    distances = np.tile(np.linspace(0.1, 2.0, 10), (20_000, 1))
    weights = neighbour_weights(distances, rng)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0)
    assert (weights >= 0).all()
    mean = weights.mean(axis=0)
    assert mean[0] > mean[-1] * 5


def test_zero_distances_are_guarded() -> None:
    weights = neighbour_weights(np.zeros((5, 4)), np.random.default_rng(0))
    assert np.isfinite(weights).all()
    np.testing.assert_allclose(weights.sum(axis=1), 1.0)


def test_same_seed_same_weights() -> None:
    distances = np.random.default_rng(3).random((50, 6))
    first = neighbour_weights(distances, np.random.default_rng(7))
    second = neighbour_weights(distances, np.random.default_rng(7))
    assert np.array_equal(first, second)


def test_avatar_is_the_weighted_mean_of_neighbours() -> None:
    coords = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 4.0]])
    indices = np.array([[1, 2], [0, 2], [0, 1]])
    weights = np.array([[0.5, 0.5], [1.0, 0.0], [0.25, 0.75]])
    np.testing.assert_allclose(
        avatar_coordinates(coords, indices, weights), [[1.0, 2.0], [0.0, 0.0], [1.5, 0.0]]
    )


def test_local_spread_is_the_weighted_std() -> None:
    values = np.array([[0.0], [2.0], [4.0], [10.0]])
    spread = local_spread(values, np.array([[0, 1], [2, 3]]), np.array([[0.5, 0.5], [0.5, 0.5]]))
    np.testing.assert_allclose(spread.ravel(), [1.0, 3.0])
