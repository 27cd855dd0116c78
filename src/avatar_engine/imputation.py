"""Imputation of missing values before projection (they are put back after avatarization)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.spatial import cKDTree

from avatar_engine.encoding import TableCodec
from avatar_engine.neighbours import locality_order
from avatar_engine.projection import Famd
from avatar_engine.threads import row_chunks, run_chunks
from avatar_engine.types import ColumnType, infer_types

__all__ = ["ImputationMethod", "impute", "impute_table"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

KNN_MAX_PAIRS = 50_000_000
"""Above this many (row with missing value) x (donor) pairs, ``knn`` runs as ``fast_knn``."""
_FAST_KNN_COMPONENTS = 5
_QUERY_CHUNK_ROWS = 32_768


class ImputationMethod(StrEnum):
    """How missing values are filled before projection.

    ``knn``: mean (continuous) / most frequent (categorical) value of the k nearest donors in
    nan-Euclidean distance (scikit-learn's KNNImputer). ``fast_knn``: the same with donors
    searched by a KD-tree in a 5-component FAMD of the mean-filled data (scales to millions
    of rows).
    ``mode``/``median``/``mean``: per column (categorical columns always use the mode).
    """

    KNN = "knn"
    MODE = "mode"
    MEDIAN = "median"
    MEAN = "mean"
    FAST_KNN = "fast_knn"


@dataclass
class _Problem:
    continuous: FloatArray
    codes: IntArray
    n_modalities: Sequence[int]


def _column_fill(problem: _Problem, method: ImputationMethod) -> tuple[FloatArray, IntArray]:
    continuous = problem.continuous.copy()
    codes = problem.codes.copy()
    for j in range(continuous.shape[1]):
        column = continuous[:, j]
        isna = np.isnan(column)
        if not isna.any():
            continue
        observed = column[~isna]
        if method is ImputationMethod.MEDIAN:
            value = float(np.median(observed))
        elif method is ImputationMethod.MODE:
            uniques, counts = np.unique(observed, return_counts=True)
            value = float(uniques[counts.argmax()])
        else:
            value = float(observed.mean())
        column[isna] = value
    for j, m in enumerate(problem.n_modalities):
        code_column = codes[:, j]
        missing = code_column < 0
        if missing.any():
            code_column[missing] = int(np.bincount(code_column[~missing], minlength=m).argmax())
    return continuous, codes


def _standardized(problem: _Problem, continuous: FloatArray) -> FloatArray:
    mean = np.nanmean(continuous, axis=0) if continuous.shape[1] else np.zeros(0)
    std = np.nanstd(continuous, axis=0) if continuous.shape[1] else np.zeros(0)
    std = np.where(std > 0, std, 1.0)
    blocks = [(continuous - mean) / std]
    for j, m in enumerate(problem.n_modalities):
        column = problem.codes[:, j]
        dummies = np.zeros((len(column), m))
        valid = column >= 0
        dummies[np.flatnonzero(valid), column[valid]] = 1 / np.sqrt(2)
        dummies[~valid] = np.nan
        blocks.append(dummies)
    return np.hstack(blocks)


def _donors(n: int, fraction: float, rng: np.random.Generator) -> IntArray:
    size = max(1, round(n * fraction))
    if size >= n:
        return np.arange(n)
    return np.sort(rng.choice(n, size=size, replace=False))


def _knn(problem: _Problem, k: int, donors: IntArray) -> tuple[FloatArray, IntArray]:
    matrix = _standardized(problem, problem.continuous)
    c = problem.continuous.shape[1]
    incomplete = np.flatnonzero(np.isnan(matrix).any(axis=1))
    from sklearn.impute import KNNImputer  # scikit-learn loads in 0.5 s: only when imputing

    imputer = KNNImputer(n_neighbors=min(k, len(donors)), keep_empty_features=True)
    imputer.fit(matrix[donors])
    filled = imputer.transform(matrix[incomplete])
    continuous = problem.continuous.copy()
    codes = problem.codes.copy()
    mean = np.nanmean(problem.continuous, axis=0)
    std = np.nanstd(problem.continuous, axis=0)
    std = np.where(std > 0, std, 1.0)
    for j in range(c):
        rows = incomplete[np.isnan(problem.continuous[incomplete, j])]
        continuous[rows, j] = filled[np.searchsorted(incomplete, rows), j] * std[j] + mean[j]
    offset = c
    for j, m in enumerate(problem.n_modalities):
        rows = incomplete[problem.codes[incomplete, j] < 0]
        block = filled[np.searchsorted(incomplete, rows), offset : offset + m]
        codes[rows, j] = block.argmax(axis=1)
        offset += m
    return continuous, codes


def _fill_from_neighbours(
    problem: _Problem, k: int, pending: IntArray, found: IntArray,
    continuous: FloatArray, codes: IntArray,
) -> npt.NDArray[np.bool_]:
    """Fill the holes of the rows ``pending`` from their candidate donors ``found`` (nearest
    first): the k first candidates that observe a variable count (mean or most frequent
    modality, lowest code on ties). Returns which pending rows keep an unfilled hole."""
    unresolved = np.zeros(len(pending), dtype=bool)
    for j in range(problem.continuous.shape[1]):
        holes = np.isnan(problem.continuous[pending, j])
        if not holes.any():
            continue
        values = problem.continuous[:, j][found[holes]]
        observed = ~np.isnan(values)
        observed &= np.cumsum(observed, axis=1) <= k
        totals = np.where(observed, values, 0.0).sum(axis=1)
        counts = observed.sum(axis=1)
        rows = pending[holes]
        continuous[rows, j] = np.where(counts > 0, totals / np.maximum(counts, 1),
                                       continuous[rows, j])
        unresolved[np.flatnonzero(holes)[counts == 0]] = True
    for j, m in enumerate(problem.n_modalities):
        holes = problem.codes[pending, j] < 0
        if not holes.any():
            continue
        values = problem.codes[:, j][found[holes]]
        valid = values >= 0
        keep = valid & (np.cumsum(valid, axis=1) <= k)
        slots = (np.arange(len(values))[:, None] * m + values)[keep]
        votes = np.bincount(slots, minlength=len(values) * m).reshape(len(values), m)
        rows = pending[holes]
        voted = keep.any(axis=1)
        codes[rows, j] = np.where(voted, votes.argmax(axis=1), codes[rows, j])
        unresolved[np.flatnonzero(holes)[~voted]] = True
    return unresolved


def _fast_knn(problem: _Problem, k: int, donors: IntArray) -> tuple[FloatArray, IntArray]:
    base_continuous, base_codes = _column_fill(problem, ImputationMethod.MEAN)
    # holes: continuous at the column mean, categorical with no modality (a FAMD by chunks,
    # so memory stays small on millions of rows)
    dims = problem.continuous.shape[1] + int(sum(problem.n_modalities))
    components = max(1, min(_FAST_KNN_COMPONENTS, dims, problem.continuous.shape[0] - 1))
    famd = Famd(components).fit(base_continuous, problem.codes, problem.n_modalities)
    coords = famd.transform(base_continuous, problem.codes, missing_at_mean=True)
    incomplete = np.flatnonzero(
        np.isnan(problem.continuous).any(axis=1) | (problem.codes < 0).any(axis=1)
    )
    continuous = base_continuous
    codes = base_codes
    if not len(incomplete):
        return continuous, codes
    tree = cKDTree(coords[donors])
    # rows queried in locality order (same answers, far fewer cache misses): the donor
    # tree's own leaf order when every row is a donor
    if len(donors) == len(coords):
        leaf_order = np.asarray(tree.indices, dtype=np.int64)
        is_incomplete = np.zeros(len(coords), dtype=bool)
        is_incomplete[incomplete] = True
        pending = leaf_order[is_incomplete[leaf_order]]
    else:
        pending = incomplete[locality_order(coords[incomplete])]
    # candidates beyond k, since some neighbours miss the same values (rows missing the same
    # variable sit together): the k first observed ones count; unresolved holes ask for more
    for candidates in (2 * k, 8 * k + 20, 32 * k + 100):
        neighbours = min(candidates, len(donors))
        unresolved = np.zeros(len(pending), dtype=bool)

        def fill(part: slice, pending: IntArray = pending, neighbours: int = neighbours,
                 unresolved: npt.NDArray[np.bool_] = unresolved) -> None:
            rows = pending[part]
            _, found = tree.query(coords[rows], k=neighbours, workers=1)
            found = np.asarray(found, dtype=np.int64).reshape(len(rows), neighbours)
            unresolved[part] = _fill_from_neighbours(
                problem, k, rows, donors[found], continuous, codes)

        # chunks of rows in locality order, each searched and filled by one thread (the
        # chunks fill different rows)
        run_chunks(fill, row_chunks(len(pending), _QUERY_CHUNK_ROWS))
        pending = pending[unresolved]
        if not len(pending) or neighbours == len(donors):
            break
    return continuous, codes


def impute(
    continuous: FloatArray,
    codes: IntArray,
    n_modalities: Sequence[int],
    *,
    method: ImputationMethod,
    k: int = 5,
    training_fraction: float = 1.0,
    rng: np.random.Generator,
    check: Callable[[], None] | None = None,
) -> tuple[FloatArray, IntArray, dict[str, Any]]:
    """Fill the NaN of ``continuous`` and the -1 of ``codes``.

    Args:
        continuous: n x c matrix with NaN for missing values.
        codes: n x q modality codes with -1 for missing values.
        n_modalities: modalities per categorical column.
        method: the imputation method.
        k: number of donors for the knn methods.
        training_fraction: share of rows used as donors (knn methods).
        rng: random generator (donor sampling).
        check: cancellation check.

    Returns:
        The filled copies and a JSON-ready description of what was done.

    Example:
        >>> cont = np.array([[1.0], [np.nan], [3.0]])
        >>> filled, _, _ = impute(cont, np.zeros((3, 0), int), [], method=ImputationMethod.MEAN,
        ...                       rng=np.random.default_rng(0))
        >>> filled.ravel().tolist()
        [1.0, 2.0, 3.0]
    """
    problem = _Problem(continuous, codes, n_modalities)
    n = continuous.shape[0]
    incomplete = int((np.isnan(continuous).any(axis=1) | (codes < 0).any(axis=1)).sum())
    info: dict[str, Any] = {"method": method.value, "rows_imputed": incomplete}
    if incomplete == 0:
        return continuous.copy(), codes.copy(), info
    if method in (ImputationMethod.MODE, ImputationMethod.MEDIAN, ImputationMethod.MEAN):
        filled_continuous, filled_codes = _column_fill(problem, method)
        return filled_continuous, filled_codes, info
    donors = _donors(n, training_fraction, rng)
    info["donors"] = len(donors)
    if check is not None:
        check()
    if method is ImputationMethod.KNN and incomplete * len(donors) <= KNN_MAX_PAIRS:
        filled_continuous, filled_codes = _knn(problem, k, donors)
    else:
        if method is ImputationMethod.KNN:
            info["method_used"] = ImputationMethod.FAST_KNN.value
            info["reason"] = (
                f"{incomplete} incomplete rows x {len(donors)} donors exceed the exact knn "
                f"budget of {KNN_MAX_PAIRS} pairs"
            )
        filled_continuous, filled_codes = _fast_knn(problem, k, donors)
    return filled_continuous, filled_codes, info


def impute_table(
    table: pd.DataFrame,
    types: Mapping[str, ColumnType] | None = None,
    *,
    method: ImputationMethod = ImputationMethod.KNN,
    k: int = 5,
    training_fraction: float = 1.0,
    seed: int | None = None,
) -> pd.DataFrame:
    """A copy of ``table`` whose missing values are imputed from its own other rows.

    Only the columns with missing values change; integer columns get integers. Used on the
    records of a differentially private run when ``return_data_imputed`` is asked: imputing
    from the synthetic records alone is post-processing, so the guarantee is unchanged.

    Example:
        >>> frame = pd.DataFrame({"x": [1.0, None, 3.0], "c": ["a", "a", None]})
        >>> impute_table(frame, method=ImputationMethod.MEAN).isna().sum().sum()
        np.int64(0)
    """
    incomplete = [column for column in table.columns if table[column].isna().any()]
    if not incomplete or table.empty:
        return table.copy()
    codec = TableCodec(infer_types(table, {str(c): t for c, t in (types or {}).items()}))
    encoded = codec.fit_encode(table)
    continuous, codes, _ = impute(
        encoded.continuous, encoded.codes, codec.n_projected_modalities(),
        method=ImputationMethod(method), k=k, training_fraction=training_fraction,
        rng=np.random.default_rng(seed),
    )
    for j, spec in enumerate(codec.continuous_specs):
        if spec.ctype is ColumnType.INT:
            continuous[:, j] = np.round(continuous[:, j])
        elif spec.decimals is not None:
            continuous[:, j] = np.round(continuous[:, j], spec.decimals)
    for j, qspec in enumerate(codec.categorical_specs):
        if qspec.indicator_of is not None:
            codes[:, j] = 0
    decoded = codec.decode(continuous, codes)
    result = table.copy()
    for column in incomplete:
        result[column] = decoded[column].to_numpy()
    return result
