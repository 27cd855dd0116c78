"""Back from the projected space to realistic values of each variable.

Continuous values are clipped to the observed range; integers are rounded stochastically (to
the nearest observed values for low-cardinality columns, so a {2, 4} column never gets 3),
floats to their observed number of decimals and datetimes to their observed granularity. A
categorical value is drawn with probabilities proportional to its reconstructed scores (not the
argmax, which erases rare modalities). Stochastic rounding keeps each variable's spread and
stops avatars from collapsing onto real rows of low-cardinality data.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from avatar_engine.encoding import CategoricalSpec, ContinuousSpec
from avatar_engine.projection import Famd
from avatar_engine.types import ColumnType

__all__ = ["reconstruct"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_CHUNK_ROWS = 65_536


def _stochastic_round(values: FloatArray, step: float, rng: np.random.Generator) -> FloatArray:
    scaled = values / step
    low = np.floor(scaled)
    up = rng.random(len(values)) < (scaled - low)
    return (low + up) * step


def _snap(values: FloatArray, support: FloatArray, rng: np.random.Generator) -> FloatArray:
    """Move each value to one of the two observed values around it, in proportion."""
    if len(support) == 1:
        return np.full(len(values), support[0])
    upper = np.clip(np.searchsorted(support, values, side="left"), 1, len(support) - 1)
    low = support[upper - 1]
    high = support[upper]
    share = np.clip((values - low) / (high - low), 0.0, 1.0)
    return np.where(rng.random(len(values)) < share, high, low)


def finish_continuous(
    spec: ContinuousSpec, values: FloatArray, rng: np.random.Generator
) -> FloatArray:
    """Clip to the observed range and round as the column's type requires."""
    values = np.clip(values, spec.minimum, spec.maximum)
    if spec.ctype is ColumnType.INT:
        if spec.support is not None:
            return _snap(values, spec.support, rng)
        return np.clip(_stochastic_round(values, 1.0, rng), spec.minimum, spec.maximum)
    if spec.ctype is ColumnType.FLOAT:
        if spec.decimals is None:
            return values
        step = 10.0 ** (-spec.decimals)
        rounded = _stochastic_round(values, step, rng)
        return np.clip(np.round(rounded, spec.decimals), spec.minimum, spec.maximum)
    unit = spec.time_unit or 1.0
    return np.clip(_stochastic_round(values, unit, rng), spec.minimum, spec.maximum)


def draw_modalities(scores: FloatArray, rng: np.random.Generator) -> IntArray:
    """Draw one modality per row with probability proportional to its positive score."""
    positive = np.clip(scores, 0.0, None)
    totals = positive.sum(axis=1, keepdims=True)
    empty = totals[:, 0] <= 0
    if empty.any():
        positive[empty, scores[empty].argmax(axis=1)] = 1.0
        totals = positive.sum(axis=1, keepdims=True)
    cumulative = np.cumsum(positive / totals, axis=1)
    draws = rng.random((len(scores), 1))
    chosen = (cumulative < draws).sum(axis=1)
    return np.minimum(chosen, scores.shape[1] - 1).astype(np.int64)


def _expand_reduced(
    spec: CategoricalSpec, codes: IntArray, rng: np.random.Generator
) -> IntArray:
    if spec.reduced_codes is None or spec.other_members is None:
        return codes
    assert spec.other_probabilities is not None
    kept = np.flatnonzero(spec.reduced_codes < spec.reduced_codes.max())
    kept_by_reduced = np.empty(len(kept), dtype=np.int64)
    kept_by_reduced[spec.reduced_codes[kept]] = kept
    result = np.empty_like(codes)
    other = codes == len(kept)
    result[~other] = kept_by_reduced[codes[~other]]
    result[other] = rng.choice(spec.other_members, size=int(other.sum()),
                               p=spec.other_probabilities)
    return result


def reconstruct(
    famd: Famd,
    coords: FloatArray,
    continuous_specs: list[ContinuousSpec],
    categorical_specs: list[CategoricalSpec],
    rng: np.random.Generator,
    check: Callable[[], None] | None = None,
) -> tuple[FloatArray, IntArray]:
    """Turn avatar coordinates into finished continuous values and modality codes.

    Example:
        >>> famd = Famd(1)
        >>> x = np.array([[1.0], [2.0], [3.0]])
        >>> _ = famd.fit(x, np.zeros((3, 0), dtype=np.int64), [])
        >>> spec = ContinuousSpec("a", ColumnType.FLOAT, np.dtype(float), 1.0, 3.0, decimals=1)
        >>> values, _ = reconstruct(famd, famd.transform(x, np.zeros((3, 0), dtype=np.int64)),
        ...                         [spec], [], np.random.default_rng(0))
        >>> values.ravel().tolist()
        [1.0, 2.0, 3.0]
    """
    n = coords.shape[0]
    continuous = np.empty((n, len(continuous_specs)), dtype=np.float64)
    codes = np.empty((n, len(categorical_specs)), dtype=np.int64)
    for start in range(0, n, _CHUNK_ROWS):
        rows = slice(start, min(n, start + _CHUNK_ROWS))
        values, scores = famd.inverse_transform(coords[rows])
        for j, cspec in enumerate(continuous_specs):
            continuous[rows, j] = finish_continuous(cspec, values[:, j], rng)
        for j, qspec in enumerate(categorical_specs):
            drawn = draw_modalities(scores[j], rng)
            codes[rows, j] = _expand_reduced(qspec, drawn, rng)
        if check is not None:
            check()
    return continuous, codes
