"""The one metric code applied to every method of the peer benchmark.

All distances live in a common space fitted on the TRAINING rows only: numeric columns
standardized (training mean, population std; a constant column keeps scale 1), categorical
columns one-hot encoded (0/1, categories seen in training; an unseen category encodes to all
zeros). The target column is part of the space: a generated row is a whole record.

Example:
    >>> space = CommonSpace(spec, train)
    >>> dcr, nndr = distance_to_closest(space, synthetic, train)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from datasets import TableSpec
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import OneHotEncoder, StandardScaler

__all__ = [
    "HELLINGER_BINS",
    "MAX_DISTANCE_QUERIES",
    "CommonSpace",
    "classifier_accuracy",
    "correlation_difference_ratio",
    "distance_to_closest",
    "engine_types",
    "exact_copy_rate",
    "hellinger_mean",
    "hidden_rate_and_local_cloaking",
    "signal_metrics",
    "value_copy_rate",
]

MAX_DISTANCE_QUERIES = 20_000
HELLINGER_BINS = 20
_SEED = 0


class CommonSpace:
    """Standardized numeric + one-hot categorical encoding fitted on the training rows."""

    def __init__(self, spec: TableSpec, train: pd.DataFrame,
                 columns: tuple[str, ...] | None = None) -> None:
        self.columns = list(columns if columns is not None else spec.frame.columns)
        numeric = [c for c in spec.numeric if c in self.columns]
        categorical = [c for c in spec.categorical if c in self.columns]
        self._means = train[numeric].mean()
        self._transformer = ColumnTransformer(
            [("numeric", StandardScaler(), numeric),
             ("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False),
              categorical)],
            sparse_threshold=0.0,
        )
        self._transformer.fit(train[self.columns])

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        """Encode rows; a missing numeric value takes the training mean."""
        filled = frame[self.columns].fillna(self._means)
        return np.asarray(self._transformer.transform(filled), dtype=np.float64)


def _sample(frame: pd.DataFrame, limit: int) -> pd.DataFrame:
    if len(frame) <= limit:
        return frame
    return frame.sample(n=limit, random_state=_SEED)


def distance_to_closest(space: CommonSpace, synthetic: pd.DataFrame,
                        reference: pd.DataFrame) -> tuple[float, float]:
    """Median DCR and median NNDR of generated rows against reference rows.

    DCR: Euclidean distance from a generated row to its nearest reference row. NNDR: that
    distance divided by the distance to the second nearest reference row; an exact copy
    (nearest distance 0) counts as 0, the riskiest value. At most ``MAX_DISTANCE_QUERIES``
    generated rows (random, fixed seed) are queried.
    """
    queries = space.encode(_sample(synthetic, MAX_DISTANCE_QUERIES))
    index = NearestNeighbors(n_neighbors=2, n_jobs=1).fit(space.encode(reference))
    distances, _ = index.kneighbors(queries)
    first, second = distances[:, 0], distances[:, 1]
    ratio = np.divide(first, second, out=np.zeros_like(first), where=second > 0)
    return float(np.median(first)), float(np.median(ratio))


def _row_hashes(frame: pd.DataFrame, spec: TableSpec) -> np.ndarray:
    canonical = frame[list(spec.frame.columns)].copy()
    for column in spec.numeric:
        canonical[column] = pd.to_numeric(canonical[column], errors="coerce").astype(
            "float64").round(6)
    for column in spec.categorical:
        canonical[column] = canonical[column].astype(str)
    return pd.util.hash_pandas_object(canonical, index=False).to_numpy()


def exact_copy_rate(spec: TableSpec, synthetic: pd.DataFrame, train: pd.DataFrame) -> float:
    """Percent of generated rows equal to some training row (rows hashed; floats to 1e-6)."""
    known = set(_row_hashes(train, spec).tolist())
    hashes = _row_hashes(synthetic, spec)
    return 100.0 * float(np.mean([h in known for h in hashes.tolist()])) if len(hashes) else 0.0


def value_copy_rate(spec: TableSpec, synthetic: pd.DataFrame,
                    train: pd.DataFrame) -> float | None:
    """Percent of generated float cells equal (to 1e-6) to a value of the same training column.

    Only float columns count (integer and categorical values repeat by nature); None when the
    table has none. A method that reuses the training values (e.g. by quantile mapping onto the
    training marginals) scores near 100 even when no row is copied.
    """
    columns = [c for c in spec.numeric if c not in spec.integer]
    if not columns:
        return None
    hits = 0
    cells = 0
    for column in columns:
        known = set(pd.to_numeric(train[column], errors="coerce").round(6).dropna().tolist())
        values = pd.to_numeric(synthetic[column], errors="coerce").round(6).dropna()
        hits += int(values.isin(known).sum())
        cells += len(values)
    return 100.0 * hits / cells if cells else None


def _hellinger(p: np.ndarray, q: np.ndarray) -> float:
    p = p / p.sum() if p.sum() > 0 else p
    q = q / q.sum() if q.sum() > 0 else q
    return float(np.sqrt(0.5 * np.sum((np.sqrt(p) - np.sqrt(q)) ** 2)))


def hellinger_mean(spec: TableSpec, original: pd.DataFrame, synthetic: pd.DataFrame) -> float:
    """Mean over columns of the Hellinger distance between marginals (ENGINE.md definition).

    Categorical: modality frequencies over the union of modalities. Numeric: ``HELLINGER_BINS``
    equal-width bins over the original's range plus one underflow and one overflow bin, so
    generated values outside the original range count against the method.
    """
    values = []
    for column in spec.frame.columns:
        if column in spec.categorical:
            p = original[column].astype(str).value_counts()
            q = synthetic[column].astype(str).value_counts()
            modalities = p.index.union(q.index)
            values.append(_hellinger(p.reindex(modalities, fill_value=0).to_numpy(float),
                                     q.reindex(modalities, fill_value=0).to_numpy(float)))
            continue
        orig = pd.to_numeric(original[column], errors="coerce").dropna().to_numpy(float)
        synth = pd.to_numeric(synthetic[column], errors="coerce").dropna().to_numpy(float)
        inner = np.histogram_bin_edges(orig, bins=HELLINGER_BINS)
        edges = np.concatenate(([-np.inf], inner, [np.inf]))
        # values equal to the original max fall in the last inner bin, as np.histogram does
        synth_clipped = np.where(synth == inner[-1], np.nextafter(inner[-1], -np.inf), synth)
        orig_clipped = np.where(orig == inner[-1], np.nextafter(inner[-1], -np.inf), orig)
        p, _ = np.histogram(orig_clipped, bins=edges)
        q, _ = np.histogram(synth_clipped, bins=edges)
        values.append(_hellinger(p.astype(float), q.astype(float)))
    return float(np.mean(values))


def engine_types(spec: TableSpec) -> dict[str, Any]:
    """The engine's column types for a spec (categorical, int, float)."""
    from avatar_engine import ColumnType

    return {c: (ColumnType.CATEGORY if c in spec.categorical
                else ColumnType.INT if c in spec.integer else ColumnType.FLOAT)
            for c in spec.frame.columns}


def signal_metrics(spec: TableSpec, space: CommonSpace, original: pd.DataFrame,
                   synthetic: pd.DataFrame) -> tuple[float, float, str]:
    """Hellinger mean and correlation difference ratio of generated rows vs training rows.

    Uses the engine's own ``compute_signal_metrics`` (so the definitions match the product's
    report) for every method alike; falls back to this module's implementation of the same
    ENGINE.md definitions when the engine cannot run. The third value names the source.
    """
    try:
        from avatar_engine import compute_signal_metrics

        found = compute_signal_metrics(original, synthetic, types=engine_types(spec), ncp=5,
                                       seed=_SEED)["metrics"]
        return (float(found["hellinger_mean"]["value"]),
                float(found["correlation_difference_ratio"]["value"]), "engine")
    except Exception as exc:  # same definitions, benchmark's own code
        print(f"  engine signal metrics unavailable ({type(exc).__name__}: {exc}); "
              "using metrics.py")
        return (hellinger_mean(spec, original, synthetic),
                correlation_difference_ratio(space, original, synthetic), "metrics.py")


def _pair_correlations(matrix: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.corrcoef(matrix, rowvar=False)
    upper = corr[np.triu_indices_from(corr, k=1)]
    return np.nan_to_num(upper, nan=0.0)


def correlation_difference_ratio(space: CommonSpace, original: pd.DataFrame,
                                 synthetic: pd.DataFrame) -> float:
    """100 * sum |r_orig - r_synth| / sum |r_orig| over column pairs of the common space.

    Pearson correlations of the encoded columns (standardized numerics and one-hot dummies),
    which equal those of the FAMD-encoded data; a constant column correlates 0.
    """
    r_orig = _pair_correlations(space.encode(original))
    r_synth = _pair_correlations(space.encode(synthetic))
    denominator = float(np.abs(r_orig).sum())
    if denominator == 0:
        return 0.0
    return 100.0 * float(np.abs(r_orig - r_synth).sum()) / denominator


def classifier_accuracy(spec: TableSpec, train: pd.DataFrame, fit_rows: pd.DataFrame,
                        holdout: pd.DataFrame) -> float | str:
    """Accuracy (percent) on the real held-out rows of a classifier fitted on ``fit_rows``.

    HistGradientBoostingClassifier (scikit-learn defaults, random_state=0) on the common
    space of the features (target excluded), fitted on the real training rows.
    """
    classes = fit_rows[spec.target].astype(str).nunique()
    if classes < 2:
        return "n/a (one class generated)"
    features = tuple(c for c in spec.frame.columns if c != spec.target)
    space = CommonSpace(spec, train, columns=features)
    model = HistGradientBoostingClassifier(random_state=0)
    model.fit(space.encode(fit_rows), fit_rows[spec.target].astype(str).to_numpy())
    predicted = model.predict(space.encode(holdout))
    return 100.0 * float(np.mean(predicted == holdout[spec.target].astype(str).to_numpy()))


def hidden_rate_and_local_cloaking(space: CommonSpace, original: pd.DataFrame,
                                   unshuffled: pd.DataFrame,
                                   max_individuals: int = 5_000) -> tuple[float, float]:
    """Hidden rate (percent) and median local cloaking in the common space.

    Only defined when row i of ``unshuffled`` is the avatar of row i of ``original``. For each
    individual (at most ``max_individuals``, random, fixed seed): local cloaking = number of
    other avatars strictly closer to it than its own avatar; hidden = that number is > 0.
    """
    orig = space.encode(original)
    avatars = space.encode(unshuffled)
    rng = np.random.default_rng(_SEED)
    chosen = np.arange(len(orig))
    if len(chosen) > max_individuals:
        chosen = np.sort(rng.choice(chosen, size=max_individuals, replace=False))
    cloaking = np.empty(len(chosen))
    avatar_sq = np.einsum("ij,ij->i", avatars, avatars)
    for start in range(0, len(chosen), 256):
        rows = chosen[start:start + 256]
        block = orig[rows]
        block_sq = np.einsum("ij,ij->i", block, block)[:, None]
        sq = block_sq + avatar_sq[None, :] - 2 * block @ avatars.T
        own = sq[np.arange(len(rows)), rows]
        cloaking[start:start + len(rows)] = np.sum(sq < own[:, None] - 1e-12, axis=1)
    return 100.0 * float(np.mean(cloaking > 0)), float(np.median(cloaking))
