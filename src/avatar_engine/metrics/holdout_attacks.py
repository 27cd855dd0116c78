"""Attacks judged against a control set: the three WP29 criteria and memorisation.

The attacker holds the avatars of a *training* part of the originals. The same attack is run
against those training rows and against *control* rows (originals the avatarization did not
see). Whatever the attacker achieves on the control rows comes from what the avatars say
about the population; only the excess over it is a risk to the training individuals:
``risk = (rate_train - rate_control) / (1 - rate_control)``, each rate estimated with a Wilson
score interval and the error propagated (Giomi et al., "A Unified Framework for Quantifying
Privacy Risk in Synthetic Data", PoPETs 2023; the method of anonymeter).

- Singling out: predicates of 3 attributes built from avatars, each true for exactly one
  avatar; success when the predicate is true for exactly one original. The training rows
  (and, when paired, their avatars) are sampled to the control set's size: anonymeter's
  fitted size correction stays near 1 below 1000 control rows, so a larger training set
  shows a risk of 0.1-0.25 even for fresh rows of the population.
- Linkability: the attacker holds two tables of the same people with disjoint columns; a
  person is linked when both halves have the same closest avatar.
- Inference: from the known columns, the closest avatar's secret column is the guess.
- DCR share: share of avatars closer to a training row than to a control row (50 % when
  nothing is memorised; the training rows are subsampled to the control's size).

Distances are Gower-like: numeric columns divided by their range, mismatching categories
count 1, summed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import sqrt
from statistics import NormalDist
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["DEFAULT_ATTACKS", "Risk", "holdout_attacks", "residual_risk", "wilson_rate"]

FloatArray = npt.NDArray[np.float64]

DEFAULT_ATTACKS = 500
"""Attacks per criterion (fewer when the control set is smaller)."""
REGRESSION_MIN_VALUES = 20
"""A numeric target with more distinct values is guessed within 5 %; otherwise exactly."""
_QUERY_COLUMNS = 3
_MAX_QUERY_ATTEMPTS = 20_000
_CHUNK = 4_000_000  # pairwise distances computed per block (floats)


@dataclass(frozen=True)
class Risk:
    """A residual risk with its confidence interval and the counts it comes from."""

    value: float
    low: float
    high: float
    n_attacks: int
    train_successes: float
    control_successes: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"value": round(self.value, 6), "ci_low": round(self.low, 6),
                "ci_high": round(self.high, 6), "n_attacks": self.n_attacks,
                "train_successes": round(float(self.train_successes), 6),
                "control_successes": round(float(self.control_successes), 6)}


def wilson_rate(n_total: int, n_success: float, confidence: float = 0.95
                ) -> tuple[float, float]:
    """Wilson score estimate of a success rate and its error bound.

    Example:
        >>> rate, error = wilson_rate(100, 50)
        >>> round(rate, 3), round(error, 3)
        (0.5, 0.096)
    """
    z = NormalDist().inv_cdf(0.5 * (1.0 + confidence))  # the standard library: no scipy.stats
    variance = n_success * (n_total - n_success) / n_total
    denominator = n_total + z * z
    rate = (n_success + 0.5 * z * z) / denominator
    error = (z / denominator) * sqrt(max(variance, 0.0) + 0.25 * z * z)
    return rate, error


def residual_risk(n_attacks: int, train_successes: float, control_successes: float,
                  confidence: float = 0.95) -> Risk:
    """Excess success on training rows over control rows, bounded to [0, 1].

    Example:
        >>> residual_risk(500, 250, 250).value
        0.0
    """
    train, train_error = wilson_rate(n_attacks, train_successes, confidence)
    control, control_error = wilson_rate(n_attacks, control_successes, confidence)
    value = (train - control) / (1.0 - control)
    error = sqrt((train_error / abs(1.0 - control)) ** 2
                 + (control_error * (train - 1.0) / (1.0 - control) ** 2) ** 2)

    def bound(x: float) -> float:
        return min(max(x, 0.0), 1.0)

    return Risk(bound(value), bound(value - error), bound(value + error), n_attacks,
                train_successes, control_successes)


# --------------------------------------------------------------------------- encoding


@dataclass
class _Encoded:
    values: FloatArray  # rows x columns: numeric values, or category codes
    numeric: npt.NDArray[np.bool_]  # per column


def _encode(frames: Sequence[pd.DataFrame], columns: Sequence[str]) -> list[_Encoded]:
    """Encode several tables alike (categories coded jointly, numbers kept)."""
    numeric = np.array([pd.api.types.is_numeric_dtype(frames[0][c].dtype)
                        and not pd.api.types.is_bool_dtype(frames[0][c].dtype)
                        for c in columns], dtype=bool)
    encoded = [np.empty((len(f), len(columns))) for f in frames]
    for j, column in enumerate(columns):
        if numeric[j]:
            for out, frame in zip(encoded, frames, strict=True):
                out[:, j] = pd.to_numeric(frame[column], errors="coerce").to_numpy(
                    dtype=float, na_value=np.nan)
            continue
        joined = pd.concat([f[column].astype("object") for f in frames], ignore_index=True)
        codes, _ = pd.factorize(joined.where(joined.notna(), None), use_na_sentinel=True)
        codes_f = np.where(codes < 0, np.nan, codes.astype(float))
        start = 0
        for out, frame in zip(encoded, frames, strict=True):
            out[:, j] = codes_f[start : start + len(frame)]
            start += len(frame)
    return [_Encoded(values, numeric) for values in encoded]


def _distinct(values: FloatArray) -> FloatArray:
    """The distinct rows of an encoded table (missing values equal), in first-seen order."""
    keys = np.nan_to_num(values, nan=np.inf)
    _, first = np.unique(keys, axis=0, return_index=True)
    return values[np.sort(first)]


def _scaled(tables: Sequence[_Encoded]) -> list[FloatArray]:
    """Numeric columns divided by their range over all the tables."""
    stacked = np.vstack([t.values for t in tables])
    with np.errstate(all="ignore"):
        ranges = np.nanmax(stacked, axis=0) - np.nanmin(stacked, axis=0)
    ranges = np.where(np.isfinite(ranges) & (ranges > 0), ranges, 1.0)
    scale = np.where(tables[0].numeric, ranges, 1.0)
    return [t.values / scale for t in tables]


def _distances(queries: FloatArray, candidates: FloatArray, numeric: npt.NDArray[np.bool_]
               ) -> FloatArray:
    """Gower-like distances (queries x candidates); a missing value on both sides counts 1,
    on one side counts as a full mismatch."""
    out = np.empty((len(queries), len(candidates)))
    step = max(1, _CHUNK // max(1, len(candidates) * queries.shape[1]))
    for start in range(0, len(queries), step):
        q = queries[start : start + step, None, :]
        diff = np.abs(q - candidates[None, :, :])
        diff = np.where(numeric, diff, (diff > 0).astype(float))
        diff = np.where(np.isnan(diff), 1.0, diff)
        out[start : start + step] = diff.sum(axis=2)
    return out


def _nearest(queries: FloatArray, candidates: FloatArray, numeric: npt.NDArray[np.bool_],
             rng: np.random.Generator) -> npt.NDArray[np.int64]:
    """Index of the closest candidate (ties broken at random, not by row order)."""
    d = _distances(queries, candidates, numeric)
    d = d + rng.random(d.shape) * 1e-9
    return np.asarray(d.argmin(axis=1), dtype=np.int64)


# --------------------------------------------------------------------------- attacks


def _singling_out(avatars: _Encoded, train: _Encoded, control: _Encoded, n_attacks: int,
                  rng: np.random.Generator) -> tuple[int, float, float]:
    """(queries found, successes on train, successes on control)."""
    data = avatars.values
    n, width = data.shape
    n_cols = min(_QUERY_COLUMNS, width)
    with np.errstate(all="ignore"):
        medians = np.nanmedian(data, axis=0) if n else np.zeros(width)
    seen: set[tuple[Any, ...]] = set()
    queries: list[tuple[npt.NDArray[np.int64], FloatArray, npt.NDArray[np.int8]]] = []
    attempts = 0
    while len(queries) < n_attacks and attempts < _MAX_QUERY_ATTEMPTS:
        batch = min(1000, _MAX_QUERY_ATTEMPTS - attempts)
        attempts += batch
        rows = rng.integers(0, n, batch)
        cols = np.array([np.sort(rng.choice(width, n_cols, replace=False))
                         for _ in range(batch)])
        values = data[rows[:, None], cols]
        # 0: equal (categories), 1: >= (above the median), 2: <= , 3: is missing
        ops = np.where(avatars.numeric[cols], np.where(values > medians[cols], 1, 2), 0)
        ops = np.where(np.isnan(values), 3, ops).astype(np.int8)
        counts = _count_matches(data, cols, values, ops)
        for i in np.flatnonzero(counts == 1):
            key = (tuple(cols[i]), tuple(ops[i]), tuple(np.nan_to_num(values[i], nan=-1e300)))
            if key not in seen:
                seen.add(key)
                queries.append((cols[i], values[i], ops[i]))
                if len(queries) >= n_attacks:
                    break
    if not queries:
        return 0, 0, 0
    cols = np.array([q[0] for q in queries])
    values = np.array([q[1] for q in queries])
    ops = np.array([q[2] for q in queries])
    on_train = int((_count_matches(train.values, cols, values, ops) == 1).sum())
    on_control = int((_count_matches(control.values, cols, values, ops) == 1).sum())
    return len(queries), on_train, float(on_control)


def _count_matches(data: FloatArray, cols: npt.NDArray[np.int64], values: FloatArray,
                   ops: npt.NDArray[np.int8]) -> npt.NDArray[np.int64]:
    """Per query, how many rows of ``data`` satisfy all its conditions."""
    counts = np.empty(len(cols), dtype=np.int64)
    step = max(1, _CHUNK // max(1, len(data) * cols.shape[1]))
    for start in range(0, len(cols), step):
        part = slice(start, start + step)
        c, v, o = cols[part], values[part], ops[part]
        x = data.T[c]  # queries x conditions x rows
        vv, oo = v[:, :, None], o[:, :, None]
        with np.errstate(invalid="ignore"):
            match = np.where(oo == 0, x == vv, np.where(oo == 1, x >= vv, np.where(
                oo == 2, x <= vv, np.isnan(x))))
        counts[start : start + step] = match.all(axis=1).sum(axis=1)
    return counts


def _linkability(avatars: FloatArray, targets: FloatArray, numeric: npt.NDArray[np.bool_],
                 halves: tuple[list[int], list[int]], rng: np.random.Generator) -> int:
    first, second = halves
    left = _nearest(targets[:, first], avatars[:, first], numeric[first], rng)
    right = _nearest(targets[:, second], avatars[:, second], numeric[second], rng)
    return int((left == right).sum())


def _inference(avatars: FloatArray, targets: FloatArray, numeric: npt.NDArray[np.bool_],
               known: list[int], secret: int, regression: bool, rng: np.random.Generator
               ) -> int:
    guessed = avatars[_nearest(targets[:, known], avatars[:, known], numeric[known], rng),
                      secret]
    truth = targets[:, secret]
    if regression:
        with np.errstate(all="ignore"):
            right = np.abs(guessed - truth) / (guessed + 1e-12) <= 0.05
    else:
        right = guessed == truth
    return int((right | (np.isnan(guessed) & np.isnan(truth))).sum())


def _dcr_share(avatars: FloatArray, train: FloatArray, control: FloatArray,
               numeric: npt.NDArray[np.bool_]) -> tuple[float, float, float]:
    """(share closer to train, avatars' median NNDR to train, control's median NNDR)."""
    to_train = _distances(avatars, train, numeric)
    to_control = _distances(avatars, control, numeric).min(axis=1)
    closest_train = to_train.min(axis=1)
    share = float(np.mean(np.where(closest_train < to_control, 1.0,
                                   np.where(closest_train == to_control, 0.5, 0.0))))

    def nndr(d: FloatArray) -> float:
        if d.shape[1] < 2:
            return float("nan")
        two = np.sort(np.partition(d, 1, axis=1)[:, :2], axis=1)
        ratio = np.divide(two[:, 0], two[:, 1], out=np.ones(len(d)), where=two[:, 1] > 0)
        return float(np.median(ratio))

    return share, nndr(to_train), nndr(_distances(control, train, numeric))


def holdout_attacks(
    train: pd.DataFrame,
    avatars: pd.DataFrame,
    control: pd.DataFrame,
    *,
    known_variables: Sequence[str] | None = None,
    target: str | None = None,
    n_attacks: int = DEFAULT_ATTACKS,
    paired: bool = False,
    seed: int = 0,
) -> dict[str, Any]:
    """Singling-out, linkability and inference risks (95 % CI) and DCR share.

    Args:
        train: the originals the avatars were made from.
        avatars: avatars of ``train`` (any order).
        control: originals of the same population that the avatarization did not see.
        known_variables: the attacker's auxiliary columns (default: every column but the
            target). For linkability they are split in two halves (alternate columns).
        target: the secret column of the inference attack (default: the last column).
        n_attacks: attacks per criterion, bounded by the control set's size.
        paired: row i of ``avatars`` is the avatar of row i of ``train``; singling out and
            the DCR share then use the avatars of the sampled training rows (else a sample
            of all avatars).
        seed: the attacks' random choices.

    Returns:
        {"singling_out": risk, "linkability": risk, "inference": risk, "dcr_share": %,
        "nndr": ..., "n_train": ..., "n_control": ...} (JSON-ready).

    Example:
        >>> rng = np.random.default_rng(0)
        >>> table = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
        >>> result = holdout_attacks(table[:100], table[:100], table[100:], n_attacks=50)
        >>> result["dcr_share"], result["inference"]["value"] > 0.5
        (100.0, True)
    """
    columns = [str(c) for c in train.columns]
    secret_name = target if target is not None else columns[-1]
    known_names = [str(c) for c in (known_variables or []) if str(c) != secret_name] or [
        c for c in columns if c != secret_name]
    rng = np.random.default_rng(seed)
    n = max(1, min(n_attacks, len(control), len(train)))
    enc_avatars, enc_train, enc_control = _encode([avatars, train, control], columns)
    scaled_avatars, scaled_train, scaled_control = _scaled([enc_avatars, enc_train, enc_control])
    numeric = enc_train.numeric
    train_rows = rng.choice(len(train), n, replace=False)
    control_rows = rng.choice(len(control), n, replace=False)

    # singling out on tables of one size: a predicate that isolates one avatar among n
    # isolates one row among n more often than among fewer rows, so comparing a training set
    # larger than the control set would count that as risk (even for a perfect generator).
    # Paired avatars: a sample of training rows of the control's size and their own avatars;
    # otherwise both sampled to that size. Distinct rows only, as published.
    so_rows = rng.choice(len(train), min(len(train), len(control)), replace=False)
    so_avatars = (enc_avatars.values[so_rows] if paired and len(avatars) == len(train) else
                  enc_avatars.values[rng.choice(len(avatars), min(len(avatars), len(control)),
                                                replace=False)])
    found, so_train, so_control = _singling_out(
        _Encoded(_distinct(so_avatars), numeric),
        _Encoded(_distinct(enc_train.values[so_rows]), numeric),
        _Encoded(_distinct(enc_control.values), numeric), n_attacks, rng)

    index = {c: j for j, c in enumerate(columns)}
    known = [index[c] for c in known_names]
    halves = (known[0::2], known[1::2])  # alternate columns: both halves mix kinds
    linkability: Risk | None = None
    if halves[0] and halves[1]:
        linkability = residual_risk(
            n, _linkability(scaled_avatars, scaled_train[train_rows], numeric, halves, rng),
            _linkability(scaled_avatars, scaled_control[control_rows], numeric, halves, rng))
    secret = index[secret_name]
    regression = bool(numeric[secret]) and (
        train[secret_name].nunique() > REGRESSION_MIN_VALUES)
    guess = (numeric, known, secret, regression, rng)
    inference = residual_risk(
        n, _inference(scaled_avatars, scaled_train[train_rows], *guess),
        _inference(scaled_avatars, scaled_control[control_rows], *guess))

    same_size = rng.choice(len(train), len(control), replace=len(control) > len(train))
    share, nndr_avatars, nndr_control = _dcr_share(
        scaled_avatars[same_size] if paired and len(avatars) == len(train) else scaled_avatars,
        scaled_train[same_size], scaled_control, numeric)
    return {
        "singling_out": residual_risk(n_attacks, so_train, so_control).as_dict()
        | {"queries_found": found},
        "linkability": None if linkability is None else linkability.as_dict()
        | {"halves": [[columns[j] for j in h] for h in halves]},
        "inference": inference.as_dict() | {"secret": secret_name, "known": known_names},
        "dcr_share": round(100.0 * share, 6),
        "dcr_n": len(control),
        "nndr": {"avatars": round(nndr_avatars, 6), "control": round(nndr_control, 6)},
        "n_train": len(train),
        "n_control": len(control),
    }
