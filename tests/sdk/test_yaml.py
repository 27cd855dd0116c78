"""Resource-set YAML: what the Runner emits matches CONTRACTS section 3 and reads back."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from avatars._column_types import ColumnType, infer_column_types
from avatars._yaml import (
    ColumnSpec,
    LinkSpec,
    ResourceSet,
    TableParameters,
    TableSpec,
    dump_resource_set,
    load_resource_set,
)


def _demo() -> ResourceSet:
    return ResourceSet(
        display_name="demo",
        pia_metadata={
            "datarecipient": "unknown",
            "data_type": "unknown",
            "datasubject": "unknown",
            "sensitivity_level": "undefined",
        },
        max_distribution_plots=20,
        seed=42,
        tables={
            "wbcd": TableSpec(
                "wbcd",
                "wbcd.csv",
                [ColumnSpec("Clump_Thickness", "int"), ColumnSpec("Class", "category")],
                individual_level=True,
            )
        },
        parameters={"wbcd": TableParameters(avatarization={"k": 15, "ncp": 5})},
    )


def test_the_demo_run_emits_the_canonical_documents() -> None:
    docs = list(yaml.safe_load_all(dump_resource_set(_demo())))
    names = [(d["kind"], d["metadata"]["name"]) for d in docs]
    assert names == [
        ("AvatarMetadata", "avatar-metadata-demo"),
        ("AvatarSchema", "schema"),
        ("AvatarSchema", "schema_avatarized"),
        ("AvatarParameters", "standard"),
        ("AvatarPrivacyMetricsParameters", "privacy_metrics"),
        ("AvatarSignalMetricsParameters", "signal_metrics"),
        ("AvatarReportParameters", "report"),
        ("AvatarAdviceParameters", "advice"),
    ]
    meta, schema, avatarized, standard, privacy, signal, report, advice = docs
    assert meta["spec"] == {
        "display_name": "demo",
        "pia_metadata": {
            "datarecipient": "unknown",
            "data_type": "unknown",
            "datasubject": "unknown",
            "sensitivity_level": "undefined",
        },
        "max_distribution_plots": 20,
    }
    assert schema["spec"]["tables"] == [
        {
            "name": "wbcd",
            "data": {"volume": "input", "file": "wbcd.csv"},
            "individual_level": True,
            "columns": [
                {"field": "Clump_Thickness", "type": "int"},
                {"field": "Class", "type": "category"},
            ],
        }
    ]
    assert avatarized["spec"] == {
        "schema_ref": "schema",
        "tables": [{"name": "wbcd", "avatars_data": {"auto": True}}],
    }
    assert standard["spec"] == {
        "schema": "schema",
        "seed": 42,
        "avatarization": {"wbcd": {"k": 15, "ncp": 5}},
        "results": {"volume": "results", "path": "standard"},
    }
    assert privacy["spec"]["privacy_metrics"] == {"wbcd": {"ncp": 5}}
    assert privacy["spec"]["avatarization_ref"] == "standard"
    assert signal["spec"]["schema"] == "schema_avatarized"
    assert report["spec"]["language"] == "en"
    assert advice["spec"]["advice"] == {"advisor_type": ["parameters"]}


def test_a_table_without_parameters_emits_only_the_advice_job() -> None:
    rs = _demo()
    rs.parameters.clear()
    kinds = [d["kind"] for d in yaml.safe_load_all(dump_resource_set(rs))]
    assert "AvatarParameters" not in kinds
    assert kinds[-1] == "AvatarAdviceParameters"


def test_multi_table_links_and_keys_round_trip() -> None:
    rs = ResourceSet(
        display_name="multi",
        tables={
            "patient": TableSpec(
                "patient", "patient.csv", [ColumnSpec("p_id", "int", primary_key=True)], True
            ),
            "visit": TableSpec(
                "visit",
                "visit.csv",
                [ColumnSpec("visit_id", "int", primary_key=True), ColumnSpec(
                    "patient_id", "int", identifier=True)],
                False,
                [LinkSpec("patient_id", "patient", "p_id")],
            ),
        },
        parameters={
            "patient": TableParameters({"k": 5}),
            "visit": TableParameters(
                {"k": 3, "imputation": {"method": "mode"}},
                privacy_metrics={"known_variables": ["visit_id"], "target": "patient_id"},
            ),
        },
    )
    text = dump_resource_set(rs)
    visit = next(d for d in yaml.safe_load_all(text) if d["metadata"]["name"] == "schema")
    assert visit["spec"]["tables"][1]["links"] == [
        {"field": "patient_id", "to": {"table": "patient", "field": "p_id"},
         "method": "bottom_projection"}
    ]
    back = load_resource_set(text)
    assert back.tables == rs.tables
    assert back.parameters["visit"].avatarization == {"k": 3, "imputation": {"method": "mode"}}
    assert back.parameters["visit"].privacy_metrics["target"] == "patient_id"
    assert dump_resource_set(back) == text


def test_the_display_name_can_be_overridden_when_loading() -> None:
    back = load_resource_set(dump_resource_set(_demo()), display_name="other")
    assert back.display_name == "other"
    assert back.seed == 42
    assert back.max_distribution_plots == 20


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kind: Nope\nmetadata: {name: x}\nspec: {}\n", "unknown kind 'Nope'"),
        ("- a\n- b\n", "must be a mapping"),
        ("kind: AvatarSchema\nmetadata: {name: schema}\nspec: {}\n", "has no 'tables'"),
        ("a: [\n", "Invalid resource-set YAML"),
        (
            "kind: AvatarParameters\nmetadata: {name: standard}\n"
            "spec: {avatarization: {ghost: {k: 3}}}\n",
            "tables ['ghost']",
        ),
    ],
)
def test_invalid_yaml_is_refused_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("(", r"\(")):
        load_resource_set(text)


def test_a_run_without_table_cannot_be_dumped() -> None:
    with pytest.raises(ValueError, match="add_table"):
        dump_resource_set(ResourceSet("empty"))


def test_column_types_are_inferred_and_overrides_win() -> None:
    df = pd.DataFrame(
        {
            "i": [1, 2],
            "f": [1.5, None],
            "b": [True, False],
            "c": ["x", "y"],
            "d": ["2020-01-01", "2021-05-06T10:00:00"],
            "tz": pd.to_datetime(["2020-01-01", "2020-01-02"], utc=True),
        }
    )
    assert infer_column_types(df, {"i": "category"}) == {
        "i": ColumnType.CATEGORY,
        "f": ColumnType.FLOAT,
        "b": ColumnType.BOOL,
        "c": ColumnType.CATEGORY,
        "d": ColumnType.DATETIME,
        "tz": ColumnType.DATETIME_TZ,
    }
    with pytest.raises(ValueError, match="not in the table"):
        infer_column_types(df, {"zz": "int"})
    with pytest.raises(ValueError, match="Unknown type 'text'"):
        infer_column_types(df, {"i": "text"})
