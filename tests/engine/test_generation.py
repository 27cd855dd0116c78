"""Weights of the neighbours and avatar coordinates."""

from __future__ import annotations

import numpy as np

from avatar_engine.generation import (
    cumulative_by_position,
    draw_from_cumulative,
    mix_neighbours,
    neighbour_weights,
    pooled_local_covariance,
)


def test_weights_are_normalised_and_favour_close_neighbours() -> None:
    rng = np.random.default_rng(0)
    distances = np.tile(np.linspace(0.1, 2.0, 10), (20_000, 1))
    weights = neighbour_weights(distances, rng)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0)
    assert (weights >= 0).all()
    mean = weights.mean(axis=0)
    # below the floor (half the median distance) distances count as the floor
    floor = 0.5 * np.median(distances)
    above = distances[0] > floor
    assert (np.diff(mean[above]) < 0).all()
    assert mean[0] > mean[-1] * 2


def test_zero_distances_are_guarded() -> None:
    weights = neighbour_weights(np.zeros((5, 4)), np.random.default_rng(0))
    assert np.isfinite(weights).all()
    np.testing.assert_allclose(weights.sum(axis=1), 1.0)


def test_same_seed_same_weights() -> None:
    distances = np.random.default_rng(3).random((50, 6))
    first = neighbour_weights(distances, np.random.default_rng(7))
    second = neighbour_weights(distances, np.random.default_rng(7))
    assert np.array_equal(first, second)


def test_neighbours_are_drawn_in_proportion_to_their_weights() -> None:
    weights = np.tile([0.6, 0.3, 0.1, 0.0], (40_000, 1))
    drawn = draw_from_cumulative(cumulative_by_position(weights), np.random.default_rng(0))
    np.testing.assert_allclose(np.bincount(drawn, minlength=4) / len(drawn),
                               [0.6, 0.3, 0.1, 0.0], atol=0.01)


def test_mix_is_centred_on_the_weighted_mean_with_the_neighbourhood_covariance() -> None:
    rng = np.random.default_rng(1)
    # one neighbourhood of 3 strongly related points, shared by many avatars
    values = np.array([[0.0, 0.0], [1.0, 2.0], [3.0, 6.1]])
    n = 60_000
    indices = np.tile([0, 1, 2], (n, 1))
    weights = np.tile([0.2, 0.3, 0.5], (n, 1))
    mixed = mix_neighbours(values, indices, weights, rng)
    mean = weights[0] @ values
    np.testing.assert_allclose(mixed.mean(axis=0), mean, atol=0.02)
    centred = values - mean
    expected = (weights[0][:, None] * centred).T @ centred
    np.testing.assert_allclose(np.cov(mixed, rowvar=False), expected, rtol=0.05)
    assert np.corrcoef(mixed, rowvar=False)[0, 1] > 0.99


def test_mix_of_identical_neighbours_is_their_value() -> None:
    values = np.array([[1.0, 5.0], [1.0, 5.0], [9.0, 9.0]])
    mixed = mix_neighbours(values, np.array([[0, 1]] * 4), np.full((4, 2), 0.5),
                           np.random.default_rng(0))
    np.testing.assert_allclose(mixed, np.tile([1.0, 5.0], (4, 1)))


def test_pooled_local_covariance_ignores_the_distance_between_groups() -> None:
    rng = np.random.default_rng(0)
    # two groups 20 units apart; each individual's neighbours are in its own group
    values = np.concatenate([rng.normal(0, 1, (500, 2)), rng.normal(20, 1, (500, 2))])
    group = np.repeat([0, 1], 500)
    indices = np.array([rng.choice(np.flatnonzero(group == g), 10) for g in group])
    weights = np.full((1000, 10), 0.1)
    pooled = pooled_local_covariance(values, indices, weights)
    np.testing.assert_allclose(pooled, np.eye(2), atol=0.15)
    assert np.cov(values.T)[0, 0] > 50 * pooled[0, 0]
