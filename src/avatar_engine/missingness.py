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

from avatar_engine.selection import smallest
from avatar_engine.threads import map_in_threads, row_chunks

__all__ = ["calibrate_missing"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

_CHUNK_ROWS = 16_384


def calibrate_missing(
    avatar_codes: IntArray,
    original_codes: IntArray,
    indices: IntArray,
    weights: FloatArray,
    indicator_columns: Sequence[int],
    rng: np.random.Generator,
    *,
    in_place: bool = False,
) -> IntArray:
    """Give every indicator column of the avatars the originals' number of missing values.

    Args:
        avatar_codes: n x q codes of the avatars (indicator columns: 1 = missing).
        original_codes: n x q codes of the originals.
        indices: n x k neighbours of each individual.
        weights: n x k weights of those neighbours.
        indicator_columns: positions of the "is missing" indicators among the q columns.
        rng: the run's random generator (breaks ties).
        in_place: change ``avatar_codes`` itself instead of a copy (saves memory).

    Returns:
        ``avatar_codes`` (a copy unless ``in_place``) with calibrated indicator columns.

    Example:
        >>> calibrate_missing(np.zeros((2, 1), dtype=np.int64), np.array([[1], [0]]),
        ...                   np.array([[1], [0]]), np.ones((2, 1)), [0],
        ...                   np.random.default_rng(0))[:, 0].tolist()
        [0, 1]
    """
    result = avatar_codes if in_place else avatar_codes.copy()
    if not len(indicator_columns) or not len(result):
        return result
    tie_breaker = rng.random(len(result)) * 1e-9
    gaps = {j: int((original_codes[:, j] == 1).sum()) - int((result[:, j] == 1).sum())
            for j in indicator_columns}
    moving = [j for j, gap in gaps.items() if gap != 0]
    # weighted share of missing values among each avatar's neighbours, 8 columns at a time
    for first in range(0, len(moving), 8):
        group = moving[first : first + 8]
        scores = _neighbourhood_shares(original_codes[:, group] == 1, indices, weights)
        for position, j in enumerate(group):
            gap = gaps[j]
            current = result[:, j] == 1
            candidates = np.flatnonzero(current if gap < 0 else ~current)
            score = scores[candidates, position] + tie_breaker[candidates]
            if gap > 0:
                result[candidates[smallest(-score, gap)], j] = 1
            else:
                result[candidates[smallest(score, -gap)], j] = 0
    return result


def _neighbourhood_shares(
    missing: npt.NDArray[np.bool_], indices: IntArray, weights: FloatArray
) -> FloatArray:
    """n x m: for each avatar and column, the normalised weights of its neighbours missing
    there. The m <= 8 columns are packed in one byte, so one gather per chunk of rows
    serves them all; chunks run in threads."""
    n, m = len(indices), missing.shape[1]
    packed = np.packbits(missing, axis=1, bitorder="little")
    shares = np.empty((n, m), dtype=np.float64)

    def fill(rows: slice) -> None:
        chunk = weights[rows]
        normalised = chunk / np.maximum(chunk.sum(axis=1, keepdims=True), 1e-300)
        flags = np.unpackbits(packed[indices[rows]], axis=2, count=m, bitorder="little")
        shares[rows] = np.einsum("nk,nkm->nm", normalised, flags.astype(np.float64))

    map_in_threads(fill, row_chunks(n, _CHUNK_ROWS))
    return shares
