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

from avatar_engine.selection import within_limits
from avatar_engine.threads import map_in_threads, row_chunks, workers

__all__ = ["calibrate_categories"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

_ROUNDS = 6
_CHUNK_ROWS = 32_768


def _best_wanted(movable: IntArray, indices: IntArray, weights: FloatArray,
                 row_wanted: npt.NDArray[np.bool_], rng: np.random.Generator
                 ) -> tuple[IntArray, FloatArray]:
    """For each movable avatar, the neighbour of a missing modality that weighs most (with
    tie-breaking noise) and its score (-1 when no neighbour holds a missing modality).

    The noise is drawn chunk after chunk in this thread (the same numbers as one draw of
    len(movable) x k); the gathers and maxima of the chunks run in threads, so no n x k
    temporary of the movable rows is held at once.
    """
    k = indices.shape[1]
    best = np.empty(len(movable), dtype=np.int64)
    strength = np.empty(len(movable), dtype=np.float64)
    chunks = row_chunks(len(movable), _CHUNK_ROWS)

    def pick(item: tuple[slice, FloatArray]) -> None:
        rows, noise = item
        chosen = movable[rows]
        neighbours = indices[chosen]
        score = weights[chosen].astype(np.float64, copy=False)
        noise *= 1e-9
        score += noise
        score[~row_wanted[neighbours]] = -1.0
        position = score.argmax(axis=1)
        spot = np.arange(len(position))
        best[rows] = neighbours[spot, position]
        strength[rows] = score[spot, position]

    for first in range(0, len(chunks), workers()):
        group = chunks[first : first + workers()]
        draws = [rng.random((rows.stop - rows.start, k)) for rows in group]
        map_in_threads(pick, list(zip(group, draws, strict=True)))
    return best, strength


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
            # (whether an original holds a missing modality is looked up once per row, then
            # gathered as one byte per neighbour)
            wanted_code = np.zeros(modalities + 1, dtype=bool)
            wanted_code[:modalities] = deficit > 0
            row_wanted = wanted_code[original]  # code -1 reads the last entry: False
            donor, strength = _best_wanted(movable, indices, weights, row_wanted, rng)
            proposal = original[donor]
            keep = strength >= 0
        else:
            # what is left: avatars of over-represented modalities, at random, to the rest
            proposal = rng.choice(modalities, size=len(movable), p=deficit / deficit.sum())
            strength = rng.random(len(movable))
            keep = np.ones(len(movable), dtype=bool)
        movable, proposal, strength = movable[keep], proposal[keep], strength[keep]
        if not len(movable):
            continue
        accepted = within_limits(proposal, strength, deficit)
        movable, proposal, strength = movable[accepted], proposal[accepted], strength[accepted]
        source = result[movable]
        allowed = within_limits(source, strength, surplus)
        result[movable[allowed]] = proposal[allowed]
    return result


def calibrate_categories(
    avatar_codes: IntArray,
    original_codes: IntArray,
    indices: IntArray,
    weights: FloatArray,
    columns: Sequence[int],
    rng: np.random.Generator,
    *,
    in_place: bool = False,
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
        in_place: calibrate ``avatar_codes`` itself instead of a copy (saves n x q codes).

    Returns:
        ``avatar_codes`` calibrated (a copy unless ``in_place``).
    """
    result = avatar_codes if in_place else avatar_codes.copy()
    if not len(result) or len(result) != len(original_codes):
        return result
    for j in columns:
        # the originals' column contiguous: its values are gathered by neighbour
        result[:, j] = _calibrate_column(result[:, j],
                                         np.ascontiguousarray(original_codes[:, j]), indices,
                                         weights, rng)
    return result
