"""Keep each column's share of missing values in the avatars.

Missing values are avatarized through a temporary "is missing" indicator per column (see
:mod:`avatar_engine.encoding`). Drawing that indicator from one neighbour per avatar keeps the
share only on average: individuals in dense regions are everybody's neighbour, and imputed rows
sit in such regions less often, so the avatars of a table with 12 % missing values in a column
could carry 8 %. This module then sets exactly as many avatars missing as the originals have
missing values, choosing the avatars whose neighbourhoods hold the most missing values (and
leaving missing those whose neighbourhoods hold the most), so where the values are missing
still follows the data.

Example:
    >>> codes = np.array([[1], [0], [0], [0]])
    >>> calibrate_missing(np.array([[0], [0], [0], [0]]), codes, np.array([[0], [0], [1], [2]]),
    ...                   np.ones((4, 1)), [0], np.random.default_rng(0))[:, 0].sum()
    np.int64(1)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["calibrate_missing"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def calibrate_missing(
    avatar_codes: IntArray,
    original_codes: IntArray,
    indices: IntArray,
    weights: FloatArray,
    indicator_columns: Sequence[int],
    rng: np.random.Generator,
) -> IntArray:
    """Give every indicator column of the avatars the originals' number of missing values.

    Args:
        avatar_codes: n x q codes of the avatars (indicator columns: 1 = missing).
        original_codes: n x q codes of the originals.
        indices: n x k neighbours of each individual.
        weights: n x k weights of those neighbours.
        indicator_columns: positions of the "is missing" indicators among the q columns.
        rng: the run's random generator (breaks ties).

    Returns:
        A copy of ``avatar_codes`` with calibrated indicator columns.

    Example:
        >>> calibrate_missing(np.zeros((2, 1), dtype=np.int64), np.array([[1], [0]]),
        ...                   np.array([[1], [0]]), np.ones((2, 1)), [0],
        ...                   np.random.default_rng(0))[:, 0].tolist()
        [0, 1]
    """
    result = avatar_codes.copy()
    if not len(indicator_columns) or not len(result):
        return result
    normalised = weights / np.maximum(weights.sum(axis=1, keepdims=True), 1e-300)
    tie_breaker = rng.random(len(result)) * 1e-9
    for j in indicator_columns:
        original = original_codes[:, j] == 1
        target = int(original.sum())
        current = result[:, j] == 1
        gap = target - int(current.sum())
        if gap == 0:
            continue
        # weighted share of missing values among each avatar's neighbours
        score = (original[indices] * normalised).sum(axis=1) + tie_breaker
        if gap > 0:
            candidates = np.flatnonzero(~current)
            chosen = candidates[np.argsort(-score[candidates], kind="stable")[:gap]]
            result[chosen, j] = 1
        else:
            candidates = np.flatnonzero(current)
            chosen = candidates[np.argsort(score[candidates], kind="stable")[:-gap]]
            result[chosen, j] = 0
    return result
