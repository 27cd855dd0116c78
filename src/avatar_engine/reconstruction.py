"""Back from the projected space to realistic values of each variable.

Averaging neighbours in a few components shrinks every variable towards its centre and, on
low-cardinality data, makes avatars collapse onto the most common real rows. So:

1. Continuous values are reconstructed by the inverse projection, then sampled within their
   local distribution: centred Gaussian noise is added, with variance (local spread of the
   avatar's neighbours on that variable)^2 + (0.35 * the column's standard deviation)^2.
2. Marginals are restored by quantile mapping: the avatar of rank r among n gets the originals'
   quantile (r + 1/2) / n (an observed value for low-cardinality integer columns, else
   interpolated), so no spread is lost and values stay realistic (a {2, 4} column never gets 3).
   Values are then clipped to the observed range and rounded stochastically to the column's
   type (integers, observed number of decimals, observed datetime granularity).
3. A categorical value is drawn with probabilities proportional to its reconstructed scores
   (not the argmax, which erases rare modalities).
4. Avatars that still copy an original row are nudged (``avoid_copies``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from avatar_engine.encoding import CategoricalSpec, ContinuousSpec, TableCodec, row_hashes
from avatar_engine.projection import Famd
from avatar_engine.types import ColumnType

__all__ = ["avoid_copies", "reconstruct"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_CHUNK_ROWS = 65_536
LOCAL_NOISE_SHARE = 1.0
"""Noise added to a continuous value, as a share of its neighbours' local spread."""
GLOBAL_NOISE_SHARE = 0.35
"""Noise added to a continuous value, as a share of the column's standard deviation."""


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


def _calibrate(
    spec: ContinuousSpec, values: FloatArray, rng: np.random.Generator
) -> FloatArray:
    """Quantile mapping onto the originals' marginal: the avatar of rank r among n gets the
    originals' quantile (r + 1/2) / n (discrete columns: an observed value; others:
    interpolated between order statistics)."""
    n = len(values)
    reference = spec.sorted_values
    if n == 0 or len(reference) == 0:
        return values
    order = np.lexsort((rng.random(n), values))
    quantiles = np.empty(n)
    quantiles[order] = (np.arange(n) + 0.5) / n
    m = len(reference)
    if spec.support is not None:
        return reference[np.minimum((quantiles * m).astype(np.int64), m - 1)]
    return np.interp(quantiles * m - 0.5, np.arange(m), reference)


def reconstruct(
    famd: Famd,
    coords: FloatArray,
    continuous_specs: list[ContinuousSpec],
    categorical_specs: list[CategoricalSpec],
    rng: np.random.Generator,
    *,
    local_spread: FloatArray | None = None,
    check: Callable[[], None] | None = None,
) -> tuple[FloatArray, IntArray]:
    """Turn avatar coordinates into finished continuous values and modality codes.

    Args:
        famd: the projection fitted on the originals.
        coords: avatar coordinates.
        continuous_specs: ranges, supports and marginals of the continuous columns.
        categorical_specs: modalities of the categorical columns.
        rng: the run's random generator.
        local_spread: n x c spread of each avatar's neighbours on each continuous column;
            a share of it is added as noise before the marginals are restored.
        check: cancellation check.

    Example:
        >>> famd = Famd(1)
        >>> x = np.array([[1.0], [2.0], [3.0]])
        >>> _ = famd.fit(x, np.zeros((3, 0), dtype=np.int64), [])
        >>> spec = ContinuousSpec("a", ColumnType.FLOAT, np.dtype(float), 1.0, 3.0, decimals=1,
        ...                       sorted_values=x.ravel())
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
        continuous[rows] = values
        for j, qspec in enumerate(categorical_specs):
            drawn = draw_modalities(scores[j], rng)
            codes[rows, j] = _expand_reduced(qspec, drawn, rng)
        if check is not None:
            check()
    for j, cspec in enumerate(continuous_specs):
        column = continuous[:, j]
        spread = GLOBAL_NOISE_SHARE * float(np.std(cspec.sorted_values))
        scale = np.full(n, spread)
        if local_spread is not None:
            scale = np.sqrt(spread**2 + (LOCAL_NOISE_SHARE * local_spread[:, j]) ** 2)
        column = _calibrate(cspec, column + scale * rng.standard_normal(n), rng)
        continuous[:, j] = finish_continuous(cspec, column, rng)
        if check is not None:
            check()
    return continuous, codes


def _nudge_continuous(
    spec: ContinuousSpec, values: FloatArray, rng: np.random.Generator
) -> FloatArray:
    direction = np.where(rng.random(len(values)) < 0.5, -1.0, 1.0)
    if spec.support is not None:
        support = spec.support
        position = np.clip(np.searchsorted(support, values), 0, len(support) - 1)
        steps = direction.astype(np.int64)
        target = position + steps
        target = np.where((target < 0) | (target >= len(support)), position - steps, target)
        return np.asarray(support[np.clip(target, 0, len(support) - 1)], dtype=np.float64)
    if spec.ctype is ColumnType.FLOAT:
        step = 10.0 ** (-spec.decimals) if spec.decimals is not None else max(
            1e-9, 0.01 * float(np.std(spec.sorted_values)))
    elif spec.ctype is ColumnType.INT:
        step = 1.0
    else:
        step = spec.time_unit or 1.0
    moved = values + direction * step
    outside = (moved < spec.minimum) | (moved > spec.maximum)
    moved = np.where(outside, values - direction * step, moved)
    result = np.clip(moved, spec.minimum, spec.maximum)
    if spec.ctype is ColumnType.FLOAT and spec.decimals is not None:
        result = np.round(result, spec.decimals)
    return result


def _masked(
    continuous: FloatArray, codes: IntArray, mask: tuple[str, int] | None
) -> tuple[FloatArray, IntArray]:
    if mask is None:
        return continuous, codes
    kind, j = mask
    if kind == "c":
        continuous = continuous.copy()
        continuous[:, j] = 0.0
    else:
        codes = codes.copy()
        codes[:, j] = 0
    return continuous, codes


def avoid_copies(
    codec: TableCodec,
    continuous: FloatArray,
    codes: IntArray,
    original: tuple[FloatArray, IntArray],
    rng: np.random.Generator,
    max_rounds: int = 8,
) -> int:
    """Nudge, in place, avatars that copy an original row.

    A copy is an avatar equal to some original on every variable, or on every variable but
    one categorical/binary variable (so the nudging does not depend on which column a model
    later predicts: removing only exact copies would leave the originals' most common
    profiles in the avatars with the other label only). One randomly chosen continuous
    variable with at least 3 distinct values moves to a neighbouring value (the next observed
    value or rounding step); repeated on the rows still copies, up to ``max_rounds`` times.
    Categorical and binary variables are never nudged: flipping them changes a row's meaning.

    Args:
        codec: the fitted codec.
        continuous: avatar continuous values (finished), modified in place.
        codes: avatar modality codes (full), read only.
        original: the originals' encoded (continuous, codes) with missing values applied.
        rng: the run's random generator.
        max_rounds: maximum number of passes.

    Returns:
        The number of nudges.
    """
    specs = codec.continuous_specs
    candidates = [
        j for j, spec in enumerate(specs)
        if spec.maximum > spec.minimum and (spec.support is None or len(spec.support) >= 3)
    ]
    if not candidates:
        return 0
    masks: list[tuple[str, int] | None] = [None]
    masks += [("c", j) for j, spec in enumerate(specs) if j not in candidates]
    masks += [("q", j) for j, spec in enumerate(codec.categorical_specs)
              if spec.indicator_of is None]
    # a copy always matches an original on the nudgeable columns: a cheap first filter
    core_original = np.unique(row_hashes(original[0][:, candidates], original[1][:, :0]))
    original_hashes: list[npt.NDArray[np.uint64]] = []
    nudges = 0
    for _ in range(max_rounds):
        avatars = codec.with_missing(continuous, codes)
        core = row_hashes(avatars[0][:, candidates], avatars[1][:, :0])
        suspects = np.flatnonzero(np.isin(core, core_original))
        if not len(suspects):
            break
        if not original_hashes:
            original_hashes = [row_hashes(*_masked(*original, mask)) for mask in masks]
        subset = (avatars[0][suspects], avatars[1][suspects])
        copied_subset = np.zeros(len(suspects), dtype=bool)
        for mask, hashes in zip(masks, original_hashes, strict=True):
            copied_subset |= np.isin(row_hashes(*_masked(*subset, mask)), hashes)
        rows = suspects[copied_subset]
        if not len(rows):
            break
        copied = np.zeros(len(continuous), dtype=bool)
        copied[rows] = True
        nudges += len(rows)
        chosen = rng.integers(0, len(candidates), size=len(rows))
        for position, j in enumerate(candidates):
            selected = rows[chosen == position]
            if len(selected):
                _nudge_column(specs[j], continuous[:, j], selected, copied, rng)
    return nudges


def _nudge_column(
    spec: ContinuousSpec,
    column: FloatArray,
    selected: IntArray,
    copied: npt.NDArray[np.bool_],
    rng: np.random.Generator,
) -> None:
    """Move ``column[selected]`` to neighbouring values, in place.

    On low-cardinality columns each move is paired with the opposite move of a random
    non-copy avatar holding the target value, so the column's marginal is unchanged.
    """
    before = column[selected].copy()
    after = _nudge_continuous(spec, before, rng)
    column[selected] = after
    if spec.support is None:
        return
    for source, target in {(float(a), float(b)) for a, b in zip(before, after, strict=True)}:
        movers = int(((before == source) & (after == target)).sum())
        partners = np.flatnonzero((column == target) & ~copied)
        if not len(partners):
            continue
        chosen = rng.choice(partners, size=min(movers, len(partners)), replace=False)
        column[chosen] = source
        copied[chosen] = True
