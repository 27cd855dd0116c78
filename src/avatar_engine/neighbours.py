"""Exact k nearest neighbours of each individual among the others, in the projected space."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

__all__ = ["nearest_others"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

QUERY_CHUNK_ROWS = 131_072


def nearest_others(
    coords: FloatArray,
    k: int,
    *,
    workers: int = -1,
    check: Callable[[float], None] | None = None,
) -> tuple[FloatArray, IntArray]:
    """Find, for every row, its k nearest other rows (Euclidean, exact, self excluded).

    The row itself is removed even when exact duplicates tie with it at distance 0.

    Args:
        coords: n x d coordinates.
        k: neighbours per row (k < n).
        workers: threads for the KD-tree queries (-1: all cores).
        check: called with the fraction done between chunks (progress, cancellation).

    Returns:
        (distances, indices), both n x k, sorted by increasing distance.

    Example:
        >>> d, i = nearest_others(np.array([[0.0], [1.0], [3.0]]), 1)
        >>> i.ravel().tolist()
        [1, 0, 1]
    """
    n = coords.shape[0]
    tree = cKDTree(coords)
    distances = np.empty((n, k), dtype=np.float64)
    indices = np.empty((n, k), dtype=np.int64)
    for start in range(0, n, QUERY_CHUNK_ROWS):
        stop = min(n, start + QUERY_CHUNK_ROWS)
        found_d, found_i = tree.query(coords[start:stop], k=k + 1, workers=workers)
        found_d = np.asarray(found_d).reshape(stop - start, k + 1)
        found_i = np.asarray(found_i, dtype=np.int64).reshape(stop - start, k + 1)
        own = found_i == np.arange(start, stop)[:, None]
        # drop the row itself, or the farthest candidate when the row hid among ties
        own[~own.any(axis=1), k] = True
        keep = ~own
        distances[start:stop] = found_d[keep].reshape(stop - start, k)
        indices[start:stop] = found_i[keep].reshape(stop - start, k)
        if check is not None:
            check(stop / n)
    return distances, indices
