"""WP29 risks against a control set, checked against anonymeter 1.1.0 on real tables."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
from anonymeter.evaluators import InferenceEvaluator, LinkabilityEvaluator, SinglingOutEvaluator
from real_tables import REAL_TABLES

import avatar_engine
from avatar_engine.avatarization import AvatarizationParameters
from avatar_engine.metrics.holdout_attacks import (
    REGRESSION_MIN_VALUES,
    holdout_attacks,
    residual_risk,
)

ATTACKS = 500


def _split(table: pd.DataFrame, train_share: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Training and control rows (0.75: the product's split)."""
    order = np.random.default_rng(1).permutation(len(table))
    cut = round(train_share * len(table))
    return (table.iloc[np.sort(order[:cut])].reset_index(drop=True),
            table.iloc[np.sort(order[cut:])].reset_index(drop=True))


def _anonymeter(train: pd.DataFrame, avatars: pd.DataFrame, control: pd.DataFrame
                ) -> dict[str, tuple[float, float, float]]:
    logging.getLogger("anonymeter").setLevel(logging.ERROR)
    columns = list(train.columns)
    secret, known = columns[-1], columns[:-1]
    attacks = min(ATTACKS, len(control), len(train))
    regression = bool(pd.api.types.is_numeric_dtype(train[secret])
                      and train[secret].nunique() > REGRESSION_MIN_VALUES)
    np.random.seed(0)  # anonymeter samples its targets with NumPy's global generator
    risks = {
        "singling_out": SinglingOutEvaluator(
            ori=train, syn=avatars, control=control, n_attacks=ATTACKS, n_cols=3,
            max_attempts=20_000, seed=0).evaluate(mode="multivariate").risk(),
        "linkability": LinkabilityEvaluator(
            ori=train, syn=avatars, control=control, n_attacks=attacks, n_neighbors=1,
            aux_cols=(known[0::2], known[1::2])).evaluate(
                n_jobs=1).risk(),
        "inference": InferenceEvaluator(
            ori=train, syn=avatars, control=control, n_attacks=attacks, secret=secret,
            aux_cols=known, regression=regression).evaluate(n_jobs=1).risk(),
    }
    return {name: (risk.value, *risk.ci) for name, risk in risks.items()}


@pytest.mark.slow
@pytest.mark.parametrize("leaked", [0.0, 0.5], ids=["avatars", "half-copies"])
@pytest.mark.parametrize("train_share", [0.5, 0.75])
@pytest.mark.parametrize("name", ["wbcd", "penguins", "pima", "salaries"])
def test_risks_agree_with_anonymeter(name: str, leaked: float, train_share: float) -> None:
    train, control = _split(REAL_TABLES[name](), train_share)
    avatars = avatar_engine.avatarize(train, AvatarizationParameters(k=10, seed=0)).unshuffled
    copied = int(leaked * len(avatars))
    avatars = pd.concat([train.iloc[:copied], avatars.iloc[copied:]], ignore_index=True)

    ours = holdout_attacks(train, avatars, control, n_attacks=ATTACKS, paired=True, seed=0)
    theirs = _anonymeter(train, avatars, control)
    if train_share != 0.5:
        # singling out is judged on tables of one size (see the next test); anonymeter's
        # figure on a larger training set is not the same measure
        del theirs["singling_out"]
    for risk, (value, low, high) in theirs.items():
        # two estimates of one risk from independently drawn targets (ties between avatars
        # broken differently): they agree when their difference is within its 95 % interval
        mine = ours[risk]
        mine_error = (mine["ci_high"] - mine["ci_low"]) / 2
        their_error = (high - low) / 2
        assert abs(mine["value"] - value) <= np.hypot(mine_error, their_error) + 1e-9, (
            risk, mine, theirs[risk])
    if leaked:
        # the copies are memorised individuals: some criterion sees them, and DCR share does
        assert max(ours[risk]["value"] for risk in ("singling_out", "linkability",
                                                    "inference")) > 0.05, ours
        assert ours["dcr_share"] > 60


def test_fresh_rows_of_the_population_carry_no_singling_out_risk() -> None:
    # a perfect generator: rows of the same population that were never trained on. With a
    # training set 3x the control set, anonymeter's singling-out size correction (fitted
    # below 1000 control rows) leaves a risk of 0.1-0.25; judged on tables of one size,
    # ours stays near zero
    diamonds = REAL_TABLES["diamonds"]().drop_duplicates().reset_index(drop=True)
    order = np.random.default_rng(0).permutation(len(diamonds))
    train, control, fresh = (diamonds.iloc[order[a:b]].reset_index(drop=True)
                             for a, b in ((0, 1000), (1000, 1333), (2000, 3000)))
    ours = holdout_attacks(train, fresh, control, n_attacks=ATTACKS, seed=0)
    assert ours["singling_out"]["ci_low"] <= 0.02
    assert ours["singling_out"]["value"] < 0.1
    assert 40 < ours["dcr_share"] < 60
    logging.getLogger("anonymeter").setLevel(logging.ERROR)
    biased = SinglingOutEvaluator(ori=train, syn=fresh, control=control, n_attacks=ATTACKS,
                                  n_cols=3, max_attempts=20_000, seed=0).evaluate().risk()
    assert biased.ci[0] > ours["singling_out"]["value"]


def test_residual_risk_is_the_published_estimator() -> None:
    same = residual_risk(500, 100, 100)
    assert same.value == 0.0
    assert same.high > 0.0  # the interval says how sure we are that it is zero
    leak = residual_risk(500, 300, 100)
    assert leak.value == pytest.approx((0.6 - 0.2) / 0.8, abs=0.01)
    assert leak.low < leak.value < leak.high
