"""The processors of ``avatars.processors`` on real public tables, around real avatarizations."""

from __future__ import annotations

import doctest
import importlib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from public_tables import penguins, rtable

import avatars.processors as avatars_processors
from avatar_engine.avatarization import AvatarizationParameters, ExcludeStrategy, avatarize
from avatars.processors import (
    DatetimeProcessor,
    ExpectedMeanProcessor,
    GeolocationNormalizationProcessor,
    GroupModalitiesProcessor,
    InterRecordBoundedCumulatedDifferenceProcessor,
    InterRecordBoundedRangeDifferenceProcessor,
    InterRecordCumulatedDifferenceProcessor,
    PerturbationProcessor,
    ProportionProcessor,
    ToCategoricalProcessor,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "processors.md"


def _avatars(table: pd.DataFrame, k: int = 5, keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """The unshuffled avatars of ``table`` (row i is the avatar of original row i).

    ``keep`` names columns the avatars keep as they are (the individual of repeated records).
    """
    parameters = AvatarizationParameters(
        k=k, ncp=4, seed=7, exclude_variables=keep,
        exclude_replacement_strategy=ExcludeStrategy.ROW_ORDER,
    )
    return avatarize(table, parameters).unshuffled


# -- datetime --------------------------------------------------------------------------------
def test_datetime_round_trip_on_economics_dates() -> None:
    table = rtable("ggplot2", "economics").assign(date=lambda t: pd.to_datetime(t["date"]))
    table["stamp"] = (table["date"] + pd.Timedelta(hours=9)).dt.tz_localize("Europe/Paris")
    table.loc[3, "date"] = pd.NaT
    processor = DatetimeProcessor()
    processed = processor.preprocess(table)
    assert processor.datetime_variables == ["date", "stamp"]
    assert processed["date"].dtype == float
    assert np.isnan(processed.loc[3, "date"])
    assert processed.loc[0, "date"] == pd.Timestamp("1967-07-01").timestamp()
    restored = processor.postprocess(table, processed)
    pd.testing.assert_frame_equal(restored, table)


def test_datetime_avatars_come_back_as_dates_in_range() -> None:
    table = rtable("ggplot2", "economics").assign(date=lambda t: pd.to_datetime(t["date"]))
    processor = DatetimeProcessor()
    avatars = processor.postprocess(table, _avatars(processor.preprocess(table)))
    assert avatars["date"].dtype == table["date"].dtype
    assert avatars["date"].min() >= table["date"].min()
    assert avatars["date"].max() <= table["date"].max()


# -- to categorical, group modalities ----------------------------------------------------------
def test_to_categorical_keeps_only_existing_values_of_penguin_years() -> None:
    table = penguins()
    processor = ToCategoricalProcessor(to_categorical_threshold=3)
    processed = processor.preprocess(table)
    assert processor.variables == ["year"]
    assert processed["year"].dtype == object
    restored = processor.postprocess(table, processed)
    pd.testing.assert_frame_equal(restored, table)
    avatars = processor.postprocess(table, _avatars(processed))
    assert avatars["year"].dtype == np.int64
    assert set(avatars["year"]) <= {2007, 2008, 2009}


def test_grouped_modalities_take_back_their_numeric_copy() -> None:
    table = rtable("datasets", "mtcars")
    to_categorical = ToCategoricalProcessor(to_categorical_threshold=6, keep_continuous=True)
    processed = to_categorical.preprocess(table)
    assert "carb" in to_categorical.variables
    assert "carb__cont" in processed.columns
    grouping = GroupModalitiesProcessor(variable_thresholds={"carb": 1})
    grouped = grouping.preprocess(processed)
    assert grouping.grouped["carb"] == sorted(grouping.grouped["carb"])
    assert set(grouping.grouped["carb"]) == {6, 8}  # one car each
    assert (grouped["carb"] == "other").sum() == 2
    restored = to_categorical.postprocess(table, grouping.postprocess(processed, grouped))
    pd.testing.assert_frame_equal(restored, table)


def test_group_modalities_on_midwest_categories() -> None:
    table = rtable("ggplot2", "midwest")[["state", "category", "inmetro", "poptotal"]]
    processor = GroupModalitiesProcessor(min_unique=6, global_threshold=5, new_category="rare")
    processed = processor.preprocess(table)
    counts = table["category"].value_counts()
    assert set(processor.grouped) == {"category"}  # state has 5 modalities only
    assert set(processor.grouped["category"]) == set(counts[counts <= 5].index)
    assert processed["category"].value_counts().drop("rare").min() > 5
    assert (processed["category"] == "rare").sum() == counts[counts <= 5].sum()
    assert processed["state"].equals(table["state"])


def test_group_modalities_refuses_mixed_settings() -> None:
    with pytest.raises(ValueError, match="both"):
        GroupModalitiesProcessor(min_unique=3)
    with pytest.raises(ValueError, match="either"):
        GroupModalitiesProcessor(variable_thresholds={"a": 1}, min_unique=2, global_threshold=1)
    with pytest.raises(ValueError, match="not in the table"):
        GroupModalitiesProcessor(variable_thresholds={"nope": 1}).preprocess(penguins())


# -- perturbation ------------------------------------------------------------------------------
def test_perturbation_levels_on_penguin_avatars() -> None:
    table = penguins()
    avatars = _avatars(table)
    levels = {"body_mass_g": 0.0, "bill_length_mm": 0.5, "flipper_length_mm": 1.0,
              "species": 0.0, "island": 0.5}
    processor = PerturbationProcessor(perturbation_level=levels, seed=3)
    assert processor.preprocess(table) is table
    out = processor.postprocess(table, avatars)
    assert out["body_mass_g"].equals(table["body_mass_g"].astype(float))
    np.testing.assert_allclose(out["bill_length_mm"],
                               (table["bill_length_mm"] + avatars["bill_length_mm"]) / 2)
    assert out["flipper_length_mm"].equals(avatars["flipper_length_mm"])
    assert out["species"].equals(table["species"])
    differ = table["island"] != avatars["island"]
    kept = (out["island"][differ] == avatars["island"][differ]).mean()
    assert 0.3 < kept < 0.7
    assert ((out["island"] == table["island"]) | (out["island"] == avatars["island"])).all()


def test_perturbation_refuses_bad_levels_and_shuffled_avatars() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        PerturbationProcessor({"a": 1.5})
    table = penguins()
    with pytest.raises(ValueError, match="order of the originals"):
        PerturbationProcessor({"year": 0.5}).postprocess(table, table.iloc[:10])


# -- proportions -------------------------------------------------------------------------------
POPULATIONS = ["popwhite", "popblack", "popamerindian", "popasian", "popother"]


def test_proportions_round_trip_and_sum_on_midwest_avatars() -> None:
    table = rtable("ggplot2", "midwest")[["poptotal", *POPULATIONS, "percollege"]]
    processor = ProportionProcessor(POPULATIONS, "poptotal", decimal_count=0)
    processed = processor.preprocess(table)
    np.testing.assert_allclose(processed[POPULATIONS].sum(axis=1), 1.0)
    restored = processor.postprocess(table, processed)
    np.testing.assert_array_equal(restored[POPULATIONS].to_numpy(), table[POPULATIONS].to_numpy())
    avatars = processor.postprocess(table, _avatars(processed))
    np.testing.assert_allclose(avatars[POPULATIONS].sum(axis=1), avatars["poptotal"].round())
    assert (avatars[POPULATIONS] >= 0).all().all()


def test_proportions_of_a_reference_without_sum() -> None:
    table = rtable("datasets", "mtcars")
    processor = ProportionProcessor(["hp", "disp"], "wt", sum_to_one=False, decimal_count=3)
    processed = processor.preprocess(table)
    np.testing.assert_allclose(processed["hp"], table["hp"] / table["wt"])
    restored = processor.postprocess(table, processed)
    np.testing.assert_allclose(restored[["hp", "disp"]], table[["hp", "disp"]], atol=5e-4)


# -- expected mean -----------------------------------------------------------------------------
def test_expected_mean_per_species_on_penguin_avatars() -> None:
    table = penguins()
    processor = ExpectedMeanProcessor(["body_mass_g", "bill_depth_mm"],
                                      groupby_variables=["species"], same_std=True)
    avatars = _avatars(processor.preprocess(table), k=20)
    before = avatars.groupby("species")["body_mass_g"].std()
    out = processor.postprocess(table, avatars)
    expected = table.groupby("species")[["body_mass_g", "bill_depth_mm"]].agg(["mean", "std"])
    got = out.groupby("species")[["body_mass_g", "bill_depth_mm"]].agg(["mean", "std"])
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-9)
    assert (before - expected[("body_mass_g", "std")]).abs().min() > 1.0  # they differed


def test_expected_mean_over_all_rows() -> None:
    table = rtable("datasets", "mtcars")
    processor = ExpectedMeanProcessor(["mpg"])
    processor.preprocess(table)
    shifted = table.assign(mpg=table["mpg"] + 4.0)
    out = processor.postprocess(table, shifted)
    assert out["mpg"].mean() == pytest.approx(table["mpg"].mean())
    assert out["mpg"].std() == pytest.approx(table["mpg"].std())


# -- geolocation -------------------------------------------------------------------------------
def test_geolocation_round_trip_and_avatars_in_bands_on_quakes() -> None:
    table = rtable("datasets", "quakes")
    processor = GeolocationNormalizationProcessor(
        latitude_variable="lat", longitude_variable="long", n_reference_lat=10, n_bins=20
    )
    processed = processor.preprocess(table)
    assert processed["long"].between(0, 1).all()
    restored = processor.postprocess(table, processed)
    np.testing.assert_allclose(restored["long"], table["long"], atol=1e-9)
    avatars = processor.postprocess(table, _avatars(processed))
    bands = np.searchsorted(processor.latitude_edges, avatars["lat"], side="right")
    for band, quantiles in enumerate(processor.longitude_quantiles):
        inside = avatars["long"][bands == band]
        assert inside.between(quantiles[0], quantiles[-1]).all()


# -- inter-record ------------------------------------------------------------------------------
def test_cumulated_difference_round_trip_on_orange_trees() -> None:
    table = rtable("datasets", "Orange")
    for keep in (True, False):
        processor = InterRecordCumulatedDifferenceProcessor(
            id_variable="Tree", target_variable="circumference",
            new_first_variable_name="first", new_difference_variable_name="growth",
            keep_record_order=keep,
        )
        processed = processor.preprocess(table)
        assert list(processed.columns) == ["Tree", "age", "first", "growth"]
        assert (processed["growth"] >= 0).all()
        assert processed.groupby("Tree")["first"].nunique().eq(1).all()
        pd.testing.assert_frame_equal(processor.postprocess(table, processed), table)


def test_cumulated_difference_in_original_order_on_chick_weights() -> None:
    table = rtable("datasets", "ChickWeight").sample(frac=1.0, random_state=2)
    processor = InterRecordCumulatedDifferenceProcessor(
        id_variable="Chick", target_variable="weight", new_first_variable_name="first",
        new_difference_variable_name="gain", keep_record_order=True,
    )
    processed = processor.preprocess(table)
    pd.testing.assert_frame_equal(processor.postprocess(table, processed), table)
    with pytest.raises(ValueError, match="originals' order"):
        processor.postprocess(table, processed.reset_index(drop=True))


def test_bounded_cumulated_difference_on_chick_weights() -> None:
    table = rtable("datasets", "ChickWeight")
    processor = InterRecordBoundedCumulatedDifferenceProcessor(
        id_variable="Chick", target_variable="weight", new_first_variable_name="first",
        new_difference_variable_name="to_bound", should_round_output=True,
    )
    processed = processor.preprocess(table)
    assert processed["to_bound"].between(-1, 1).all()
    pd.testing.assert_frame_equal(processor.postprocess(table, processed), table)
    avatars = processor.postprocess(table, _avatars(processed, keep=("Chick",)))
    assert avatars["weight"].between(table["weight"].min(), table["weight"].max()).all()
    assert avatars["weight"].dtype == table["weight"].dtype


def test_bounded_range_difference_on_heart_transplant_stays() -> None:
    table = rtable("survival", "heart")
    processor = InterRecordBoundedRangeDifferenceProcessor(
        id_variable="id", target_start_variable="start", target_end_variable="stop",
        new_first_variable_name="first", new_range_variable="span",
        new_difference_variable_name="gap", should_round_output=False,
    )
    processed = processor.preprocess(table)
    assert {"start", "stop"}.isdisjoint(processed.columns)
    assert processed[["span", "gap"]].abs().le(1).all().all()
    restored = processor.postprocess(table, processed)
    pd.testing.assert_frame_equal(restored, table)
    avatars = processor.postprocess(table, _avatars(processed, keep=("id", "first", "gap")))
    for _, stays in avatars.groupby("id"):
        assert (stays["start"] <= stays["stop"]).all()
        assert (stays["stop"].to_numpy()[:-1] <= stays["start"].to_numpy()[1:] + 1e-9).all()


# -- the documented example --------------------------------------------------------------------
def test_documented_example_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(), flags=re.S)
    assert blocks, "docs/processors.md has no python example"
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, str(DOCS), "exec"), namespace)
    restored = namespace["restored"]
    assert isinstance(restored, pd.DataFrame)
    pd.testing.assert_frame_equal(restored, namespace["table"])


def test_bounded_range_difference_orders_records_by_a_kept_column() -> None:
    table = rtable("survival", "cgd")[["id", "enum", "tstart", "tstop", "age"]]
    shuffled = table.sample(frac=1.0, random_state=4)
    processor = InterRecordBoundedRangeDifferenceProcessor(
        id_variable="id", target_start_variable="tstart", target_end_variable="tstop",
        new_first_variable_name="first", new_range_variable="span",
        new_difference_variable_name="gap", sort_by_variable="enum",
    )
    pd.testing.assert_frame_equal(processor.postprocess(shuffled, processor.preprocess(shuffled)),
                                  shuffled)
    with pytest.raises(ValueError, match="replaced by the processor"):
        InterRecordBoundedRangeDifferenceProcessor(
            id_variable="id", target_start_variable="tstart", target_end_variable="tstop",
            new_first_variable_name="first", new_range_variable="span",
            new_difference_variable_name="gap", sort_by_variable="tstart",
        )


@pytest.mark.parametrize(
    "module",
    sorted(p.stem for p in (Path(avatars_processors.__file__).parent).glob("*.py")),
)
def test_docstring_examples_run(module: str) -> None:
    imported = importlib.import_module(f"avatars.processors.{module}")
    failures, tried = doctest.testmod(imported, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert failures == 0
    if not module.startswith("_") or module == "__init__":
        assert tried > 0, f"avatars.processors.{module} has no example"
