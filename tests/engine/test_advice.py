"""Parameter advice: ncp from the projection's variance, k from measured privacy."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from avatar_engine import InvalidDataError, InvalidParameterError
from avatar_engine.advice import K_LADDER, MAX_NCP, MIN_NCP, VARIANCE_TARGET, advise_parameters

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _pca_variance_ratios(data: pd.DataFrame) -> np.ndarray:
    """Explained variance of a PCA on standardised columns, computed independently by SVD."""
    values = data.to_numpy(float)
    scaled = (values - values.mean(axis=0)) / values.std(axis=0)
    singular = np.linalg.svd(scaled, compute_uv=False)
    return singular**2 / (singular**2).sum()


def _correlated_table(rows: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(rows, 4))
    values[:, 1] += values[:, 0]
    return pd.DataFrame(values, columns=["a", "b", "c", "d"])


def _check_advice_shape(advice: dict) -> None:
    assert set(advice) == {"k", "ncp", "reasons", "details"}
    assert isinstance(advice["k"], int)
    assert isinstance(advice["ncp"], int)
    assert advice["reasons"]["k"].startswith(f"k={advice['k']}")
    assert advice["reasons"]["ncp"].startswith(f"ncp={advice['ncp']}")
    json.dumps(advice)  # JSON-ready, as the server stores it


def test_ncp_on_wbcd_is_the_smallest_reaching_the_variance_target() -> None:
    data = pd.read_csv(FIXTURES / "wbcd.csv")

    advice = advise_parameters(data, seed=0, time_budget_seconds=10)

    _check_advice_shape(advice)
    expected = np.cumsum(_pca_variance_ratios(data))
    ratios = advice["details"]["cumulative_explained_variance_ratio"]
    assert np.allclose(ratios, expected[: len(ratios)], atol=1e-5)
    ncp = advice["ncp"]
    assert MIN_NCP <= ncp <= MAX_NCP
    assert expected[ncp - 1] >= VARIANCE_TARGET
    assert ncp == MIN_NCP or expected[ncp - 2] < VARIANCE_TARGET
    assert f"{100 * expected[ncp - 1]:.1f} %" in advice["reasons"]["ncp"]
    assert 2 <= advice["k"] <= len(data) // 10


def test_k_is_the_smallest_tested_value_meeting_every_target() -> None:
    advice = advise_parameters(_correlated_table(), seed=1, time_budget_seconds=20)

    _check_advice_shape(advice)
    trials = advice["details"]["k_trials"]
    assert trials, "the budget allows at least one trial on 300 rows"
    assert all(trial["k"] in K_LADDER for trial in trials)
    passing = [trial["k"] for trial in trials if trial["passed"]]
    if passing:
        assert advice["k"] == min(passing)
        assert all(not trial["passed"] for trial in trials if trial["k"] < advice["k"])
        assert "meets every privacy target" in advice["reasons"]["k"]
    else:
        fewest = min(len(trial["failed_metrics"]) for trial in trials)
        assert advice["k"] == min(
            trial["k"] for trial in trials if len(trial["failed_metrics"]) == fewest
        )
        assert "no value tested" in advice["reasons"]["k"]
    for trial in trials:
        assert trial["passed"] == (not trial["failed_metrics"])
    chosen = next(trial for trial in trials if trial["k"] == advice["k"])
    for name in chosen["failed_metrics"]:
        assert name.replace("_", " ") in advice["reasons"]["k"]


def test_a_tiny_time_budget_is_respected() -> None:
    data = pd.read_csv(FIXTURES / "wbcd.csv")

    started = time.perf_counter()
    advice = advise_parameters(data, seed=0, time_budget_seconds=0.02)
    elapsed = time.perf_counter() - started

    _check_advice_shape(advice)
    assert elapsed < 2.0
    assert advice["details"]["stopped_by_time_budget"] or not advice["details"]["k_trials"]
    assert "time budget" in advice["reasons"]["k"]
    assert 2 <= advice["k"] <= 100


def test_identifiers_are_left_out() -> None:
    patients = pd.read_csv(FIXTURES / "patient.csv")

    advice = advise_parameters(patients, identifiers=["p_id"], seed=0, time_budget_seconds=5)

    _check_advice_shape(advice)
    assert advice["details"]["n_columns"] == patients.shape[1] - 1
    assert advice["details"]["n_rows"] == len(patients)


def test_wide_variance_caps_ncp() -> None:
    rng = np.random.default_rng(2)
    independent = pd.DataFrame(rng.normal(size=(200, 25)), columns=[f"x{i}" for i in range(25)])

    advice = advise_parameters(independent, seed=0, time_budget_seconds=0.5)

    assert advice["ncp"] == MAX_NCP
    assert "maximum" in advice["reasons"]["ncp"]
    cumulative = advice["details"]["cumulative_explained_variance_ratio"]
    assert cumulative[MAX_NCP - 1] < VARIANCE_TARGET


@pytest.mark.parametrize("budget", [0, -1.0, math.nan, math.inf, "10"])
def test_bad_time_budget_is_refused(budget: object) -> None:
    with pytest.raises(InvalidParameterError) as error:
        advise_parameters(_correlated_table(30), time_budget_seconds=budget)  # type: ignore[arg-type]
    assert error.value.parameter == "time_budget_seconds"


def test_bad_tables_are_refused_with_what_to_fix() -> None:
    table = _correlated_table(30)

    with pytest.raises(InvalidDataError, match="not in the table") as error:
        advise_parameters(table, identifiers=["patient_id"])
    assert error.value.column == "patient_id"
    with pytest.raises(InvalidDataError, match="at least 3"):
        advise_parameters(table.iloc[:2])
    with pytest.raises(InvalidDataError, match="no column"):
        advise_parameters(table[["a"]], identifiers=["a"])
