"""Back from the neighbours' mix to realistic values of each variable.

1. Continuous values (the neighbours' weighted mean plus a deviation spread like the
   neighbourhood, see ``generation.mix_neighbours``) get a Gaussian noise whose covariance
   is 0.25^2 times the originals' covariance plus 0.6^2 times the spread within
   neighbourhoods (each variable's local spread, with the data's correlations): it hides
   the individual further without bending the relations between variables or blurring the
   boundaries between groups.
2. Marginals are restored by quantile mapping: the avatar of rank r among n gets the originals'
   quantile at a random point of [r, r + 1) / n (an observed value for columns with few
   distinct values, else the quantile of the originals' marginal smoothed by a Gaussian
   kernel reflected at the observed range, so that the tails are not the originals' own
   extreme values), so no spread is lost and values stay realistic (a {2, 4} column never
   gets 3). Values are then clipped to the
   observed range and rounded stochastically to the column's type (integers, observed number
   of decimals, observed datetime granularity).
3. The categorical values of an avatar are those of one of the individual's neighbours, drawn
   with probability proportional to w_ij^2 (rare modalities survive, and the categorical
   variables keep the relations of a real profile and of the neighbourhood); then each
   modality gets exactly the originals' count (``frequencies.calibrate_categories``). When no
   continuous
   variable can be nudged, an avatar whose categorical profile equals an original's gets
   variables redrawn among the values its neighbours hold.
4. Avatars that still copy an original row are nudged (``avoid_copies``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from avatar_engine.encoding import (
    CategoricalSpec,
    ContinuousSpec,
    TableCodec,
    is_member,
    row_hashes,
    sorted_unique,
)
from avatar_engine.frequencies import calibrate_categories
from avatar_engine.generation import cumulative_by_position, draw_from_cumulative
from avatar_engine.threads import map_in_threads, workers
from avatar_engine.types import ColumnType

__all__ = ["avoid_copies", "draw_categories", "finish_continuous_columns", "nudgeable_columns"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_CHUNK_ROWS = 65_536
_DISCRETE_MAX_DISTINCT = 30
GLOBAL_NOISE_SHARE = 0.25
"""Share (in standard deviations) of the originals' covariance in the noise of continuous
values: moves avatars along the data's main directions, which hides individuals."""
CATEGORY_WEIGHT_POWER = 2.0
"""A categorical value comes from neighbour j with probability proportional to w_ij^2: the
neighbours that dominate the avatar's numeric values also give its categories, which keeps
the relations between variables (plain w_ij mixes categories of neighbours that weigh
little in the rest of the avatar)."""
LOCAL_NOISE_SHARE = 0.6
"""Share of the spread within neighbourhoods in that noise: blurs avatars without pushing
them across the boundaries between groups of the data (classes stay predictable)."""
MARGINAL_BANDWIDTH_SHARE = 1.0
"""Bandwidth of the kernel-smoothed marginal that columns with many distinct values are mapped
onto, in shares of Silverman's rule (0: the originals' own order statistics). Mapping onto the
originals' order statistics puts the avatar of rank r between the originals of rank r - 1 and
r + 1, tails included, so a ``>=`` predicate on an avatar's extreme value isolated the
original holding it (anonymeter singling out: penguins 0.171 -> 0.132, breast_cancer 0.170 ->
0.147 with the smoothing; Hellinger 0.006 -> 0.028 and 0.023 -> 0.033)."""
_KDE_SAMPLE = 2_000
_KDE_GRID = 513


def _stochastic_round(values: FloatArray, step: float, uniform: FloatArray) -> FloatArray:
    scaled = values / step
    low = np.floor(scaled)
    up = uniform < (scaled - low)
    return (low + up) * step


def _snap(values: FloatArray, support: FloatArray, uniform: FloatArray | None) -> FloatArray:
    """Move each value to one of the two observed values around it, in proportion."""
    if len(support) == 1 or uniform is None:
        return np.full(len(values), support[0])
    upper = np.clip(np.searchsorted(support, values, side="left"), 1, len(support) - 1)
    low = support[upper - 1]
    high = support[upper]
    share = np.clip((values - low) / (high - low), 0.0, 1.0)
    return np.where(uniform < share, high, low)


def _rounding_draws(spec: ContinuousSpec) -> bool:
    """Whether finishing the column draws one uniform number per value."""
    if spec.ctype is ColumnType.INT:
        return spec.support is None or len(spec.support) > 1
    return spec.ctype is not ColumnType.FLOAT or spec.decimals is not None


def finish_continuous(
    spec: ContinuousSpec, values: FloatArray, rng: np.random.Generator
) -> FloatArray:
    """Clip to the observed range and round as the column's type requires."""
    uniform = rng.random(len(values)) if _rounding_draws(spec) else None
    return _finish_with(spec, values, uniform)


def _finish_with(
    spec: ContinuousSpec, values: FloatArray, uniform: FloatArray | None
) -> FloatArray:
    """``finish_continuous`` with its random numbers drawn beforehand."""
    values = np.clip(values, spec.minimum, spec.maximum)
    if spec.ctype is ColumnType.FLOAT and spec.decimals is None:
        return values
    if spec.ctype is ColumnType.INT and spec.support is not None:
        return _snap(values, spec.support, uniform)
    assert uniform is not None
    if spec.ctype is ColumnType.INT:
        return np.clip(_stochastic_round(values, 1.0, uniform), spec.minimum, spec.maximum)
    if spec.ctype is ColumnType.FLOAT:
        assert spec.decimals is not None
        rounded = _stochastic_round(values, 10.0 ** (-spec.decimals), uniform)
        return np.clip(np.round(rounded, spec.decimals), spec.minimum, spec.maximum)
    unit = spec.time_unit or 1.0
    return np.clip(_stochastic_round(values, unit, uniform), spec.minimum, spec.maximum)


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


@dataclass
class _ColumnDraws:
    """The random numbers of one column's quantile mapping and rounding, in drawing order."""

    permutation: IntArray | None
    jitter: FloatArray | None
    rounding: FloatArray | None


def _column_draws(spec: ContinuousSpec, n: int, rng: np.random.Generator) -> _ColumnDraws:
    mapped = n > 0 and len(spec.sorted_values) > 0
    permutation = rng.permutation(n) if mapped else None
    jitter = rng.random(n) if mapped else None
    rounding = rng.random(n) if _rounding_draws(spec) else None
    return _ColumnDraws(permutation, jitter, rounding)


def _calibrate(
    spec: ContinuousSpec, values: FloatArray, rng: np.random.Generator
) -> FloatArray:
    """Quantile mapping onto the originals' marginal: the avatar of rank r among n gets the
    originals' quantile at a random point of [r, r + 1) / n (columns with few distinct
    values: an observed value; others: interpolated between order statistics, so the
    released values are not the originals' values reshuffled)."""
    n = len(values)
    if n == 0 or len(spec.sorted_values) == 0:
        return values
    return _calibrate_with(spec, values, rng.permutation(n), rng.random(n))


def _ranked(values: FloatArray, shuffled: IntArray) -> IntArray:
    """Positions sorting ``values``, ties ranked in the order of ``shuffled``: the same as
    ``shuffled[np.argsort(values[shuffled], kind="stable")]``, with the faster unstable
    sort when there are no ties."""
    permuted = values[shuffled]
    order = np.argsort(permuted)
    ordered = permuted[order]
    if np.isnan(ordered[-1]) or bool((ordered[1:] == ordered[:-1]).any()):
        order = np.argsort(permuted, kind="stable")
    ranked: IntArray = shuffled[order]
    return ranked


def _calibrate_with(
    spec: ContinuousSpec, values: FloatArray, shuffled: IntArray, jitter: FloatArray
) -> FloatArray:
    """``_calibrate`` with its random permutation (ties ranked at random) and jitter drawn
    beforehand."""
    n = len(values)
    reference = spec.sorted_values
    order = _ranked(values, shuffled)
    quantiles = np.empty(n)
    quantiles[order] = (np.arange(n) + jitter) / n
    m = len(reference)
    distinct = 1 + int(np.count_nonzero(np.diff(reference)))
    if spec.support is not None or distinct <= _DISCRETE_MAX_DISTINCT:
        return reference[np.minimum((quantiles * m).astype(np.int64), m - 1)]
    if MARGINAL_BANDWIDTH_SHARE > 0:
        smoothed = _smoothed_quantiles(reference, quantiles, MARGINAL_BANDWIDTH_SHARE)
        if smoothed is not None:
            return smoothed
    # linear interpolation between order statistics, at position quantile * m - 1/2
    position = np.clip(quantiles * m - 0.5, 0.0, m - 1.0)
    low = np.minimum(position.astype(np.int64), m - 2) if m > 1 else np.zeros(n, np.int64)
    high = np.minimum(low + 1, m - 1)
    share = position - low
    return reference[low] + share * (reference[high] - reference[low])


def _finish_column(spec: ContinuousSpec, values: FloatArray, draws: _ColumnDraws
                   ) -> FloatArray:
    if draws.permutation is not None and draws.jitter is not None:
        values = _calibrate_with(spec, values, draws.permutation, draws.jitter)
    return _finish_with(spec, values, draws.rounding)


def _smoothed_quantiles(
    reference: FloatArray, quantiles: FloatArray, share: float
) -> FloatArray | None:
    """Quantiles of a kernel-smoothed marginal (Gaussian kernel reflected at the observed
    range, bandwidth ``share`` x Silverman's, variance kept), or None for a degenerate column.

    Example:
        >>> reference = np.sort(np.random.default_rng(0).normal(size=500))
        >>> out = _smoothed_quantiles(reference, np.array([0.5, 0.9999]), 1.0)
        >>> bool(abs(out[0]) < 0.1), bool(out[1] < reference[-1])
        (True, True)
    """
    from scipy.special import ndtr

    m = len(reference)
    low, high = float(reference[0]), float(reference[-1])
    spread = float(np.std(reference))
    iqr = float(reference[int(0.75 * (m - 1))] - reference[int(0.25 * (m - 1))])
    scale = min(spread, iqr / 1.34) if iqr > 0 else spread
    bandwidth = share * 0.9 * scale * m ** -0.2
    if not bandwidth > 0 or high <= low:
        return None
    sample = reference[np.linspace(0, m - 1, min(m, _KDE_SAMPLE)).astype(np.int64)]
    # centres drawn towards the mean so that the kernel does not widen the spread
    # (variance of the smoothed marginal = the originals' variance)
    centre_of_mass = float(np.mean(reference))
    sample = centre_of_mass + (sample - centre_of_mass) / np.sqrt(
        1.0 + (bandwidth / spread) ** 2)
    grid = np.linspace(low, high, _KDE_GRID)
    cdf = np.zeros(len(grid))
    for centre in (sample, 2 * low - sample, 2 * high - sample):
        cdf += (ndtr((grid[:, None] - centre[None, :]) / bandwidth)
                - ndtr((low - centre[None, :]) / bandwidth)).sum(axis=1)
    cdf /= cdf[-1]
    result: FloatArray = np.interp(quantiles, cdf, grid)
    return result


def _gaussian_noise(covariance: FloatArray, n: int, rng: np.random.Generator) -> FloatArray:
    """n draws of a centred Gaussian with this covariance."""
    eigenvalues, vectors = np.linalg.eigh(covariance)
    root = vectors * np.sqrt(np.clip(eigenvalues, 0.0, None))
    noise: FloatArray = rng.standard_normal((n, covariance.shape[0])) @ root.T
    return noise


def _with_correlations_of(reference: FloatArray, covariance: FloatArray) -> FloatArray:
    """``covariance``'s variances with ``reference``'s correlations.

    Within a neighbourhood variables are nearly independent, so noise shaped by the pooled
    local covariance alone would dilute the relations between variables; giving it the
    data's correlations blurs each variable by its local spread and keeps those relations.

    Example:
        >>> _with_correlations_of(np.array([[1.0, 0.5], [0.5, 1.0]]), np.diag([4.0, 1.0]))
        array([[4., 1.],
               [1., 1.]])
    """
    reference_sd = np.sqrt(np.clip(np.diag(reference), 0.0, None))
    safe = np.where(reference_sd > 0, reference_sd, 1.0)
    correlation = reference / np.outer(safe, safe)
    np.fill_diagonal(correlation, 1.0)
    local_sd = np.sqrt(np.clip(np.diag(covariance), 0.0, None))
    shaped: FloatArray = correlation * np.outer(local_sd, local_sd)
    return shaped


def finish_continuous_columns(
    mixed: FloatArray,
    originals: FloatArray,
    local_covariance: FloatArray,
    specs: list[ContinuousSpec],
    rng: np.random.Generator,
    check: Callable[[], None] | None = None,
) -> FloatArray:
    """Turn the neighbours' mix into finished continuous values (noise, marginals, types).

    Args:
        mixed: n x c avatar values from ``generation.mix_neighbours``.
        originals: the originals' imputed continuous values (their covariance shapes the
            global part of the noise).
        local_covariance: c x c spread within neighbourhoods
            (``generation.pooled_local_covariance``), shaping the local part of the noise.
        specs: ranges, supports and marginals of the continuous columns.
        rng: the run's random generator.
        check: cancellation check.

    Returns:
        n x c values, each column with the originals' marginal, range and rounding.

    Example:
        >>> spec = ContinuousSpec("a", ColumnType.INT, np.dtype(int), 1.0, 3.0,
        ...                       support=np.array([1.0, 2.0, 3.0]),
        ...                       sorted_values=np.array([1.0, 2.0, 3.0]))
        >>> out = finish_continuous_columns(np.array([[0.5], [2.2], [9.0]]),
        ...                                 np.array([[1.0], [2.0], [3.0]]), np.eye(1),
        ...                                 [spec], np.random.default_rng(0))
        >>> sorted(out.ravel().tolist())
        [1.0, 2.0, 3.0]
    """
    n, c = mixed.shape
    if c == 0:
        return mixed.copy()
    global_covariance = np.atleast_2d(np.cov(originals, rowvar=False))
    covariance = (GLOBAL_NOISE_SHARE**2 * global_covariance
                  + LOCAL_NOISE_SHARE**2 * _with_correlations_of(global_covariance,
                                                                 local_covariance))
    values = mixed + _gaussian_noise(covariance, n, rng)
    # the random numbers are drawn column after column, a few columns at a time (memory),
    # and the sorting work of those columns runs in threads
    for first in range(0, c, workers()):
        group = list(range(first, min(c, first + workers())))
        draws = [_column_draws(specs[j], n, rng) for j in group]

        def finish(position: int, group: list[int] = group,
                   draws: list[_ColumnDraws] = draws) -> None:
            j = group[position]
            values[:, j] = _finish_column(specs[j], values[:, j], draws[position])

        map_in_threads(finish, range(len(group)))
        if check is not None:
            check()
    return values


def _redraw_copies(
    drawn: IntArray,
    codes: IntArray,
    neighbours: IntArray,
    original_hashes: npt.NDArray[np.uint64],
    rng: np.random.Generator,
    max_rounds: int = 8,
) -> None:
    """In place: a drawn profile equal to some original's gets one random variable redrawn
    among the values its neighbours hold that differ, up to ``max_rounds`` times."""
    no_continuous = np.zeros((len(drawn), 0))
    for _ in range(max_rounds):
        copies = np.flatnonzero(is_member(row_hashes(no_continuous, drawn), original_hashes))
        if not len(copies):
            return
        rows = np.arange(len(copies))
        columns = rng.integers(0, drawn.shape[1], len(copies))
        candidates = codes[neighbours[copies], columns[:, None]]
        differs = candidates != drawn[copies, columns][:, None]
        chosen = np.where(differs, rng.random(candidates.shape), -1.0).argmax(axis=1)
        movable = differs[rows, chosen]
        drawn[copies[movable], columns[movable]] = candidates[rows, chosen][movable]


def draw_categories(
    codes: IntArray,
    indices: IntArray,
    weights: FloatArray,
    specs: list[CategoricalSpec],
    rng: np.random.Generator,
    *,
    avoid_copies_of_originals: bool,
    check: Callable[[], None] | None = None,
) -> IntArray:
    """Categorical values of the avatars: those of one of the individual's neighbours
    (drawn with probability proportional to w_ij^2) for all the categorical variables.

    Args:
        codes: n x q imputed modality codes of the originals (projection codes).
        indices: n x k neighbours of each individual.
        weights: n x k weights of those neighbours.
        specs: the categorical columns (reduced modalities are expanded back).
        rng: the run's random generator.
        avoid_copies_of_originals: redraw variables of avatars whose categorical profile
            equals an original's (used when no continuous variable can be nudged).
        check: cancellation check.

    Returns:
        n x q modality codes (full codes, not reduced).

    Example:
        >>> draw_categories(np.array([[0], [1], [1]]), np.array([[1], [0], [1]]),
        ...                 np.ones((3, 1)), [], np.random.default_rng(0),
        ...                 avoid_copies_of_originals=False).shape
        (3, 0)
    """
    n = indices.shape[0]
    if not specs:
        return np.empty((n, 0), dtype=np.int64)
    original_hashes = (sorted_unique(row_hashes(np.zeros((len(codes), 0)), codes))
                       if avoid_copies_of_originals else np.empty(0, dtype=np.uint64))
    drawn_all = np.empty((n, len(specs)), dtype=np.int64)
    for start in range(0, n, _CHUNK_ROWS):
        rows = slice(start, min(n, start + _CHUNK_ROWS))
        neighbours = indices[rows]
        cumulative = cumulative_by_position(weights[rows] ** CATEGORY_WEIGHT_POWER)
        # one neighbour gives all the categorical values of an avatar: the relations between
        # categorical variables are those of a real profile, however spread the weights are
        position = draw_from_cumulative(cumulative, rng)
        drawn_all[rows] = codes[np.take_along_axis(neighbours, position[:, None], 1)[:, 0]]
        if check is not None:
            check()
    # each modality as frequent as in the originals (the draw keeps it only on average); the
    # calibration only ranks the weights, so w_ij ranks as w_ij^2 without an n x k square
    drawn_all = calibrate_categories(
        drawn_all, codes, indices, weights,
        [j for j, spec in enumerate(specs) if spec.indicator_of is None], rng, in_place=True)
    reduced = any(spec.reduced_codes is not None for spec in specs)
    for start in range(0, n, _CHUNK_ROWS):
        rows = slice(start, min(n, start + _CHUNK_ROWS))
        drawn = drawn_all[rows]
        if avoid_copies_of_originals:
            _redraw_copies(drawn, codes, indices[rows], original_hashes, rng)
        if reduced:
            for j, spec in enumerate(specs):
                drawn[:, j] = _expand_reduced(spec, drawn[:, j], rng)
    return drawn_all


def nudgeable_columns(specs: list[ContinuousSpec]) -> list[int]:
    """Continuous columns that ``avoid_copies`` may move: at least 3 distinct values."""
    return [
        j for j, spec in enumerate(specs)
        if spec.maximum > spec.minimum and (spec.support is None or len(spec.support) >= 3)
    ]


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
    max_rounds: int = 32,
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
    candidates = nudgeable_columns(specs)
    if not candidates:
        return 0
    masks: list[tuple[str, int] | None] = [None]
    masks += [("c", j) for j, spec in enumerate(specs) if j not in candidates]
    masks += [("q", j) for j, spec in enumerate(codec.categorical_specs)
              if spec.indicator_of is None]
    # a copy always matches an original on the nudgeable columns: a cheap first filter
    core_original = sorted_unique(row_hashes(original[0][:, candidates], original[1][:, :0]))
    original_hashes: list[npt.NDArray[np.uint64]] = []
    nudges = 0
    for _ in range(max_rounds):
        core = row_hashes(codec.with_missing(continuous[:, candidates], codes, candidates)[0],
                          codes[:, :0])
        suspects = np.flatnonzero(is_member(core, core_original))
        if not len(suspects):
            break
        if not original_hashes:
            original_hashes = [sorted_unique(row_hashes(*_masked(*original, mask)))
                               for mask in masks]
        subset = codec.with_missing(continuous[suspects], codes[suspects])
        copied_subset = np.zeros(len(suspects), dtype=bool)
        for mask, hashes in zip(masks, original_hashes, strict=True):
            copied_subset |= is_member(row_hashes(*_masked(*subset, mask)), hashes)
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
