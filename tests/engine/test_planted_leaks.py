"""The verdict on avatars made elsewhere (originals not known): planted leaks are named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from real_tables import REAL_TABLES

import avatar_engine
from avatar_engine.avatarization import AvatarizationParameters
from avatar_engine.metrics import compute_privacy_metrics

TABLES = ["wbcd", "penguins", "pima", "salaries", "boston"]


def _avatars(table: pd.DataFrame) -> avatar_engine.AvatarizationResult:
    return avatar_engine.avatarize(table, AvatarizationParameters(k=20, seed=0))


def _judge(original: pd.DataFrame, avatars: pd.DataFrame) -> dict:
    return compute_privacy_metrics(original, avatars, paired=False)


def _with_ids(table: pd.DataFrame, kind: str) -> pd.DataFrame:
    ids = np.random.default_rng(3).permutation(len(table)) + 10_000
    return table.assign(patient=[f"P{i}" for i in ids] if kind == "text" else ids)


@pytest.mark.parametrize("name", TABLES)
def test_default_avatars_pass(name: str) -> None:
    table = REAL_TABLES[name]()
    result = _judge(table, _avatars(table).shuffled)
    assert result["passed"], result["failures"]
    # nothing follows an individual to its own avatar here
    assert result["metrics"]["hidden_rate"]["value"] is None


@pytest.mark.parametrize("name", TABLES)
def test_fifteen_percent_of_originals_are_exact_copies(name: str) -> None:
    table = REAL_TABLES[name]()
    avatars = _avatars(table).shuffled
    rows = np.random.default_rng(1).choice(len(table), int(0.15 * len(table)), replace=False)
    leaked = pd.concat([avatars.drop(index=rows), table.iloc[rows]], ignore_index=True)
    result = _judge(table, leaked)
    assert not result["passed"]
    assert any(m.startswith("exact copies") for m in result["failures"]), result["failures"]


@pytest.mark.parametrize("kind", ["text", "integer"])
@pytest.mark.parametrize("name", TABLES)
def test_identifier_carried_over_is_named(name: str, kind: str) -> None:
    original = _with_ids(REAL_TABLES[name](), kind)
    result = _avatars(original.drop(columns="patient"))
    carried = result.unshuffled.assign(patient=original["patient"].to_numpy())
    leaked = carried.sample(frac=1.0, random_state=0).reset_index(drop=True)
    judged = _judge(original, leaked)
    assert not judged["passed"]
    assert any("identifier carried over: column 'patient'" in m
               for m in judged["failures"]), judged["failures"]
    # the same column numbered afresh names originals at random: no link
    renumbered = leaked.assign(patient=np.random.default_rng(9).permutation(
        original["patient"].to_numpy()))
    fresh = _judge(original, renumbered)
    assert fresh["passed"], fresh["failures"]


@pytest.mark.parametrize("name", TABLES)
def test_shuffled_originals_fail_as_copies(name: str) -> None:
    table = REAL_TABLES[name]()
    result = _judge(table, table.sample(frac=1.0, random_state=2).reset_index(drop=True))
    assert not result["passed"]
    assert any(m.startswith("exact copies") for m in result["failures"]), result["failures"]


@pytest.mark.parametrize("name", TABLES)
def test_originals_with_one_percent_jitter_fail_as_near_copies(name: str) -> None:
    table = REAL_TABLES[name]()
    rng = np.random.default_rng(4)
    jittered = table.copy()
    for column in table.columns:
        values = table[column]
        if pd.api.types.is_numeric_dtype(values) and values.nunique() > 2:
            jittered[column] = values + rng.normal(0, 0.01 * values.std(), len(values))
    jittered = jittered.sample(frac=1.0, random_state=5).reset_index(drop=True)
    result = _judge(table, jittered)
    assert not result["passed"]
    assert any(m.startswith("near copies") for m in result["failures"]), result["failures"]
