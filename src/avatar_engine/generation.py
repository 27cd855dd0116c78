"""Avatar generation in the projected space: random weights over each individual's neighbours.

For neighbour j of individual i at distance d_ij, P_ij = (1 / d_ij) * E_ij with
E_ij ~ Exponential(1); w_ij = P_ij / sum_t P_it and the avatar is A_i = sum_j w_ij X_j.

The weight spreads over the whole neighbourhood (no extra random rank factor 2^(-r_ij), which
put most of the weight on one or two neighbours and left each avatar close to them): avatars
measured with anonymeter against a held-out control set carry less inference risk and sit
no closer to the training rows than to unseen rows of the same population.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

__all__ = [
    "cumulative_by_position",
    "draw_from_cumulative",
    "mix_neighbours",
    "neighbour_weights",
    "pooled_local_covariance",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_DISTANCE_FLOOR_SHARE = 0.5
"""Distances below this share of the median neighbour distance (exact duplicates at 0 above
all) count as that floor, so an individual's twins share the weight with its other
neighbours instead of taking all of it (which would make the avatar a copy of the individual)."""
_CHUNK_ROWS = 131_072
_COVARIANCE_SAMPLE_ROWS = 20_000


def _distance_floor(distances: FloatArray) -> float:
    """The smallest distance the weights use (guards 0 for exact duplicates)."""
    positive = distances[distances > 0]
    if not len(positive):
        return 1.0
    sample = positive[:: max(1, len(positive) // 1_000_000)]
    return float(np.median(sample)) * _DISTANCE_FLOOR_SHARE


def neighbour_weights(distances: FloatArray, rng: np.random.Generator) -> FloatArray:
    """Random normalised weights of each individual's neighbours.

    Args:
        distances: n x k distances to the neighbours (0 allowed).
        rng: the run's random generator.

    Returns:
        n x k weights, each row summing to 1.

    Example:
        >>> w = neighbour_weights(np.array([[1.0, 2.0, 0.0]]), np.random.default_rng(0))
        >>> round(float(w.sum()), 6)
        1.0
    """
    n, k = distances.shape
    floor = _distance_floor(distances)
    inverse = 1.0 / np.maximum(distances, floor)
    exponential = rng.exponential(1.0, size=(n, k))
    weights = inverse * exponential
    weights /= weights.sum(axis=1, keepdims=True)
    return weights


def _weighted_sums(columns: FloatArray, indices: IntArray, coefficients: FloatArray) -> FloatArray:
    """sum_j coefficients_ij * columns[:, indices_ij], one column at a time (gathering one
    contiguous column stays in cache; gathering whole rows does not)."""
    result = np.empty((indices.shape[0], columns.shape[0]), dtype=np.float64)
    for c, column in enumerate(columns):
        result[:, c] = np.einsum("nk,nk->n", coefficients, column[indices])
    return result


def cumulative_by_position(weights: FloatArray) -> FloatArray:
    """k x n cumulative sums of each row's weights, laid out for ``draw_from_cumulative``."""
    return np.ascontiguousarray(np.cumsum(weights, axis=1).T)


def draw_from_cumulative(cumulative: FloatArray, rng: np.random.Generator) -> IntArray:
    """Position (0..k-1) of one neighbour per row, drawn with probability proportional to its
    weight, from ``cumulative_by_position(weights)`` (computed once for several draws).

    Example:
        >>> weights = np.array([[0.0, 1.0], [1.0, 0.0]])
        >>> draw_from_cumulative(cumulative_by_position(weights), np.random.default_rng(0))
        array([1, 0])
    """
    draws = rng.random(cumulative.shape[1]) * cumulative[-1]
    position = np.zeros(cumulative.shape[1], dtype=np.int64)
    for partial in cumulative[:-1]:
        position += partial < draws
    return position


def mix_neighbours(
    values: FloatArray,
    indices: IntArray,
    weights: FloatArray,
    rng: np.random.Generator,
    check: Callable[[], None] | None = None,
) -> FloatArray:
    """Continuous values of the avatars: the weighted mean of the neighbours' values plus a
    random deviation spread like the neighbourhood.

    The mean is the avatar A_i = sum_j w_ij X_j taken on every variable (its coordinates in
    the projection are the same weighted mean of the neighbours' coordinates; the inverse
    projection of ncp coordinates alone would set every other direction to the column means
    and invent correlations). The
    deviation sum_j sqrt(w_ij) z_ij (X_j - A_i), z_ij ~ N(0, 1), has the neighbours' weighted
    covariance: averaging does not shrink the avatar's spread, and the relations between
    variables within the neighbourhood are kept.

    Args:
        values: n x c continuous values of the originals (imputed).
        indices: n x k neighbours of each individual.
        weights: n x k weights of those neighbours (rows sum to 1).
        rng: the run's random generator.
        check: called between chunks (cancellation).

    Returns:
        n x c avatar values, before rounding and marginal restoration.

    Example:
        >>> v = np.array([[0.0], [2.0], [4.0]])
        >>> mixed = mix_neighbours(v, np.array([[1], [0], [1]]), np.ones((3, 1)),
        ...                        np.random.default_rng(0))
        >>> mixed.ravel().tolist()
        [2.0, 0.0, 2.0]
    """
    n = indices.shape[0]
    result = np.empty((n, values.shape[1]), dtype=np.float64)
    columns = np.ascontiguousarray(values.T)
    for start in range(0, n, _CHUNK_ROWS):
        rows = slice(start, min(n, start + _CHUNK_ROWS))
        chunk_weights = weights[rows]
        deviation = np.sqrt(chunk_weights) * rng.standard_normal(chunk_weights.shape)
        # A_i + sum_j g_ij (X_j - A_i) = sum_j (w_ij (1 - sum_t g_it) + g_ij) X_j
        coefficients = chunk_weights * (1.0 - deviation.sum(axis=1, keepdims=True)) + deviation
        result[rows] = _weighted_sums(columns, indices[rows], coefficients)
        if check is not None:
            check()
    return result


def pooled_local_covariance(
    values: FloatArray, indices: IntArray, weights: FloatArray
) -> FloatArray:
    """Mean over individuals of their neighbours' weighted covariance (the spread within a
    neighbourhood, without the differences between neighbourhoods), estimated on at most
    20,000 evenly spaced individuals.

    Example:
        >>> v = np.array([[0.0], [2.0], [4.0]])
        >>> pooled_local_covariance(v, np.array([[0, 1], [1, 2], [0, 2]]), np.full((3, 2), 0.5))
        array([[2.]])
    """
    n = indices.shape[0]
    sample = np.linspace(0, n - 1, min(n, _COVARIANCE_SAMPLE_ROWS)).astype(np.int64)
    sample_weights = weights[sample]
    neighbours = values[indices[sample]]
    neighbours -= np.einsum("nk,nkc->nc", sample_weights, neighbours)[:, None, :]
    covariance: FloatArray = np.einsum(
        "nk,nkc,nkd->cd", sample_weights, neighbours, neighbours) / len(sample)
    return covariance
