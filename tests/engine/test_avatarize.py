"""The avatarize pipeline end to end."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
from engine_tables import make_mixed_table, make_patient_table

from avatar_engine import (
    AvatarizationCancelled,
    AvatarizationParameters,
    AvatarizationResult,
    ExcludeStrategy,
    ImputationMethod,
    avatarize,
    compute_signal_metrics,
)
from avatar_engine.metrics._common import build_space


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return make_mixed_table()


@pytest.fixture(scope="module")
def result(table: pd.DataFrame) -> AvatarizationResult:
    return avatarize(table, AvatarizationParameters(k=10, ncp=4, seed=3))


def test_shapes_columns_and_dtypes_are_kept(table: pd.DataFrame,
                                            result: AvatarizationResult) -> None:
    for avatars in (result.shuffled, result.unshuffled):
        assert avatars.shape == table.shape
        assert list(avatars.columns) == list(table.columns)
        assert (avatars.dtypes == table.dtypes).all()
    assert list(result.original_projections.columns) == ["Dim.1", "Dim.2", "Dim.3", "Dim.4"]
    assert result.avatar_projections.shape == (len(table), 4)


def test_shuffled_is_a_permutation_of_unshuffled(result: AvatarizationResult) -> None:
    def canonical(frame: pd.DataFrame) -> list[int]:
        return sorted(pd.util.hash_pandas_object(frame, index=False).tolist())

    assert canonical(result.shuffled) == canonical(result.unshuffled)
    assert not result.shuffled.equals(result.unshuffled)


def test_values_stay_in_observed_ranges_and_sets(table: pd.DataFrame,
                                                 result: AvatarizationResult) -> None:
    avatars = result.unshuffled
    for column in ("age", "weight", "visit", "stamp", "score"):
        observed = table[column].dropna()
        produced = avatars[column].dropna()
        assert produced.min() >= observed.min()
        assert produced.max() <= observed.max()
    for column in ("sex", "city", "grade", "smoker"):
        assert set(avatars[column].dropna()) <= set(table[column].dropna())
    assert (avatars["weight"].dropna() * 10 % 1 < 1e-6).all() or np.allclose(
        avatars["weight"].dropna() * 10, np.round(avatars["weight"].dropna() * 10))
    assert str(avatars["stamp"].dt.tz) == "Europe/Paris"
    assert (avatars["visit"].dt.normalize() == avatars["visit"]).all()


def test_missing_values_are_put_back_in_proportion(table: pd.DataFrame,
                                                   result: AvatarizationResult) -> None:
    for column in ("weight", "score", "sex", "city"):
        expected = table[column].isna().mean()
        assert abs(result.unshuffled[column].isna().mean() - expected) < 0.06
    assert result.unshuffled["age"].notna().all()


def test_rare_modalities_survive(table: pd.DataFrame, result: AvatarizationResult) -> None:
    assert (result.unshuffled["grade"] == "top").sum() > 0
    assert (result.unshuffled["city"] == "Lille").sum() > 0


def test_same_seed_is_byte_identical_and_other_seed_differs(table: pd.DataFrame) -> None:
    parameters = AvatarizationParameters(k=5, ncp=3, seed=11)
    first = avatarize(table, parameters)
    second = avatarize(table, parameters)
    assert first.shuffled.to_csv() == second.shuffled.to_csv()
    assert first.unshuffled.to_csv() == second.unshuffled.to_csv()
    assert first.avatar_projections.equals(second.avatar_projections)
    other = avatarize(table, AvatarizationParameters(k=5, ncp=3, seed=12))
    assert other.shuffled.to_csv() != first.shuffled.to_csv()


def test_metadata_is_json_ready_and_complete(result: AvatarizationResult) -> None:
    metadata: dict[str, Any] = json.loads(json.dumps(result.metadata))
    assert metadata["parameters"]["k"] == 10
    assert metadata["column_types"]["stamp"] == "datetime_tz"
    assert metadata["n_rows"] == 300
    assert set(metadata["timings_seconds"]) >= {
        "typing", "imputation", "projection", "neighbours", "generation", "inverse", "total"}
    assert sorted(metadata["missing_indicators"]) == ["city", "score", "sex", "weight"]
    assert len(metadata["projection"]["explained_variance_ratio"]) == 4


def test_identifiers_pass_through_in_row_order(table: pd.DataFrame) -> None:
    keyed = table.assign(pid=np.arange(len(table)) * 7)
    result = avatarize(keyed, AvatarizationParameters(k=5, ncp=3, seed=1), identifiers=["pid"])
    assert result.unshuffled["pid"].tolist() == keyed["pid"].tolist()
    assert sorted(result.shuffled["pid"]) == sorted(keyed["pid"])
    assert list(result.shuffled.columns) == list(keyed.columns)


def test_excluded_variables_by_coordinate_similarity_and_row_order(table: pd.DataFrame) -> None:
    keyed = table.assign(secret=np.arange(len(table)))
    similar = avatarize(keyed, AvatarizationParameters(
        k=5, ncp=3, seed=1, exclude_variables=["secret"]))
    assert set(similar.unshuffled["secret"]) <= set(keyed["secret"])
    # values come from originals close to the avatar, not from the avatar's own individual
    assert (similar.unshuffled["secret"] == keyed["secret"]).mean() < 0.5
    ordered = avatarize(keyed, AvatarizationParameters(
        k=5, ncp=3, seed=1, exclude_variables=["secret"],
        exclude_replacement_strategy=ExcludeStrategy.ROW_ORDER))
    assert ordered.unshuffled["secret"].tolist() == keyed["secret"].tolist()


def test_type_overrides_are_used(wbcd: pd.DataFrame) -> None:
    result = avatarize(wbcd, AvatarizationParameters(k=10, seed=0), types={"Class": "category"})
    assert result.metadata["column_types"]["Class"] == "category"
    assert set(result.shuffled["Class"]) == {2, 4}
    assert result.shuffled["Class"].dtype == wbcd["Class"].dtype


@pytest.mark.parametrize("method", list(ImputationMethod))
def test_every_imputation_method_runs(table: pd.DataFrame, method: ImputationMethod) -> None:
    result = avatarize(table, AvatarizationParameters(k=5, ncp=3, seed=0,
                                                      imputation_method=method))
    assert result.metadata["imputation"]["method"] == method.value


def test_column_weights_and_categorical_reduction(table: pd.DataFrame) -> None:
    rng = np.random.default_rng(0)
    wide = table.assign(code=rng.choice([f"c{i}" for i in range(60)], len(table),
                                        p=np.r_[[0.5], np.full(59, 0.5 / 59)]))
    result = avatarize(wide, AvatarizationParameters(
        k=5, ncp=3, seed=0, use_categorical_reduction=True, column_weights={"age": 3.0}))
    assert result.metadata["projection"]["encoded_dimensions"] < 60
    assert set(result.shuffled["code"]) <= set(wide["code"])
    assert result.shuffled["code"].nunique() > 10


def test_progress_is_reported_per_step(table: pd.DataFrame) -> None:
    seen: list[tuple[float, str]] = []
    avatarize(table, AvatarizationParameters(k=5, ncp=3, seed=0),
              progress=lambda fraction, phase: seen.append((fraction, phase)))
    phases = [phase for _, phase in seen]
    for phase in ("imputation", "projection", "neighbours", "generation", "inverse"):
        assert phase in phases
    fractions = [fraction for fraction, _ in seen]
    assert fractions == sorted(fractions)
    assert fractions[-1] == pytest.approx(1.0)


@pytest.mark.parametrize("stop_after", [1, 5, 12])
def test_should_stop_cancels(table: pd.DataFrame, stop_after: int) -> None:
    calls = {"n": 0}

    def should_stop() -> bool:
        calls["n"] += 1
        return calls["n"] > stop_after

    with pytest.raises(AvatarizationCancelled, match="cancelled"):
        avatarize(table, AvatarizationParameters(k=5, ncp=3, seed=0), should_stop=should_stop)


def test_wbcd_avatars_are_not_copies_and_keep_marginals(wbcd: pd.DataFrame) -> None:
    result = avatarize(wbcd, AvatarizationParameters(k=20, ncp=5, seed=0))
    avatars = result.unshuffled
    hashes = pd.util.hash_pandas_object(wbcd, index=False)
    avatar_hashes = pd.util.hash_pandas_object(avatars, index=False)
    assert (avatar_hashes.to_numpy() == hashes.to_numpy()).mean() < 0.10
    assert avatar_hashes.isin(set(hashes)).mean() < 0.20
    for column in wbcd.columns:
        assert set(avatars[column]) <= set(wbcd[column])
        assert abs(avatars[column].mean() - wbcd[column].mean()) < 0.25 * wbcd[column].std()


def test_relations_between_variables_are_kept_not_invented() -> None:
    table = make_patient_table()
    avatars = avatarize(table, AvatarizationParameters(k=20, seed=0)).shuffled
    numeric = ["age", "bmi", "income", "visits"]
    original = table[numeric].corr().to_numpy()
    produced = avatars[numeric].corr().to_numpy()
    # weak relations (r 0.1-0.4) stay weak: a low-rank reconstruction doubled them
    assert np.abs(original - produced).max() < 0.08
    premium_north = pd.crosstab(avatars["plan"], avatars["region"], normalize="columns")
    expected = pd.crosstab(table["plan"], table["region"], normalize="columns")
    assert abs(premium_north.loc["premium", "north"] - expected.loc["premium", "north"]) < 0.06
    ratio = compute_signal_metrics(table, avatars)["metrics"]["correlation_difference_ratio"]
    assert ratio["value"] < 50


def test_avatar_projections_are_where_the_released_avatars_sit(wbcd: pd.DataFrame) -> None:
    result = avatarize(wbcd, AvatarizationParameters(k=10, ncp=3, seed=0))
    space = build_space(wbcd, result.unshuffled, None, ncp=3)
    assert space.original_coords is not None
    assert space.avatar_coords is not None
    np.testing.assert_allclose(result.original_projections.to_numpy(), space.original_coords,
                               atol=1e-9)
    np.testing.assert_allclose(result.avatar_projections.to_numpy(), space.avatar_coords,
                               atol=1e-9)
