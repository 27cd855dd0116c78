"""DCR share of a joined child-parent view: training candidates drawn by whole parents.

A perfect generator (fresh individuals of the same population) must score about 50 %. Drawn
row by row, the training rows of a joined view spread over more parents than a control set of
whole parents, and fresh individuals then look closer to the training rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from avatar_engine.metrics.holdout_attacks import holdout_attacks
from avatar_engine.relational.holdout import parent_matched_dcr, parent_matched_dcr_share
from avatar_engine.relational.structure import joined_view


def _population(parents: int, seed: int) -> pd.DataFrame:
    """Patients (continuous profile) with 1-8 visits each (categorical visit variables)."""
    rng = np.random.default_rng(seed)
    parent = pd.DataFrame({
        "pid": np.arange(parents),
        "age": rng.normal(50, 15, parents),
        "height": rng.normal(170, 10, parents),
        "weight": rng.normal(70, 12, parents),
    })
    owner = np.repeat(np.arange(parents), rng.integers(1, 9, parents))
    child = pd.DataFrame({
        "pid": owner,
        "day": rng.choice(["mon", "tue", "wed", "thu", "fri"], len(owner)),
        "exam": rng.choice(["blood", "xray", "scan"], len(owner)),
    })
    return joined_view(child, parent, "pid", "pid", "parent")


def test_fresh_individuals_score_half_when_drawn_by_parents() -> None:
    row_sampled, by_parents = [], []
    columns = ["day", "exam", "parent.age", "parent.height", "parent.weight"]
    for seed in range(8):
        train = _population(97, 100 + seed)
        control = _population(33, 200 + seed)
        fresh = _population(97, 300 + seed)
        n = min(len(train), len(fresh))
        train, fresh = train.iloc[:n].reset_index(drop=True), fresh.iloc[:n].reset_index(drop=True)
        row_sampled.append(holdout_attacks(
            train[columns], fresh[columns], control[columns], paired=True, seed=seed
        )["dcr_share"])
        by_parents.append(parent_matched_dcr_share(
            train[columns], fresh[columns], control[columns], train["pid"].to_numpy(),
            control["pid"].nunique(), seed=seed,
        ))
    assert abs(np.mean(by_parents) - 50) < 5, by_parents
    # the row-by-row draw is biased upwards on the same rows
    assert np.mean(row_sampled) > np.mean(by_parents) + 2, (row_sampled, by_parents)


def test_copies_of_the_training_rows_score_all() -> None:
    train = _population(60, 1)
    control = _population(20, 2)
    columns = ["day", "exam", "parent.age", "parent.height", "parent.weight"]
    share = parent_matched_dcr_share(
        train[columns], train[columns], control[columns], train["pid"].to_numpy(), 20
    )
    assert share == 100.0


def _schools(parents: int, seed: int) -> pd.DataFrame:
    """Few parents with many children each (schools and their pupils)."""
    rng = np.random.default_rng(seed)
    parent = pd.DataFrame({
        "pid": np.arange(parents),
        "size": rng.normal(500, 150, parents),
        "lowinc": rng.normal(60, 20, parents),
        "mobility": rng.normal(25, 10, parents),
    })
    owner = np.repeat(np.arange(parents), rng.integers(20, 60, parents))
    child = pd.DataFrame({
        "pid": owner,
        "female": rng.choice(["yes", "no"], len(owner)),
        "origin": rng.choice(["a", "b", "c"], len(owner)),
    })
    return joined_view(child, parent, "pid", "pid", "parent")


def test_the_interval_counts_parents_not_rows() -> None:
    # 15 training and 5 control parents of 20-60 children: fresh individuals of the same
    # population must fall inside the 95 % interval about as often as it says
    columns = ["female", "origin", "parent.size", "parent.lowinc", "parent.mobility"]
    inside_rows = inside_parents = 0
    seeds = range(12)
    for seed in seeds:
        train, control, fresh = _schools(15, 100 + seed), _schools(5, 200 + seed), _schools(
            15, 300 + seed)
        n = min(len(train), len(fresh))
        train, fresh = train.iloc[:n].reset_index(drop=True), fresh.iloc[:n].reset_index(drop=True)
        share, effective = parent_matched_dcr(
            train[columns], fresh[columns], control[columns], train["pid"].to_numpy(),
            control["pid"].to_numpy(), seed=seed,
        )
        assert 1 <= effective <= len(control)
        p = share / 100
        for rows, counter in ((len(control), "rows"), (effective, "parents")):
            error = 1.96 * np.sqrt(p * (1 - p) / rows)
            if p - error <= 0.5 <= p + error:
                if counter == "rows":
                    inside_rows += 1
                else:
                    inside_parents += 1
    assert inside_parents >= 10, inside_parents
    # one trial per control row: the interval misses the truth most of the time
    assert inside_rows <= 6, inside_rows
