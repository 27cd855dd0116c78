"""Keep each categorical column's modality frequencies in the avatars.

An avatar's categorical values come from one of its individual's neighbours. That keeps the
frequencies only on average over who is whose neighbour: individuals in dense regions are
everybody's neighbour, those of rare modalities in sparse regions are few people's, so a
10-modality score declared categorical drifted by a Hellinger distance of 0.05-0.10 per column
(its numeric twin keeps its marginal exactly through quantile mapping). This module then
moves, column by column, the avatars of over-represented modalities to under-represented
ones until every modality has as many avatars as originals, choosing the avatars whose
neighbourhoods weigh the target modality most (so where a modality lies still follows the
data) and moving as few avatars as the gap requires.

Example:
    >>> codes = np.array([[0], [0], [1], [1]])
    >>> drawn = np.array([[0], [0], [0], [1]])
    >>> calibrate_categories(drawn, codes, np.array([[2], [0], [1], [3]]), np.ones((4, 1)),
    ...                      [0], np.random.default_rng(0))[:, 0].tolist()
    [1, 0, 0, 1]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["calibrate_categories"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

_ROUNDS = 6


def _first_ranks(groups: IntArray, score: FloatArray) -> IntArray:
    """Rank (0 = highest score) of each element within its group."""
    order = np.lexsort((-score, groups))
    sorted_groups = groups[order]
    starts = np.flatnonzero(np.concatenate(([True], sorted_groups[1:] != sorted_groups[:-1])))
    lengths = np.diff(np.concatenate((starts, [len(order)])))
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.arange(len(order)) - np.repeat(starts, lengths)
    return ranks


def _calibrate_column(drawn: IntArray, original: IntArray, indices: IntArray,
                      weights: FloatArray, rng: np.random.Generator) -> IntArray:
    modalities = int(max(drawn.max(initial=-1), original.max(initial=-1))) + 1
    valid = original >= 0
    target = np.bincount(original[valid], minlength=modalities)
    result = drawn.copy()
    for attempt in range(_ROUNDS + 1):
        count = np.bincount(result[result >= 0], minlength=modalities)
        surplus = count - target
        deficit = np.maximum(-surplus, 0)
        if not deficit.any() or not (surplus > 0).any():
            break
        movable = np.flatnonzero((result >= 0) & (surplus[np.maximum(result, 0)] > 0))
        if attempt < _ROUNDS:
            # each movable avatar proposes the missing modality its neighbours weigh most
            # (neighbour codes, weights and tie-breaking noise only for the movable rows:
            # n x k temporaries for all rows cost more than the rest of the calibration)
            codes = original[indices[movable]]
            wanted = np.where(codes >= 0, deficit[np.maximum(codes, 0)] > 0, False)
            score = weights[movable].astype(np.float64, copy=False)
            score += rng.random(score.shape) * 1e-9
            score[~wanted] = -1.0
            best = score.argmax(axis=1)
            proposal = codes[np.arange(len(movable)), best]
            strength = score[np.arange(len(movable)), best]
            keep = strength >= 0
        else:
            # what is left: avatars of over-represented modalities, at random, to the rest
            proposal = rng.choice(modalities, size=len(movable), p=deficit / deficit.sum())
            strength = rng.random(len(movable))
            keep = np.ones(len(movable), dtype=bool)
        movable, proposal, strength = movable[keep], proposal[keep], strength[keep]
        if not len(movable):
            continue
        accepted = _first_ranks(proposal, strength) < deficit[proposal]
        movable, proposal, strength = movable[accepted], proposal[accepted], strength[accepted]
        source = result[movable]
        allowed = _first_ranks(source, strength) < surplus[source]
        result[movable[allowed]] = proposal[allowed]
    return result


def calibrate_categories(
    avatar_codes: IntArray,
    original_codes: IntArray,
    indices: IntArray,
    weights: FloatArray,
    columns: Sequence[int],
    rng: np.random.Generator,
) -> IntArray:
    """Avatars' codes with, in each of ``columns``, the originals' count of every modality.

    Args:
        avatar_codes: n x q avatar modality codes (-1: missing).
        original_codes: n x q originals' modality codes.
        indices: n x k neighbours of each individual.
        weights: n x k weights of those neighbours (only their order counts: any increasing
            function of the draw's weights calibrates the same way).
        columns: the categorical columns to calibrate.
        rng: the run's random generator.

    Returns:
        A calibrated copy of ``avatar_codes``.
    """
    result = avatar_codes.copy()
    if not len(result) or len(result) != len(original_codes):
        return result
    for j in columns:
        result[:, j] = _calibrate_column(result[:, j], original_codes[:, j], indices,
                                         weights, rng)
    return result
