"""Avatar generation in the projected space: random weights over each individual's neighbours.

For neighbour j of individual i at distance d_ij, P_ij = (1 / d_ij) * E_ij * 2^(-r_ij) with
E_ij ~ Exponential(1) and r_ij a random permutation of 0..k-1 over i's neighbours;
w_ij = P_ij / sum_t P_it and the avatar is A_i = sum_j w_ij X_j.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

__all__ = ["avatar_coordinates", "local_spread", "neighbour_weights"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_DISTANCE_FLOOR_SHARE = 1e-3
_CHUNK_ROWS = 131_072


def _distance_floor(distances: FloatArray) -> float:
    """A small positive distance used in place of 0 (exact duplicates)."""
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
    ranks = rng.permuted(np.broadcast_to(np.arange(k, dtype=np.float64), (n, k)), axis=1)
    weights = inverse * exponential * np.exp2(-ranks)
    weights /= weights.sum(axis=1, keepdims=True)
    return weights


def avatar_coordinates(
    coords: FloatArray,
    indices: IntArray,
    weights: FloatArray,
    check: Callable[[], None] | None = None,
) -> FloatArray:
    """A_i = sum_j w_ij X_j, computed by chunks of rows.

    Example:
        >>> x = np.array([[0.0], [2.0], [4.0]])
        >>> avatar_coordinates(x, np.array([[1], [0], [1]]), np.ones((3, 1))).ravel().tolist()
        [2.0, 0.0, 2.0]
    """
    n = indices.shape[0]
    result = np.empty((n, coords.shape[1]), dtype=np.float64)
    for start in range(0, n, _CHUNK_ROWS):
        rows = slice(start, min(n, start + _CHUNK_ROWS))
        result[rows] = np.einsum("nk,nkd->nd", weights[rows], coords[indices[rows]])
        if check is not None:
            check()
    return result


def local_spread(
    values: FloatArray,
    indices: IntArray,
    weights: FloatArray,
    check: Callable[[], None] | None = None,
) -> FloatArray:
    """Weighted standard deviation of each avatar's neighbours on each column.

    Example:
        >>> v = np.array([[0.0], [2.0], [4.0]])
        >>> local_spread(v, np.array([[1, 2], [0, 2], [0, 1]]), np.full((3, 2), 0.5)).ravel()
        array([1., 2., 1.])
    """
    n = indices.shape[0]
    result = np.empty((n, values.shape[1]), dtype=np.float64)
    for start in range(0, n, _CHUNK_ROWS):
        rows = slice(start, min(n, start + _CHUNK_ROWS))
        chunk_indices = indices[rows]
        chunk_weights = weights[rows]
        for j in range(values.shape[1]):
            neighbours = values[:, j][chunk_indices]
            mean = (chunk_weights * neighbours).sum(axis=1)
            second = (chunk_weights * neighbours * neighbours).sum(axis=1)
            result[rows, j] = np.sqrt(np.maximum(second - mean * mean, 0.0))
        if check is not None:
            check()
    return result
