"""Differentially private avatars: the guarantee checked on neighbouring real tables, utility."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from palmerpenguins import load_penguins
from scipy.stats import beta

import avatar_engine.dp as dp_module
from avatar_engine.dp import DpParameters, dp_avatarize
from avatar_engine.errors import EngineError

SPECIES = ["Adelie", "Chinstrap", "Gentoo"]


@pytest.fixture(scope="module")
def penguins() -> pd.DataFrame:
    return load_penguins().dropna().reset_index(drop=True)


ADDED = 3


def _neighbours(penguins: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """30 penguins without a Chinstrap, and the same plus ADDED Chinstraps."""
    base = penguins[penguins["species"] != "Chinstrap"].sample(30, random_state=0)
    extra = penguins[penguins["species"] == "Chinstrap"].head(ADDED)
    tables = []
    for rows in (base, pd.concat([base, extra])):
        species = pd.Categorical(rows["species"], categories=SPECIES)  # categories are public
        tables.append(pd.DataFrame({"species": species}).reset_index(drop=True))
    return tables[0], tables[1]


def _rate(table: pd.DataFrame, epsilon: float, runs: int) -> tuple[int, int]:
    """How many runs release at least one Chinstrap."""
    hits = sum(
        bool((dp_avatarize(table, DpParameters(epsilon=epsilon, ncp=1, seed=i)).shuffled[
            "species"] == "Chinstrap").any())
        for i in range(runs)
    )
    return hits, runs


def _ratio_lower_bound(more: tuple[int, int], less: tuple[int, int]) -> float:
    """99 % lower confidence bound of P(event | more) / P(event | less) (Clopper-Pearson)."""
    (a, n), (b, m) = more, less
    low = beta.ppf(0.005, a, n - a + 1) if a else 0.0
    high = beta.ppf(0.995, b + 1, m - b) if b < m else 1.0
    return float(low / high)


@pytest.mark.slow
def test_neighbouring_tables_move_the_output_by_no_more_than_the_guarantee(
    penguins: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    without, with_more = _neighbours(penguins)
    epsilon, runs = 1.0, 400
    bound = math.exp(ADDED * epsilon)  # tables ADDED records apart: e^(ADDED epsilon)
    more, less = _rate(with_more, epsilon, runs), _rate(without, epsilon, runs)
    # the added records make a Chinstrap more likely, but by the factor the guarantee allows
    assert more[0] > less[0] > 0
    assert _ratio_lower_bound(more, less) <= bound
    # the check has the power to see a broken guarantee: a third of the noise fails it
    real = dp_module._noisy_counts
    monkeypatch.setattr(dp_module, "_noisy_counts",
                        lambda keys, categories, eps: real(keys, categories, 3 * eps))
    more, less = _rate(with_more, epsilon, runs), _rate(without, epsilon, runs)
    assert _ratio_lower_bound(more, less) > bound


def test_output_keeps_the_columns_types_and_rough_size(penguins: pd.DataFrame) -> None:
    table = penguins[["species", "island", "bill_length_mm", "body_mass_g", "year"]]
    result = dp_avatarize(table, DpParameters(epsilon=1.0, seed=2))
    out = result.shuffled
    assert list(out.columns) == list(table.columns)
    assert abs(len(out) - len(table)) < 0.25 * len(table)
    assert set(out["species"].dropna()) <= set(table["species"])
    assert pd.api.types.is_integer_dtype(out["year"])
    assert pd.api.types.is_float_dtype(out["bill_length_mm"])
    assert pd.api.types.is_integer_dtype(out["body_mass_g"])
    # the declared anchor (species) keeps its relation to weight. The noise is unseeded
    # (OpenDP): at epsilon 1 it hides the relation in about 1 run of 12, at epsilon 3 the gap
    # stayed above 1,000 g in 25 of 25 runs (the originals': about 1,400 g)
    related = dp_avatarize(table, DpParameters(epsilon=3.0, seed=2, anchor="species")).shuffled
    means = related.groupby("species")["body_mass_g"].mean()
    assert means["Gentoo"] > means["Adelie"] + 300
    dp = result.metadata["dp"]
    assert dp["guarantee"] == "epsilon-DP"
    assert sum(dp["budget"].values()) == pytest.approx(1.0)
    assert dp["budget"]["bounds_of_continuous_columns"] == pytest.approx(0.3)
    assert result.original_projections.shape[0] == len(table)
    assert result.avatar_projections.shape[0] == len(out)


def test_fast_variant_spends_everything_on_the_counts(penguins: pd.DataFrame) -> None:
    table = penguins[["species", "flipper_length_mm"]]
    result = dp_avatarize(table, DpParameters(epsilon=0.5, fast=True, seed=1))
    dp = result.metadata["dp"]
    assert dp["guarantee"] == "approximate"
    assert dp["budget"] == {"bounds_of_continuous_columns": 0.0, "choice_of_anchor": 0.0,
                            "contingency_tables_with_anchor": 0.5}
    assert dp["unprotected_steps"]
    flippers = result.shuffled["flipper_length_mm"].dropna()
    low, high = np.percentile(table["flipper_length_mm"], [1, 99])
    assert flippers.min() >= low - 1e-9
    assert flippers.max() <= high + 1e-9


def test_missing_values_are_a_bin_of_their_own() -> None:
    raw = load_penguins()[["species", "sex", "bill_depth_mm"]]
    out = dp_avatarize(raw, DpParameters(epsilon=5.0, seed=0)).shuffled
    assert out["sex"].isna().any() == raw["sex"].isna().any()
    assert out["bill_depth_mm"].notna().mean() > 0.9


@pytest.mark.parametrize(
    ("arguments", "message"),
    [({"epsilon": 0}, "epsilon must be > 0"), ({"epsilon": 1, "preprocess_budget_ratio": 1.0},
                                               "preprocess_budget_ratio"),
     ({"epsilon": 1, "bins": 1}, "bins")],
)
def test_bad_parameters_are_refused(arguments: dict[str, float], message: str) -> None:
    with pytest.raises(EngineError, match=message):
        DpParameters(**arguments)  # type: ignore[arg-type]


def _reaches(values: np.ndarray, epsilon: float, edge: float, runs: int) -> tuple[int, int]:
    """How many runs of the bounds step give an upper bound past ``edge``."""
    return sum(dp_module._private_bounds(values, epsilon)[1] > edge for _ in range(runs)), runs


@pytest.mark.slow
def test_bounds_step_moves_by_no_more_than_the_guarantee_on_neighbouring_tables(
    penguins: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 40 body masses (2,700-6,300 g: buckets [2048, 4096) and [4096, 8192)), and the same plus
    # two heavier records in the next bucket [8192, 16384): does the upper bound reach it?
    masses = penguins["body_mass_g"].sample(40, random_state=1).to_numpy(dtype=float)
    heavier = np.concatenate([masses, [9000.0, 9500.0]])
    epsilon, runs, added = 1.0, 400, 2
    bound = math.exp(added * epsilon)
    more, less = _reaches(heavier, epsilon, 8192, runs), _reaches(masses, epsilon, 8192, runs)
    assert more[0] > less[0] > 0
    assert _ratio_lower_bound(more, less) <= bound
    # the check has the power to see a broken guarantee: a third of the noise fails it
    real = dp_module._noisy_counts
    monkeypatch.setattr(dp_module, "_noisy_counts",
                        lambda keys, categories, eps: real(keys, categories, 3 * eps))
    more, less = _reaches(heavier, epsilon, 8192, runs), _reaches(masses, epsilon, 8192, runs)
    assert _ratio_lower_bound(more, less) > bound


def test_skewed_integer_column_gets_bins_on_the_power_of_two_buckets() -> None:
    column = dp_module._continuous_column("x", dp_module.ColumnType.INT, 1.0, 16.0, 10)
    assert column.labels == [(0.5, 1.5), (1.5, 2.5), (2.5, 3.5), (3.5, 5.5), (5.5, 7.5),
                             (7.5, 11.5), (11.5, 15.5)]
    # a range on both sides of zero, or within two buckets, keeps linear bins
    assert len(dp_module._continuous_column("y", dp_module.ColumnType.FLOAT, -4.0, 4.0,
                                            10).labels) == 10
    assert dp_module._log_edges(2048.0, 8192.0, 10) is None


def test_norm_sub_gives_non_negative_counts_of_the_given_total() -> None:
    noisy = np.array([120.0, 80.0, -15.0, 9.0, 14.0])
    counts = dp_module._norm_sub(noisy, 200.0)
    assert counts.min() >= 0
    assert counts.sum() == pytest.approx(200.0)
    assert counts[2] == 0
    assert counts[0] > counts[1] > counts[4] >= counts[3]
