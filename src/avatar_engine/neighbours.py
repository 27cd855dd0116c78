"""Exact k nearest neighbours in the projected space (KD-tree, queries in locality order).

A KD-tree answers a query fastest when the previous query fell in the same leaves (the nodes
it visits are still in the CPU cache). Rows of a large table come in no spatial order, so every
query here is made in the tree's own leaf order and the answers are put back in row order:
the neighbours are exactly those of a plain query (each query is independent of the others),
3 to 4 times faster on a million rows.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from avatar_engine.threads import row_chunks, run_chunks
from avatar_engine.threads import workers as default_workers

__all__ = ["build_tree", "locality_order", "nearest_others", "query_nearest"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

QUERY_CHUNK_ROWS = 32_768
LEAF_SIZE = 32


def build_tree(points: FloatArray) -> cKDTree:
    """KD-tree of ``points`` with the engine's settings.

    Example:
        >>> build_tree(np.zeros((3, 2))).n
        3
    """
    return cKDTree(points, leafsize=LEAF_SIZE)


def locality_order(points: FloatArray, tree: cKDTree | None = None) -> IntArray:
    """A permutation of the rows of ``points`` that visits them leaf by leaf of a KD-tree.

    Args:
        points: n x d coordinates.
        tree: a tree built on exactly ``points`` (reused); otherwise one is built.

    Example:
        >>> sorted(locality_order(np.array([[0.0], [5.0], [1.0]])).tolist())
        [0, 1, 2]
    """
    if tree is None or tree.n != len(points):
        tree = build_tree(points)
    return np.asarray(tree.indices, dtype=np.int64)


def query_nearest(
    tree: cKDTree,
    points: FloatArray,
    k: int,
    *,
    order: IntArray | None = None,
    workers: int = -1,
    check: Callable[[float], None] | None = None,
) -> tuple[FloatArray, IntArray]:
    """The k nearest tree points of every row of ``points`` (exact), queried in locality order.

    Args:
        tree: the KD-tree searched.
        points: m x d query coordinates.
        k: neighbours per query (at most the tree's size).
        order: the order in which the rows are queried (default: ``locality_order(points)``);
            the answers are always returned in row order.
        workers: threads for the queries (-1: all cores).
        check: called with the fraction done between chunks (progress, cancellation).

    Returns:
        (distances, indices), both m x k, sorted by increasing distance.

    Example:
        >>> tree = build_tree(np.array([[0.0], [1.0], [3.0]]))
        >>> d, i = query_nearest(tree, np.array([[2.9], [0.2]]), 2)
        >>> i.tolist()
        [[2, 1], [0, 1]]
    """
    m = len(points)
    if order is None:
        order = locality_order(points)
    distances = np.empty((m, k), dtype=np.float64)
    indices = np.empty((m, k), dtype=np.int64)

    def search(part: slice) -> None:
        rows = order[part]
        found_d, found_i = tree.query(points[rows], k=k, workers=1)
        distances[rows] = np.asarray(found_d).reshape(len(rows), k)
        indices[rows] = np.asarray(found_i, dtype=np.int64).reshape(len(rows), k)

    run_chunks(search, row_chunks(m, QUERY_CHUNK_ROWS), check, _workers(workers))
    return distances, indices


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
    tree = build_tree(coords)
    order = locality_order(coords, tree)
    distances = np.empty((n, k), dtype=np.float64)
    indices = np.empty((n, k), dtype=np.int64)

    def search(part: slice) -> None:
        rows = order[part]
        size = len(rows)
        found_d, found_i = tree.query(coords[rows], k=k + 1, workers=1)
        found_d = np.asarray(found_d).reshape(size, k + 1)
        found_i = np.asarray(found_i, dtype=np.int64).reshape(size, k + 1)
        # usually the row itself comes first; otherwise (duplicates at distance 0) drop it
        # where it is, or the farthest candidate when the row hid among ties
        first = found_i[:, 0] == rows
        if first.all():
            distances[rows] = found_d[:, 1:]
            indices[rows] = found_i[:, 1:]
        else:
            distances[rows[first]] = found_d[first, 1:]
            indices[rows[first]] = found_i[first, 1:]
            other = ~first
            own = found_i[other] == rows[other][:, None]
            own[~own.any(axis=1), k] = True
            keep = ~own
            distances[rows[other]] = found_d[other][keep].reshape(-1, k)
            indices[rows[other]] = found_i[other][keep].reshape(-1, k)

    # chunks of consecutive leaves, each searched by one thread
    run_chunks(search, row_chunks(n, QUERY_CHUNK_ROWS), check, _workers(workers))
    return distances, indices


def _workers(count: int) -> int:
    return default_workers() if count == -1 else max(1, count)
