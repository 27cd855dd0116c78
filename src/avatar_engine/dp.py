"""Differentially private avatars: synthetic records drawn from OpenDP-protected marginals.

Guarantee of :func:`dp_avatarize` with ``fast=False`` (``avatarization_open_dp``): the released
table is ``epsilon``-differentially private (pure DP, OpenDP's discrete Laplace mechanism)
with respect to adding or removing one record of the input table. What is protected: the
presence and every value of each record. Treated as public (not protected): the column names
and types, the set of categories of each categorical column, and the parameters (``epsilon``,
``preprocess_budget_ratio``, ``bins``, ``seed``, the declared ``anchor`` and ``bounds``). The
budget is spent in three steps only:

1. ``preprocess_budget_ratio * epsilon``: the bounds of each continuous column whose bounds
   are not declared (``bounds``: public knowledge, no budget), from a noisy histogram (OpenDP
   count-by-categories + discrete Laplace) over public power-of-two buckets; split equally
   over those columns (none left: the whole ``epsilon`` goes to steps 2 and 3). Values outside
   declared bounds are clipped to them.
2. only when no ``anchor`` is declared and the table has two categorical columns or more:
   ``anchor_budget_ratio`` of the rest chooses the *anchor* (the column whose relations with
   every other column are kept) by OpenDP's noisy max (report-noisy-max, Gumbel noise) over
   the categorical columns, each scored by how much better it predicts the bins of the other
   columns than their mode does (up to a term common to all: ``max_b n_A(b)`` plus the sum
   over the other columns ``B`` of ``sum_a max_b n(A = a, B = b)``; one record moves each term
   by 0 or 1 the same way, so the scores are monotonic with sensitivity the number of
   columns). A declared ``anchor`` (the class or target of the table, typically)
   is public and spends nothing; with fewer than two categorical columns the anchor is the
   categorical column, else the first column, from the types only.
3. the rest: one noisy contingency table per column crossed with the anchor, by OpenDP's
   count-by-categories + discrete Laplace; split equally over the tables (a record adds 1 to
   one cell of each table).

No other step reads the data. Everything after is post-processing and consumes no budget: the
bounds are the outer edges of the heaviest run of buckets above one noise scale; a continuous
column's bins follow the power-of-two buckets inside its bounds when they span 3 or more
(linear bins otherwise); the number of records of each anchor category is the mean of its
noisy row totals over the tables; each row of a table is lowered by one amount and cut at zero
so that it sums to that number (the noise of empty cells mostly falls to zero); the anchor is
drawn from its noisy marginal, each other column from its noisy distribution given the anchor,
and a value uniformly in its bin. Missing values form their own bin.

DP noise comes from OpenDP's own secure random generator and is never seeded, on purpose: a
seeded noise could be replayed and subtracted from the output. ``seed`` only seeds the draws
that follow the noise, so two runs with the same seed still differ.

``fast=True`` (``avatarization_fast_dp``) is an approximate variant: the bounds of continuous
columns are read from the data (``bounds_percentile`` and ``100 - bounds_percentile``
percentiles) without noise, so step 1 is not protected; the whole ``epsilon`` goes to step 2.
The counts are ``epsilon``-DP given the bounds, but the table as a whole is not DP.

Example:
    >>> import pandas as pd
    >>> data = pd.DataFrame({"age": list(range(20, 80)) * 5, "sick": ["y", "n"] * 150})
    >>> out = dp_avatarize(data, DpParameters(epsilon=1.0, seed=0))
    >>> list(out.shuffled.columns), out.metadata["dp"]["guarantee"]
    (['age', 'sick'], 'epsilon-DP')
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from avatar_engine.avatarization import AvatarizationResult, projection_columns
from avatar_engine.errors import InvalidDataError, InvalidParameterError
from avatar_engine.metrics._common import build_space
from avatar_engine.types import ColumnType, infer_types

__all__ = ["DpParameters", "bound_buckets", "dp_avatarize"]

_CONTINUOUS = {ColumnType.INT, ColumnType.FLOAT, ColumnType.DATETIME, ColumnType.DATETIME_TZ}
_MISSING = "__missing__"
def _norm_sub(noisy: np.ndarray, total: float) -> np.ndarray:
    """Noisy counts made non-negative with the given total (post-processing, no budget).

    The counts are lowered by the same amount and cut at zero, that amount chosen so that they
    sum to ``total`` (the noisy cells of empty bins mostly fall to zero); counts already summing
    to less are only cut at zero.
    """
    positive = np.clip(noisy, 0, None)
    if positive.sum() <= total or total <= 0:
        return positive
    lo, hi = 0.0, float(noisy.max())
    for _ in range(60):
        mid = (lo + hi) / 2
        if np.clip(noisy - mid, 0, None).sum() > total:
            lo = mid
        else:
            hi = mid
    return np.clip(noisy - hi, 0, None)


@dataclass(frozen=True)
class DpParameters:
    """Parameters of a differentially private avatarization (see the module docstring).

    Attributes:
        epsilon: the privacy budget of the whole table (> 0).
        preprocess_budget_ratio: share of ``epsilon`` spent on the bounds of continuous
            columns (``fast=False`` only), in ]0, 1[.
        bins: bins of a continuous column (an integer column with fewer distinct possible
            values gets one bin per value).
        fast: the approximate variant (bounds read from the data, see the module docstring).
        bounds_percentile: percentile of the bounds of the fast variant, in [0, 50[.
        ncp: components of the projections written with the result (figures, metrics).
        seed: seed of the draws after the noise (None: fresh randomness); OpenDP's noise
            comes from its own secure generator and is never seeded, on purpose.
        anchor: the column whose relations with every other column are kept (the class or
            target, typically); public, no budget. None: chosen with ``anchor_budget_ratio``
            of the budget among the categorical columns (see the module docstring).
        anchor_budget_ratio: share of the budget left after the bounds spent on choosing the
            anchor when none is declared, in ]0, 1[.
        bounds: ``{column: (low, high)}`` of numeric or datetime columns (datetimes as
            seconds since 1970), public knowledge: no budget is spent on them, values outside
            are clipped.

    Example:
        >>> DpParameters(epsilon=1.0).preprocess_budget_ratio
        0.3
    """

    epsilon: float
    preprocess_budget_ratio: float = 0.3
    bins: int = 10
    fast: bool = False
    bounds_percentile: float = 1.0
    ncp: int = 5
    seed: int | None = None
    anchor: str | None = None
    anchor_budget_ratio: float = 0.1
    bounds: Mapping[str, tuple[float, float]] | None = None

    def __post_init__(self) -> None:
        if not (isinstance(self.epsilon, int | float) and math.isfinite(self.epsilon)
                and self.epsilon > 0):
            raise InvalidParameterError("epsilon", f"epsilon must be > 0, got {self.epsilon!r}.")
        if not 0 < self.preprocess_budget_ratio < 1:
            raise InvalidParameterError(
                "preprocess_budget_ratio",
                f"preprocess_budget_ratio must be in ]0, 1[, got {self.preprocess_budget_ratio}.",
            )
        if not 2 <= int(self.bins) <= 1000:
            raise InvalidParameterError("bins", f"bins must be in [2, 1000], got {self.bins}.")
        if not 0 < self.anchor_budget_ratio < 1:
            raise InvalidParameterError(
                "anchor_budget_ratio",
                f"anchor_budget_ratio must be in ]0, 1[, got {self.anchor_budget_ratio}.",
            )
        for name, pair in (self.bounds or {}).items():
            if not (len(pair) == 2 and all(isinstance(v, int | float) and math.isfinite(v)
                                           for v in pair) and pair[0] < pair[1]):
                raise InvalidParameterError(
                    "bounds", f"bounds of {name!r} must be two finite numbers (low < high), "
                    f"got {pair!r}.")
        if not 0 <= self.bounds_percentile < 50:
            raise InvalidParameterError(
                "bounds_percentile",
                f"bounds_percentile must be in [0, 50[, got {self.bounds_percentile}.",
            )


def bound_buckets() -> list[tuple[float, float]]:
    """The public buckets of the bounds: ``[2^k, 2^(k+1))`` and their negatives, and zero.

    Example:
        >>> buckets = bound_buckets()
        >>> (0.0, 0.0) in buckets and (1.0, 2.0) in buckets and (-2.0, -1.0) in buckets
        True
    """
    powers = [2.0**k for k in range(-10, 41)]
    positive = [(low, 2 * low) for low in powers]
    return [(-high, -low) for low, high in reversed(positive)] + [(0.0, 0.0)] + positive


# --------------------------------------------------------------------------- OpenDP steps


def _dp() -> Any:
    import opendp.prelude as dp  # imported here: only DP runs pay for it

    dp.enable_features("contrib")
    return dp


def _noisy_counts(keys: list[str], categories: list[str], epsilon: float) -> np.ndarray:
    """Counts of each category among ``keys`` with discrete Laplace noise, ``epsilon``-DP."""
    dp = _dp()
    space = (dp.vector_domain(dp.atom_domain(T=str)), dp.symmetric_distance())
    counting = dp.t.make_count_by_categories(*space, categories=categories, null_category=True)
    measurement = counting >> dp.m.then_laplace(scale=1.0 / epsilon)
    assert measurement.map(1) <= epsilon * (1 + 1e-9)
    noisy = np.asarray(measurement(keys), dtype=float)
    return noisy[: len(categories)]  # the last count is the (empty) "other" category


# --------------------------------------------------------------------------- binning


@dataclass
class _Column:
    name: str
    ctype: ColumnType
    labels: list[Any]  # one per bin (categories, or (low, high) for continuous bins)
    integer: bool = False

    def n_bins(self) -> int:
        return len(self.labels) + 1  # + missing


def _numeric(series: pd.Series, ctype: ColumnType) -> np.ndarray:
    if ctype in (ColumnType.DATETIME, ColumnType.DATETIME_TZ):
        moments = pd.to_datetime(series, errors="coerce", utc=ctype is ColumnType.DATETIME_TZ)
        seconds = (moments - pd.Timestamp(0, tz=moments.dt.tz)).dt.total_seconds()
        return seconds.to_numpy(dtype=float)
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)


def _bucket_of(value: float, buckets: list[tuple[float, float]]) -> int:
    if value == 0:
        return buckets.index((0.0, 0.0))
    magnitude = min(max(math.floor(math.log2(abs(value))), -10), 40)
    index = magnitude + 10
    zero = len(buckets) // 2
    return zero + 1 + index if value > 0 else zero - 1 - index


def _private_bounds(present: np.ndarray, epsilon: float) -> tuple[float, float]:
    """Bounds from a noisy histogram over the public power-of-two buckets, ``epsilon``-DP.

    A bucket passes when its noisy count is above ``1 / epsilon`` (an empty bucket passes with
    probability ``e^-1 / 2``, about 18 %); the range is the run of passing buckets (one failing
    bucket may sit inside) of largest noisy total, so that a lone empty bucket whose noise
    happens to be large does not become the range; the bounds are its outer edges.
    """
    buckets = bound_buckets()
    keys = [str(_bucket_of(float(v), buckets)) for v in present]
    noisy = _noisy_counts(keys, [str(i) for i in range(len(buckets))], epsilon)
    first, last = _heaviest_run(noisy, 1.0 / epsilon)
    return buckets[first][0], buckets[last][1]


def _heaviest_run(noisy: np.ndarray, threshold: float, window: int = 4) -> tuple[int, int]:
    """First and last bucket of the run of passing buckets (noisy count above ``threshold``)
    of largest excess (sum of the passing counts minus the threshold each) among the runs that
    meet the ``window`` consecutive buckets of largest noisy total.

    A run may skip one failing bucket. The window holds most records, so that a few empty
    buckets whose noise happens to be large, far from the data, do not become the range; the
    bucket of largest noisy count of the window when no bucket of it passes.
    """
    window = min(window, len(noisy))
    sums = np.convolve(noisy, np.ones(window), mode="valid")
    low = int(np.argmax(sums))
    high = low + window - 1
    best = (low + int(np.argmax(noisy[low: high + 1])),) * 2
    best_total = -math.inf
    excess = np.clip(noisy - threshold, 0, None)
    index = np.flatnonzero(excess > 0)
    if not len(index):
        return best
    start = prev = int(index[0])
    for i in [*index[1:].tolist(), None]:
        if i is not None and i - prev <= 2:
            prev = i
            continue
        total = float(excess[start: prev + 1].sum())
        if total > best_total and start <= high and prev >= low:
            best, best_total = (start, prev), total
        if i is not None:
            start = prev = i
    return best


def _bounds(values: np.ndarray, parameters: DpParameters, epsilon_each: float
            ) -> tuple[float, float]:
    present = values[~np.isnan(values)]
    if parameters.fast:
        if not len(present):
            return 0.0, 1.0
        p = parameters.bounds_percentile
        low, high = np.percentile(present, [p, 100 - p])
    else:
        low, high = _private_bounds(present, epsilon_each)
    low, high = float(min(low, high)), float(max(low, high))
    return (low, high) if high > low else (low, low + 1.0)


def _continuous_column(name: str, ctype: ColumnType, low: float, high: float, bins: int,
                       closed: bool = False) -> _Column:
    """The bins of a continuous column within ``[low, high]`` (``closed``: an integer column
    can take ``high``, as with declared bounds)."""
    log_edges = _log_edges(low, high, bins)
    if log_edges is not None:
        column = _edges_column(name, ctype, log_edges, closed)
        if len(column.labels) >= 2:
            return column
    if ctype is ColumnType.INT:
        low, high = math.floor(low), math.ceil(high)
        if high - low + 1 <= bins:
            return _Column(name, ctype, [(v, v) for v in range(low, high + 1)], integer=True)
        edges = np.linspace(low, high, bins + 1)
        return _Column(name, ctype, list(itertools.pairwise(edges)), integer=True)
    edges = np.linspace(low, high, bins + 1)
    return _Column(name, ctype, list(itertools.pairwise(edges)))


def _log_edges(low: float, high: float, bins: int) -> list[float] | None:
    """Bin edges on the public power-of-two buckets of ``[low, high]`` when the range is on one
    side of zero and spans 3 buckets or more (else None): each bucket is cut in
    ``bins // buckets`` equal parts, or, past ``bins`` buckets, neighbouring buckets are merged.

    A skewed column (most values small, a long tail) keeps its small values apart, and a range
    one bucket too wide costs one empty bin rather than halving the width of every bin.
    """
    spanned = [b for b in bound_buckets() if b[0] >= low and b[1] <= high and b[1] > b[0]]
    if len(spanned) < 3 or low < 0 < high:
        return None
    edges: set[float] = {low, high}
    if len(spanned) > bins:
        group = math.ceil(len(spanned) / bins)
        edges.update(b[0] for b in spanned[::group])
        return sorted(edges)
    split = max(1, bins // len(spanned))
    for a, b in spanned:
        edges.update(np.linspace(a, b, split + 1).tolist())
    return sorted(edges)


def _edges_column(name: str, ctype: ColumnType, edges: list[float], closed: bool = False
                  ) -> _Column:
    """The bins between consecutive edges; an integer bin holds the integers of ``[a, b)``
    (of ``[a, b]`` for the last one when ``closed``)."""
    if ctype is ColumnType.INT:
        labels = []
        for a, b in itertools.pairwise(edges):
            first, last = math.ceil(a), math.ceil(b) - 1
            if closed and b == edges[-1]:
                last = math.floor(b)
            if last >= first:
                labels.append((first - 0.5, last + 0.5))
        return _Column(name, ctype, labels, integer=True)
    return _Column(name, ctype, list(itertools.pairwise(edges)))


def _bin_codes(series: pd.Series, column: _Column) -> np.ndarray:
    """Bin index of each value (the last index is "missing")."""
    missing = column.n_bins() - 1
    if column.ctype not in _CONTINUOUS:
        position = {str(v): i for i, v in enumerate(column.labels)}
        return np.array(
            [missing if pd.isna(v) else position.get(str(v), missing) for v in series],
            dtype=np.int64,
        )
    values = _numeric(series, column.ctype)
    lows = np.array([b[0] for b in column.labels], dtype=float)
    highs = np.array([b[1] for b in column.labels], dtype=float)
    clipped = np.clip(values, lows[0], highs[-1])
    if column.integer and all(lo == hi for lo, hi in column.labels):
        codes = np.rint(clipped - lows[0]).astype(np.int64, copy=False) if len(values) else (
            np.zeros(0, np.int64))
    else:
        codes = np.searchsorted(highs, clipped, side="left")
    codes = np.clip(codes, 0, len(lows) - 1)
    return np.where(np.isnan(values), missing, codes).astype(np.int64)


def _anchor_scores(columns: list[_Column], codes: list[np.ndarray], candidates: list[int]
                   ) -> list[float]:
    """Score of each candidate anchor ``A``: ``max_b n_A(b)`` plus, over the other columns
    ``B``, ``sum_a max_b n(A = a, B = b)``.

    That is, up to a term common to all candidates, the records whose bin of ``B`` the mode of
    ``B`` within their category of ``A`` predicts beyond those the mode of ``B`` predicts,
    summed over ``B``. Each part grows by 0 or 1 when one record is added (and falls by 0 or 1
    when one is removed), so the scores are monotonic and move by at most ``len(columns)``.
    """
    scores = []
    for a in candidates:
        total = int(np.bincount(codes[a], minlength=columns[a].n_bins()).max())
        for i in range(len(columns)):
            if i == a:
                continue
            table = np.zeros((columns[a].n_bins(), columns[i].n_bins()), dtype=np.int64)
            np.add.at(table, (codes[a], codes[i]), 1)
            total += int(table.max(axis=1).sum())
        scores.append(float(total))
    return scores


def _noisy_argmax(scores: list[float], sensitivity: float, epsilon: float) -> int:
    """OpenDP's report-noisy-max (Gumbel noise) of monotonic scores moving by at most
    ``sensitivity``, ``epsilon``-DP."""
    dp = _dp()
    space = (dp.vector_domain(dp.atom_domain(T=float, nan=False)),
             dp.linf_distance(T=float, monotonic=True))
    measurement = dp.m.make_noisy_max(*space, dp.max_divergence(), scale=sensitivity / epsilon)
    assert measurement.map(sensitivity) <= epsilon * (1 + 1e-9)
    return int(measurement(scores))


def _anchor(columns: list[_Column], codes: list[np.ndarray], parameters: DpParameters,
            epsilon: float) -> tuple[int, float]:
    """Index of the anchor and the budget spent choosing it (see the module docstring)."""
    names = [c.name for c in columns]
    if parameters.anchor is not None:
        if parameters.anchor not in names:
            raise InvalidParameterError(
                "anchor", f"anchor {parameters.anchor!r} is not a column of the table; "
                f"expected one of {names}.")
        return names.index(parameters.anchor), 0.0
    categorical = [i for i, c in enumerate(columns) if c.ctype not in _CONTINUOUS]
    if len(categorical) < 2 or len(columns) < 2:
        return (categorical[0] if categorical else 0), 0.0
    spent = parameters.anchor_budget_ratio * epsilon
    scores = _anchor_scores(columns, codes, categorical)
    return categorical[_noisy_argmax(scores, float(len(columns)), spent)], spent


# --------------------------------------------------------------------------- drawing


def _draw_values(column: _Column, codes: np.ndarray, template: pd.Series,
                 rng: np.random.Generator) -> pd.Series:
    missing = codes == column.n_bins() - 1
    if column.ctype not in _CONTINUOUS:
        labels = np.array([*column.labels, None], dtype=object)
        out = pd.Series(labels[codes], dtype=object)
        if column.ctype is ColumnType.BOOL:
            return out.map(lambda v: None if v is None else str(v) == "True").astype("boolean")
        if isinstance(template.dtype, pd.CategoricalDtype):
            return pd.Series(pd.Categorical(out, categories=template.cat.categories))
        return out
    safe = np.where(missing, 0, codes)
    lows = np.array([b[0] for b in column.labels], dtype=float)[safe]
    highs = np.array([b[1] for b in column.labels], dtype=float)[safe]
    if column.integer:
        values = np.floor(rng.uniform(np.ceil(lows), np.floor(highs) + 1)).astype(float)
        values = np.minimum(values, np.floor(highs))
    else:
        values = rng.uniform(lows, highs)
    values = np.where(missing, np.nan, values)
    if column.ctype in (ColumnType.DATETIME, ColumnType.DATETIME_TZ):
        moments = pd.to_datetime(values, unit="s", utc=True)
        if column.ctype is ColumnType.DATETIME:
            moments = moments.tz_localize(None)
        elif (zone := getattr(template.dtype, "tz", None)) is not None:
            moments = moments.tz_convert(zone)
        return pd.Series(moments)
    if column.integer:
        return pd.Series(values).astype("Int64" if missing.any() else "int64")
    return pd.Series(values)


def _check_declared(declared: Mapping[str, tuple[float, float]],
                    column_types: Mapping[str, ColumnType]) -> None:
    for name in declared:
        if name not in column_types:
            raise InvalidParameterError(
                "bounds", f"bounds given for {name!r}, which is not a column of the table; "
                f"expected some of {sorted(column_types)}.")
        if column_types[name] not in _CONTINUOUS:
            raise InvalidParameterError(
                "bounds", f"bounds given for {name!r}, a {column_types[name]} column: bounds "
                "go with numeric or datetime columns only.")


def dp_avatarize(
    data: pd.DataFrame,
    parameters: DpParameters,
    types: Mapping[str, ColumnType] | None = None,
) -> AvatarizationResult:
    """Differentially private synthetic records with the columns of ``data``.

    Args:
        data: the table (identifier columns already removed).
        parameters: epsilon, budget split, bins, variant.
        types: column type overrides (otherwise inferred).

    Returns:
        The synthetic records as both ``shuffled`` and ``unshuffled`` (they are not paired with
        the originals), projections of both tables and metadata (``metadata["dp"]``: the
        guarantee, epsilon and the budget of each step).

    Raises:
        InvalidDataError: an empty table.

    Example:
        >>> data = pd.DataFrame({"x": [1.0, 2.0, 3.0] * 40, "c": ["a", "b", "b"] * 40})
        >>> dp_avatarize(data, DpParameters(epsilon=2.0, seed=1)).metadata["dp"]["epsilon"]
        2.0
    """
    started = time.perf_counter()
    if data.empty or data.shape[1] == 0:
        raise InvalidDataError("Differential privacy needs a table with rows and columns.")
    column_types = infer_types(data, {str(k): v for k, v in (types or {}).items()})
    rng = np.random.default_rng(parameters.seed)
    declared = {str(k): (float(v[0]), float(v[1])) for k, v in (parameters.bounds or {}).items()}
    _check_declared(declared, column_types)
    continuous = [c for c in data.columns
                  if column_types[str(c)] in _CONTINUOUS and str(c) not in declared]
    pre_epsilon = 0.0 if parameters.fast or not continuous else (
        parameters.preprocess_budget_ratio * parameters.epsilon)
    main_epsilon = parameters.epsilon - pre_epsilon
    each_bound = pre_epsilon / len(continuous) if continuous else 0.0
    columns: list[_Column] = []
    for name in data.columns:
        ctype = column_types[str(name)]
        if ctype in _CONTINUOUS:
            low, high = declared.get(str(name)) or _bounds(
                _numeric(data[name], ctype), parameters, each_bound)
            columns.append(_continuous_column(str(name), ctype, low, high, int(parameters.bins),
                                              closed=str(name) in declared))
        else:
            present = data[name].dropna()
            if isinstance(data[name].dtype, pd.CategoricalDtype):
                labels = list(data[name].cat.categories)
            else:
                labels = sorted(pd.unique(present.astype(str)).tolist())
            columns.append(_Column(str(name), ctype, labels))
    codes = [_bin_codes(data[c.name], c) for c in columns]
    anchor, anchor_epsilon = _anchor(columns, codes, parameters, main_epsilon)
    main_epsilon -= anchor_epsilon
    others = [i for i in range(len(columns)) if i != anchor]
    per_table = main_epsilon / max(1, len(others))
    a_bins = columns[anchor].n_bins()
    joint: dict[int, np.ndarray] = {}
    floor = 1.0 / per_table  # cells below one noise scale are taken as empty
    if not others:
        keys = [str(v) for v in codes[anchor]]
        noisy = _noisy_counts(keys, [str(i) for i in range(a_bins)], per_table)
        anchor_counts = np.where(noisy > floor, noisy, 0.0)
    else:
        totals = []
        for i in others:
            c_bins = columns[i].n_bins()
            keys = [f"{a}|{b}" for a, b in zip(codes[anchor], codes[i], strict=True)]
            categories = [f"{a}|{b}" for a in range(a_bins) for b in range(c_bins)]
            noisy = _noisy_counts(keys, categories, per_table).reshape(a_bins, c_bins)
            totals.append(noisy.sum(axis=1))  # unbiased row totals
            joint[i] = noisy
        anchor_counts = np.clip(np.mean(totals, axis=0), 0, None)
        anchor_counts = np.where(anchor_counts > floor, anchor_counts, 0.0)
        for i in others:  # each row to the anchor's count (post-processing)
            joint[i] = np.stack([_norm_sub(joint[i][a], anchor_counts[a]) for a in range(a_bins)])
    n_out = max(1, round(float(anchor_counts.sum())))
    anchor_p = anchor_counts / anchor_counts.sum() if anchor_counts.sum() > 0 else (
        np.full(a_bins, 1.0 / a_bins))
    drawn: dict[int, np.ndarray] = {anchor: rng.choice(a_bins, size=n_out, p=anchor_p)}
    for i in others:
        table = joint[i]
        out = np.empty(n_out, dtype=np.int64)
        for a in range(a_bins):
            rows = np.flatnonzero(drawn[anchor] == a)
            if not len(rows):
                continue
            weights = table[a] if table[a].sum() > 0 else table.sum(axis=0)
            if weights.sum() <= 0:
                weights = np.ones(table.shape[1])
            out[rows] = rng.choice(table.shape[1], size=len(rows), p=weights / weights.sum())
        drawn[i] = out
    synthetic = pd.DataFrame(
        {c.name: _draw_values(c, drawn[i], data[c.name], rng) for i, c in enumerate(columns)}
    )
    synthetic.columns = data.columns
    ncp = max(1, min(int(parameters.ncp), data.shape[1] * 2, len(data) - 1))
    space = build_space(data, synthetic, column_types, ncp=ncp)
    dims = projection_columns(space.original_coords.shape[1])  # type: ignore[union-attr]
    budget = {
        "bounds_of_continuous_columns": pre_epsilon,
        "choice_of_anchor": anchor_epsilon,
        "contingency_tables_with_anchor": main_epsilon,
    }
    metadata = {
        "method": "dp_fast" if parameters.fast else "dp_open",
        "parameters": {
            "open_dp_epsilon" if not parameters.fast else "fast_dp_epsilon": parameters.epsilon,
            **({} if parameters.fast else
               {"preprocess_budget_ratio": parameters.preprocess_budget_ratio}),
            "bins": int(parameters.bins),
            "seed": parameters.seed,
        },
        "dp": {
            "guarantee": "approximate" if parameters.fast else "epsilon-DP",
            "epsilon": float(parameters.epsilon),
            "neighbouring": "one record added or removed",
            "protected": "presence and every value of each record",
            "public": "column names and types, categories of categorical columns, parameters "
                      "(declared anchor and bounds included)",
            "budget": budget,
            "anchor_column": columns[anchor].name,
            "anchor_chosen_by": "declared" if parameters.anchor is not None else (
                "noisy max" if anchor_epsilon else "column types"),
            "declared_bounds": {k: list(v) for k, v in declared.items()},
            "unprotected_steps": ["bounds of continuous columns (read from the data)"]
            if parameters.fast else [],
            "records": n_out,
        },
        "types": {str(k): str(v) for k, v in column_types.items()},
        "paired": False,
        "n_rows": len(data),
        "duration_seconds": time.perf_counter() - started,
        "dp_parameters": asdict(parameters),
    }
    return AvatarizationResult(
        shuffled=synthetic,
        unshuffled=synthetic.copy(),
        original_projections=pd.DataFrame(space.original_coords, columns=dims),
        avatar_projections=pd.DataFrame(space.avatar_coords, columns=dims),
        metadata=metadata,
    )
