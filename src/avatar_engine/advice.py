"""Parameter advice: which ``ncp`` and ``k`` to use on a given table, and why.

``ncp`` is read off the FAMD of the table (the same projection the avatarization uses): the
smallest number of dimensions that carries most of the variance, within bounds. ``k`` is found by
trying values of a ladder: the table (or a random sample of it) is avatarized and its privacy
metrics computed; the advice is the smallest tested value that meets every privacy target. The
search assumes privacy grows with k (it does, in distribution) and stops at the time budget.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from avatar_engine.avatarization import AvatarizationParameters, avatarize
from avatar_engine.encoding import TableCodec
from avatar_engine.errors import AvatarizationCancelled, InvalidDataError, InvalidParameterError
from avatar_engine.imputation import ImputationMethod, impute
from avatar_engine.metrics import compute_privacy_metrics
from avatar_engine.projection import Famd
from avatar_engine.types import ColumnType, infer_types

__all__ = [
    "K_LADDER",
    "MAX_NCP",
    "MIN_NCP",
    "VARIANCE_TARGET",
    "advise_parameters",
]

K_LADDER = (3, 5, 10, 15, 20, 30, 50, 75, 100)
"""Values of k the advice tries (those below the number of rows)."""
DEFAULT_K = 20
"""k of the reference study, advised when no value could be tested in time."""
VARIANCE_TARGET = 0.8
"""Share of the FAMD variance the advised ncp should carry."""
MIN_NCP = 2
MAX_NCP = 10
_NCP_SAMPLE_ROWS = 20_000
_K_SAMPLE_ROWS = 2_000
_MAX_COMPONENTS = 60


@dataclass
class _Trial:
    k: int
    passed: bool
    failed: list[str]
    values: dict[str, float | None]
    seconds: float


@dataclass
class _Search:
    trials: list[_Trial] = field(default_factory=list)
    stopped_by_budget: bool = False


def advise_parameters(
    data: pd.DataFrame,
    *,
    types: Mapping[str, ColumnType] | None = None,
    identifiers: Sequence[str] = (),
    seed: int | None = None,
    time_budget_seconds: float = 30.0,
) -> dict[str, Any]:
    """Recommend ``k`` and ``ncp`` for avatarizing ``data``, with the reasons in words.

    Args:
        data: the original table.
        types: column type overrides; other columns are inferred.
        identifiers: key columns, left out of the analysis.
        seed: seed of the sampling and of the trial avatarizations.
        time_budget_seconds: time allowed for the search of k; the search stops (and the best
            value found so far is advised) when it is spent.

    Returns:
        ``{"k": int, "ncp": int, "reasons": {"k": str, "ncp": str}, "details": {...}}``; the
        details hold the explained variance per dimension and every k tried with its result.

    Raises:
        InvalidDataError: not a DataFrame, too few rows or columns, unknown identifier columns.
        InvalidParameterError: a time budget that is not a positive number.

    Example:
        >>> import pandas as pd
        >>> data = pd.read_csv("fixtures/wbcd.csv")  # doctest: +SKIP
        >>> advice = advise_parameters(data, seed=0, time_budget_seconds=5)  # doctest: +SKIP
        >>> advice["ncp"], advice["reasons"]["ncp"][:6]  # doctest: +SKIP
        (3, 'ncp=3:')
    """
    started = time.perf_counter()
    budget = _check_budget(time_budget_seconds)
    table = _check_data(data, identifiers)
    column_types = infer_types(table, {str(k): v for k, v in (types or {}).items()})
    rng = np.random.default_rng(seed)

    ncp_rows = _sample(table, _NCP_SAMPLE_ROWS, rng)
    ratios = _explained_variance(ncp_rows, column_types)
    ncp, ncp_reason = _choose_ncp(ratios, max_ncp=len(table) - 2)

    k_rows = _sample(table, _K_SAMPLE_ROWS, rng)
    ladder = _ladder(len(k_rows))
    search = _search_k(k_rows, column_types, ncp, ladder, seed, started + budget)
    k, k_reason = _choose_k(search, ladder, len(table), len(k_rows), budget)
    cumulative = np.cumsum(ratios)
    return {
        "k": k,
        "ncp": ncp,
        "reasons": {"k": k_reason, "ncp": ncp_reason},
        "details": {
            "n_rows": len(table),
            "n_columns": table.shape[1],
            "explained_variance_ratio": [round(float(r), 6) for r in ratios],
            "cumulative_explained_variance_ratio": [round(float(c), 6) for c in cumulative],
            "variance_target": VARIANCE_TARGET,
            "ncp_bounds": [MIN_NCP, MAX_NCP],
            "k_candidates": ladder,
            "k_sample_rows": len(k_rows),
            "k_trials": [
                {
                    "k": trial.k,
                    "passed": trial.passed,
                    "failed_metrics": trial.failed,
                    "metrics": trial.values,
                    "seconds": round(trial.seconds, 3),
                }
                for trial in search.trials
            ],
            "stopped_by_time_budget": search.stopped_by_budget,
            "time_budget_seconds": budget,
            "elapsed_seconds": round(time.perf_counter() - started, 3),
        },
    }


# Checks -------------------------------------------------------------------------------------


def _check_budget(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidParameterError(
            "time_budget_seconds",
            f"time_budget_seconds must be a positive number of seconds, not {value!r}.",
        )
    if value <= 0:
        raise InvalidParameterError(
            "time_budget_seconds",
            f"time_budget_seconds must be positive (got {value}); 30 is a good start.",
        )
    return float(value)


def _check_data(data: pd.DataFrame, identifiers: Sequence[str]) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise InvalidDataError(f"data must be a pandas DataFrame, not {type(data).__name__}.")
    names = [str(name) for name in identifiers]
    missing = [name for name in names if name not in data.columns]
    if missing:
        raise InvalidDataError(
            f"Identifier column {missing[0]!r} is not in the table: check the schema.",
            column=missing[0],
        )
    table = data.drop(columns=names).reset_index(drop=True)
    if table.shape[1] == 0:
        raise InvalidDataError(
            "The table has no column to avatarize once identifiers are set aside: add data "
            "columns or declare fewer identifiers."
        )
    if len(table) < 3:
        raise InvalidDataError(
            f"The table has {len(table)} row(s); advice needs at least 3 (k is at least 2 and "
            "an individual is never its own neighbour)."
        )
    return table


def _sample(table: pd.DataFrame, limit: int, rng: np.random.Generator) -> pd.DataFrame:
    if len(table) <= limit:
        return table
    rows = np.sort(rng.choice(len(table), size=limit, replace=False))
    return table.iloc[rows].reset_index(drop=True)


# ncp ----------------------------------------------------------------------------------------


def _explained_variance(
    table: pd.DataFrame, column_types: Mapping[str, ColumnType]
) -> np.ndarray:
    """Share of the FAMD's total inertia carried by each of its leading dimensions."""
    codec = TableCodec(dict(column_types))
    encoded = codec.fit_encode(table)
    n_modalities = codec.n_projected_modalities()
    continuous, codes, _ = impute(
        encoded.continuous,
        codec.projected_codes(encoded.codes),
        n_modalities,
        method=ImputationMethod.MEDIAN,
        rng=np.random.default_rng(0),
    )
    dimensions = continuous.shape[1] + sum(n_modalities)
    components = max(1, min(dimensions, len(table) - 1, _MAX_COMPONENTS))
    famd = Famd(components).fit(continuous, codes, n_modalities)
    return np.asarray(famd.explained_variance_ratio, dtype=float)


def _choose_ncp(ratios: np.ndarray, max_ncp: int) -> tuple[int, str]:
    cumulative = np.cumsum(ratios)
    upper = max(1, min(MAX_NCP, len(ratios), max_ncp))
    lower = min(MIN_NCP, upper)
    reached = np.flatnonzero(cumulative >= VARIANCE_TARGET - 1e-9)
    needed = int(reached[0]) + 1 if reached.size else None
    target = f"{VARIANCE_TARGET * 100:.0f} %"
    if needed is not None and lower <= needed <= upper:
        ncp = needed
        reason = (
            f"ncp={ncp}: the first {ncp} dimensions of the factor analysis carry "
            f"{_percent(cumulative[ncp - 1])} of the variance of the table, the smallest number "
            f"reaching {target}. Fewer dimensions would blur the data; more would keep "
            "details that make individuals easier to single out."
        )
    elif needed is not None and needed < lower:
        ncp = lower
        reason = (
            f"ncp={ncp}: {needed} dimension(s) already carry {_percent(cumulative[needed - 1])} "
            f"of the variance (target {target}); {ncp} dimensions ({_percent(cumulative[ncp - 1])}"
            ") is the advised minimum, so that neighbours are not chosen along a single axis."
        )
    else:
        ncp = upper
        beyond = (
            f"reaching {target} would need {needed} dimensions"
            if needed is not None
            else f"even all {len(ratios)} dimensions computed carry less than {target}"
        )
        reason = (
            f"ncp={ncp}: the variance of this table is spread over many dimensions ({beyond}); "
            f"the first {ncp} carry {_percent(cumulative[ncp - 1])}. {ncp} is the advised "
            "maximum: more dimensions keep details that make individuals easier to single out."
        )
    return ncp, reason


# k ------------------------------------------------------------------------------------------


def _ladder(n_rows: int) -> list[int]:
    """The values of k worth trying: below the number of rows and at most about a tenth of it
    (beyond, each avatar averages a large part of the population and the signal fades)."""
    limit = min(n_rows - 1, max(K_LADDER[1], n_rows // 10))
    ladder = [k for k in K_LADDER if k <= limit]
    return ladder or [max(2, min(K_LADDER[0], n_rows - 1))]


def _search_k(
    table: pd.DataFrame,
    column_types: Mapping[str, ColumnType],
    ncp: int,
    ladder: Sequence[int],
    seed: int | None,
    deadline: float,
) -> _Search:
    """Binary search for the smallest k of ``ladder`` meeting every privacy target."""
    search = _Search()
    low, high = 0, len(ladder) - 1
    last_seconds = 0.0
    while low <= high:
        if time.perf_counter() + last_seconds > deadline:
            search.stopped_by_budget = True
            break
        middle = (low + high) // 2
        trial = _try_k(table, column_types, ncp, ladder[middle], seed, deadline)
        if trial is None:
            search.stopped_by_budget = True
            break
        search.trials.append(trial)
        last_seconds = trial.seconds
        if trial.passed:
            high = middle - 1
        else:
            low = middle + 1
    return search


def _try_k(
    table: pd.DataFrame,
    column_types: Mapping[str, ColumnType],
    ncp: int,
    k: int,
    seed: int | None,
    deadline: float,
) -> _Trial | None:
    started = time.perf_counter()

    def out_of_time() -> bool:
        return time.perf_counter() > deadline

    try:
        result = avatarize(
            table,
            AvatarizationParameters(k=k, ncp=ncp, seed=seed),
            types=column_types,
            should_stop=out_of_time,
        )
        metrics = compute_privacy_metrics(
            table, result.unshuffled, types=column_types, ncp=ncp, seed=seed,
            should_stop=out_of_time,
        )
    except AvatarizationCancelled:
        return None
    entries = metrics.get("metrics", {})
    failed = [name for name, entry in entries.items() if entry.get("passed") is False]
    values = {
        name: (None if entry.get("value") is None else round(float(entry["value"]), 4))
        for name, entry in entries.items()
    }
    return _Trial(
        k=k,
        passed=bool(metrics.get("passed")) and not failed,
        failed=failed,
        values=values,
        seconds=time.perf_counter() - started,
    )


def _choose_k(
    search: _Search, ladder: Sequence[int], n_rows: int, sample_rows: int, budget: float
) -> tuple[int, str]:
    sample_note = (
        f" Tested on a random sample of {sample_rows:,} of the {n_rows:,} rows."
        if sample_rows < n_rows
        else ""
    )
    tried = sorted(trial.k for trial in search.trials)
    tried_text = ", ".join(str(k) for k in tried)
    if not search.trials:
        k = min(DEFAULT_K, max(2, sample_rows - 1))
        return k, (
            f"k={k}: the time budget ({budget:g} s) was too short to test any value on this "
            f"table, so this is the value of the reference study (Guillaudeux et al., 2023), "
            "capped by the number of rows. Allow more time for an advice measured on the data."
        )
    passing = [trial for trial in search.trials if trial.passed]
    if passing:
        best = min(passing, key=lambda trial: trial.k)
        below = [trial for trial in search.trials if trial.k < best.k]
        reason = (
            f"k={best.k} is the smallest value tested ({tried_text}) that meets every privacy "
            f"target on this table ({_key_figures(best)})."
        )
        if below:
            worst = max(below, key=lambda trial: trial.k)
            reason += f" With k={worst.k}, the targets of {_names(worst.failed)} were missed."
        if search.stopped_by_budget:
            reason += " The time budget ended the search: a smaller k may also be enough."
        elif best.k == ladder[0]:
            reason += " It is the smallest value tried; larger values give more privacy."
        return best.k, reason + sample_note
    closest = min(search.trials, key=lambda trial: (len(trial.failed), trial.k))
    total = len(closest.values)
    reason = (
        f"k={closest.k}: no value tested ({tried_text}) meets every privacy target. "
        f"k={closest.k} meets the most ({total - len(closest.failed)} of {total}); the targets "
        f"of {_names(closest.failed)} are still missed ({_key_figures(closest)}). Before "
        "sharing, set aside or coarsen the variables that make individuals unique "
        "(exclude_variables, fewer categories), then ask again."
    )
    if search.stopped_by_budget:
        reason += " The time budget ended the search before every value could be tried."
    return closest.k, reason + sample_note


def _key_figures(trial: _Trial) -> str:
    labels = {
        "hidden_rate": ("hidden rate", " %"),
        "local_cloaking": ("local cloaking", ""),
        "row_direct_match_protection": ("row direct match protection", " %"),
    }
    parts = [
        f"{label} {trial.values[name]:.1f}{unit}"
        for name, (label, unit) in labels.items()
        if trial.values.get(name) is not None
    ]
    return ", ".join(parts) if parts else "all targets checked"


def _names(metrics: Sequence[str]) -> str:
    words = [name.replace("_", " ") for name in metrics]
    if not words:
        return "no metric"
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " and " + words[-1]


def _percent(share: float) -> str:
    return f"{100 * float(share):.1f} %"
