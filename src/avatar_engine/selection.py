"""Choosing the best few elements without sorting them all.

The calibrations (missing values, categorical frequencies) move a fixed number of avatars: the
ones that score best. These functions pick them in linear time per group instead of ranking
every element, with ties broken by position so that a seed gives the same avatars.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["smallest", "within_limits"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def smallest(values: FloatArray, count: int) -> IntArray:
    """Positions of the ``count`` smallest values, ties broken by position: the same set as
    ``np.argsort(values, kind="stable")[:count]`` in linear time.

    Example:
        >>> sorted(smallest(np.array([3.0, 1.0, 2.0, 1.0]), 2).tolist())
        [1, 3]
    """
    if count >= len(values):
        return np.arange(len(values))
    if count <= 0:
        return np.empty(0, dtype=np.int64)
    threshold = np.partition(values, count - 1)[count - 1]
    below = np.flatnonzero(values < threshold)
    tied = np.flatnonzero(values == threshold)[: count - len(below)]
    return np.concatenate((below, tied))


def within_limits(groups: IntArray, score: FloatArray, limits: IntArray
                  ) -> npt.NDArray[np.bool_]:
    """Which elements are among the ``limits[g]`` highest scores of their group ``g`` (ties:
    the first positions).

    Example:
        >>> within_limits(np.array([0, 0, 1, 0]), np.array([0.5, 0.9, 0.1, 0.5]),
        ...               np.array([2, 0])).tolist()
        [True, True, False, False]
    """
    keep = np.zeros(len(groups), dtype=bool)
    order = np.argsort(groups, kind="stable")  # each group's members in position order
    ends = np.cumsum(np.bincount(groups, minlength=len(limits)))
    start = 0
    for group, end in enumerate(ends):
        members = order[start:end]
        start = end
        limit = int(limits[group])
        if limit >= len(members):
            keep[members] = True
        elif limit > 0:
            keep[members[smallest(-score[members], limit)]] = True
    return keep
