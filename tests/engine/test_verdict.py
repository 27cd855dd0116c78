"""The privacy verdict on real tables: calibrated targets, leaks named, WP29 risks measured."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from real_tables import REAL_TABLES

import avatar_engine
from avatar_engine.avatarization import AvatarizationParameters
from avatar_engine.metrics import compute_privacy_metrics
from avatar_engine.metrics.verdict import VERDICT_RULE, VERDICT_RULE_FR

TABLES = sorted(set(REAL_TABLES) - {"diamonds"})  # 54 000 rows: used sampled elsewhere


def _column_shuffle(table: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({c: table[c].to_numpy()[rng.permutation(len(table))]
                         for c in table.columns})


def _jittered(table: pd.DataFrame, share: float = 0.01) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    out = table.copy()
    for column in out.columns:
        many_values = pd.api.types.is_integer_dtype(out[column]) and out[column].nunique() > 2
        if pd.api.types.is_float_dtype(out[column]) or many_values:
            out[column] = out[column] + rng.normal(0, share * out[column].std(), len(out))
    return out


def _avatarize(table: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    return avatar_engine.avatarize(
        table, AvatarizationParameters(k=min(20, len(table) - 1), seed=seed)).unshuffled


@pytest.mark.parametrize("name", TABLES)
def test_a_perfect_shuffle_meets_every_target(name: str) -> None:
    # another shuffle than the reference one: the targets are attainable, not tuned to it
    table = REAL_TABLES[name]()
    result = compute_privacy_metrics(table, _column_shuffle(table, seed=11))
    assert result["passed"], result["failures"]
    assert result["failures"] == []


@pytest.mark.parametrize("name", TABLES)
def test_copies_and_near_copies_fail_and_are_named(name: str) -> None:
    table = REAL_TABLES[name]()
    copies = compute_privacy_metrics(table, table)
    assert not copies["passed"]
    assert any("exact copies" in m for m in copies["failures"]), copies["failures"]

    near = compute_privacy_metrics(table, _jittered(table))
    assert not near["passed"]
    assert any("near copies" in m or "exact copies" in m or "re-identification" in m
               for m in near["failures"]), near["failures"]


@pytest.mark.slow
@pytest.mark.parametrize("name", TABLES)
def test_default_avatars_pass_with_their_wp29_risks(name: str) -> None:
    table = REAL_TABLES[name]()
    result = compute_privacy_metrics(table, _avatarize(table), holdout_avatarize=_avatarize)
    if name == "pima" and not result["passed"]:
        # 200 rows: the control set holds 50, and the inference risk's interval spans 0.6
        # (e.g. 0.42 [0.11-0.73]), so one seed is a coin toss at the target's edge; the
        # default avatars must pass on 2 of 3 seeds
        passes = [compute_privacy_metrics(
            table, _avatarize(table, seed), holdout_avatarize=lambda t, s=seed: _avatarize(t, s),
        )["passed"] for seed in (1, 2)]
        assert all(passes), result["failures"]
        return
    assert result["passed"], result["failures"]
    metrics = result["metrics"]
    for risk in ("singling_out_risk", "linkability_risk", "inference_risk", "dcr_share"):
        entry = metrics[risk]
        assert entry["value"] is not None, risk
        low, high = entry["ci"]
        assert low <= entry["value"] <= high
    holdout = result["details"]["holdout"]
    assert holdout["n_train"] + holdout["n_control"] == len(table)


def test_memorising_avatarization_fails_on_the_control_set() -> None:
    # an "avatarization" that returns its input: every WP29 criterion and DCR share see it
    table = REAL_TABLES["wbcd"]()
    result = compute_privacy_metrics(table, _avatarize(table), holdout_avatarize=lambda t: t)
    assert not result["passed"]
    failures = " ".join(result["failures"])
    assert "memorisation" in failures
    assert result["metrics"]["dcr_share"]["value"] > 75


def test_rule_is_written_once_in_both_languages() -> None:
    for rule in (VERDICT_RULE, VERDICT_RULE_FR):
        for figure in ("90 %", "0,3" if rule is VERDICT_RULE_FR else "0.3", "95 %", "60 %"):
            assert figure in rule
