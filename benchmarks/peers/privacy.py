"""Privacy yardsticks applied to every method alike: anonymeter's three WP29 risks and DCR share.

- Singling out, linkability and inference risk (anonymeter 1.1.0), each judged against the
  held-out rows as control set (rows the method never saw), with the 95 % confidence interval
  anonymeter reports. The attacker's columns: singling out uses 3-column predicates
  (multivariate mode); linkability splits the columns in two halves (even / odd positions);
  inference guesses the target column from all the others.
- Singling out compares tables of one size: a predicate isolates exactly one row among n rows
  more often than among fewer, so a training set larger than the control set counts as risk
  even for fresh rows of the population (measured: fresh real rows as "synthetic" score
  0.10-0.15 on wbcd, penguins, gbsg2 and breast_cancer with a training set twice the control's
  size, 0.00-0.04 with both of one size). The training rows are sampled to the control's size;
  the synthetic rows too: the avatars of those very rows when the method pairs each training
  row with its avatar (the strongest attack on avatars), else a random sample.
- DCR share: percent of generated rows closer (in the common space of metrics.py) to a training
  row than to a held-out row, the training rows subsampled to the held-out size (so 50 % means
  no memorisation), averaged over ``DCR_REPEATS`` subsamples; ties count half.

Example:
    >>> risks = anonymeter_risks(spec, train, holdout, synthetic)  # doctest: +SKIP
    >>> risks["singling_out"]["value"], risks["singling_out"]["ci"]  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from datasets import TableSpec
from metrics import CommonSpace
from sklearn.neighbors import NearestNeighbors

__all__ = [
    "ATTACKS",
    "DCR_REPEATS",
    "SINGLING_OUT_MAX_ATTEMPTS",
    "anonymeter_risks",
    "dcr_share",
]

ATTACKS = 500
"""Attacks per risk (at most the number of held-out rows for linkability and inference)."""
SINGLING_OUT_MAX_ATTEMPTS = 50_000
DCR_REPEATS = 5
_SEED = 0


def _typed(frame: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    out = frame[list(spec.frame.columns)].copy()
    for column in spec.categorical:
        out[column] = out[column].astype(str)
    for column in spec.numeric:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
    return out.reset_index(drop=True)


def _risk(evaluator: Any) -> dict[str, Any]:
    risk = evaluator.risk(confidence_level=0.95)
    return {"value": float(risk.value), "ci": [float(risk.ci[0]), float(risk.ci[1])]}


def anonymeter_risks(spec: TableSpec, train: pd.DataFrame, holdout: pd.DataFrame,
                     synthetic: pd.DataFrame,
                     paired: pd.DataFrame | None = None) -> dict[str, dict[str, Any]]:
    """Singling-out, linkability and inference risk of ``synthetic`` (value and 95 % CI).

    Args:
        paired: Row i is the generated row of training row i (avatars), when the method has
            such a link; singling out then attacks the avatars of the sampled training rows.

    A risk anonymeter cannot compute (e.g. too few singling-out queries found) is reported as
    ``{"value": None, "reason": ...}``.
    """
    from anonymeter.evaluators import (
        InferenceEvaluator,
        LinkabilityEvaluator,
        SinglingOutEvaluator,
    )

    logging.getLogger("anonymeter").setLevel(logging.ERROR)
    ori, control, syn = _typed(train, spec), _typed(holdout, spec), _typed(synthetic, spec)
    attacks = min(ATTACKS, len(control))
    columns = list(spec.frame.columns)
    so_ori, so_syn = _same_size_as_control(ori, syn, control, paired, spec)
    results: dict[str, dict[str, Any]] = {}
    runs = {
        "singling_out": lambda: SinglingOutEvaluator(
            ori=so_ori, syn=so_syn, control=control, n_attacks=ATTACKS, n_cols=3,
            max_attempts=SINGLING_OUT_MAX_ATTEMPTS, seed=_SEED).evaluate(mode="multivariate"),
        "linkability": lambda: LinkabilityEvaluator(
            ori=ori, syn=syn, control=control, n_attacks=attacks,
            aux_cols=(columns[0::2], columns[1::2]), n_neighbors=1).evaluate(n_jobs=1),
        "inference": lambda: InferenceEvaluator(
            ori=ori, syn=syn, control=control, n_attacks=attacks, secret=spec.target,
            aux_cols=[c for c in columns if c != spec.target]).evaluate(n_jobs=1),
    }
    for name, run in runs.items():
        np.random.seed(_SEED)  # anonymeter samples its targets with NumPy's global generator
        try:
            results[name] = _risk(run())
        except Exception as exc:  # a failed attack is a result too, with its reason
            results[name] = {"value": None, "reason": f"{type(exc).__name__}: {exc}"[:200]}
    return results


def _same_size_as_control(ori: pd.DataFrame, syn: pd.DataFrame, control: pd.DataFrame,
                          paired: pd.DataFrame | None,
                          spec: TableSpec) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Training and synthetic rows sampled to the control set's size, for singling out."""
    rng = np.random.default_rng(_SEED)
    size = min(len(control), len(ori))
    rows = rng.choice(len(ori), size=size, replace=False)
    if paired is not None and len(paired) == len(ori):
        syn_rows = _typed(paired, spec).iloc[rows]
    else:
        syn_rows = syn.iloc[rng.choice(len(syn), size=min(size, len(syn)), replace=False)]
    return ori.iloc[rows].reset_index(drop=True), syn_rows.reset_index(drop=True)


def dcr_share(space: CommonSpace, train: pd.DataFrame, holdout: pd.DataFrame,
              synthetic: pd.DataFrame) -> float:
    """Percent of generated rows closer to a training row than to a held-out row.

    The training rows are subsampled to the held-out size, ``DCR_REPEATS`` times (fixed
    seeds), so that a method producing fresh samples of the population scores 50 %.
    """
    queries = space.encode(synthetic)
    held = NearestNeighbors(n_neighbors=1, n_jobs=1).fit(space.encode(holdout))
    d_holdout = held.kneighbors(queries)[0][:, 0]
    encoded_train = space.encode(train)
    rng = np.random.default_rng(_SEED)
    shares = []
    for _ in range(DCR_REPEATS):
        rows = rng.choice(len(encoded_train), size=min(len(holdout), len(encoded_train)),
                          replace=False)
        index = NearestNeighbors(n_neighbors=1, n_jobs=1).fit(encoded_train[rows])
        d_train = index.kneighbors(queries)[0][:, 0]
        closer = (d_train < d_holdout - 1e-12).mean() + 0.5 * (
            np.abs(d_train - d_holdout) <= 1e-12).mean()
        shares.append(100.0 * float(closer))
    return float(np.mean(shares))
