"""Parsing and validation of resource-set YAML: accepted formats, every rejection, YAML safety."""

from __future__ import annotations

import copy
import time
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from server_support import WBCD_YAML as CANONICAL_TEXT

from avatar_server.resource_sets import (
    ResourceSet,
    ResourceSetError,
    parse_resource_set,
    validate_resource_set,
)

WBCD_COLUMNS = [
    "Clump_Thickness",
    "Uniformity_of_Cell_Size",
    "Uniformity_of_Cell_Shape",
    "Marginal_Adhesion",
    "Single_Epithelial_Cell_Size",
    "Bare_Nuclei",
    "Bland_Chromatin",
    "Normal_Nucleoli",
    "Mitoses",
    "Class",
]
LIMIT = 1_000_000


def canonical_documents() -> list[dict[str, Any]]:
    """The canonical single-table set of the contract, as Python documents."""
    results = {"volume": "results"}
    return [
        {
            "kind": "AvatarMetadata",
            "metadata": {"name": "avatar-metadata-demo"},
            "spec": {
                "display_name": "demo",
                "pia_metadata": {
                    "datarecipient": "unknown",
                    "data_type": "unknown",
                    "datasubject": "unknown",
                    "sensitivity_level": "undefined",
                },
                "max_distribution_plots": 20,
            },
        },
        {
            "kind": "AvatarSchema",
            "metadata": {"name": "schema"},
            "spec": {
                "tables": [
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
            },
        },
        {
            "kind": "AvatarSchema",
            "metadata": {"name": "schema_avatarized"},
            "spec": {"schema_ref": "schema", "tables": [{"name": "wbcd", "avatars_data": {}}]},
        },
        {
            "kind": "AvatarParameters",
            "metadata": {"name": "standard"},
            "spec": {
                "schema": "schema",
                "seed": 42,
                "avatarization": {"wbcd": {"k": 15, "ncp": 5}},
                "results": {**results, "path": "standard"},
            },
        },
        {
            "kind": "AvatarPrivacyMetricsParameters",
            "metadata": {"name": "privacy_metrics"},
            "spec": {
                "schema": "schema_avatarized",
                "avatarization_ref": "standard",
                "privacy_metrics": {"wbcd": {"ncp": 5}},
                "results": {**results, "path": "privacy_metrics"},
            },
        },
        {
            "kind": "AvatarSignalMetricsParameters",
            "metadata": {"name": "signal_metrics"},
            "spec": {
                "schema": "schema_avatarized",
                "avatarization_ref": "standard",
                "signal_metrics": {"wbcd": {"ncp": 5}},
                "results": {**results, "path": "signal_metrics"},
            },
        },
        {
            "kind": "AvatarReportParameters",
            "metadata": {"name": "report"},
            "spec": {
                "report_type": "basic",
                "output_format": "pdf",
                "language": "en",
                "results": {**results, "path": "report"},
            },
        },
        {
            "kind": "AvatarAdviceParameters",
            "metadata": {"name": "advice"},
            "spec": {
                "schema": "schema",
                "advice": {"advisor_type": ["parameters"]},
                "results": {**results, "path": "advice"},
            },
        },
    ]



MULTITABLE_TEXT = """\
kind: AvatarMetadata
metadata: {name: avatar-metadata-hospital}
spec: {display_name: hospital}
annotations: {}
---
kind: AvatarVolume
metadata: {name: fixtures}
spec: {url: 'file:///somewhere'}
---
kind: AvatarSchema
metadata: {name: schema}
spec:
  tables:
  - name: patient
    data: {volume: fixtures, file: patient.csv}
    individual_level: true
    columns:
    - {field: p_id, type: category, primary_key: true}
    - {field: age, type: float}
  - name: doctor
    data: {volume: fixtures, file: doctor.csv}
    columns:
    - {field: d_id, primary_key: true}
    links:
    - field: d_id
      to: {table: visit, field: doctor_id}
      method: sensitive_original_order_assignment
  - name: visit
    data: {volume: fixtures, file: visit.csv}
    individual_level: false
    columns:
    - {field: visit_id, primary_key: true}
    - {field: patient_id, identifier: true}
    - {field: doctor_id, identifier: true}
    links:
    - {field: patient_id, to: {table: patient, field: p_id}, method: bottom_projection}
---
kind: AvatarSchema
metadata: {name: schema_avatarized}
spec:
  tables:
  - {name: patient, avatars_data: {auto: true}}
  - {name: doctor, avatars_data: {auto: true}}
  - {name: visit, avatars_data: {auto: true}}
  schema_ref: schema
---
kind: AvatarParameters
metadata: {name: standard}
spec:
  schema: schema
  avatarization:
    patient: {k: 5}
    doctor: {k: 3, use_categorical_reduction: true}
    visit:
      k: 5
      ncp: 3
      column_weights: {exam: 2.0}
      imputation: {method: median, k: 3, training_fraction: 0.5, return_data_imputed: false}
      exclude_variables: {variable_names: [day_visit], replacement_strategy: row_order}
  results: {volume: fixtures, path: standard}
  seed: 1
---
kind: AvatarPrivacyMetricsParameters
metadata: {name: privacy_metrics}
spec:
  schema: schema_avatarized
  avatarization_ref: standard
  privacy_metrics:
    patient: {known_variables: [age], target: gender}
  results: {volume: fixtures, path: privacy_metrics}
  seed: 1
---
kind: AvatarSignalMetricsParameters
metadata: {name: signal_metrics}
spec:
  schema: schema_avatarized
  avatarization_ref: standard
  results: {volume: fixtures, path: signal_metrics}
  seed: 1
---
kind: AvatarReportParameters
metadata: {name: report_pia}
spec: {report_type: pia, language: fr, results: {volume: fixtures, path: report}}
"""

HOSPITAL_COLUMNS = {
    "patient.csv": ["p_id", "gender", "height", "age", "weight"],
    "doctor.csv": ["d_id", "job", "age"],
    "visit.csv": ["visit_id", "patient_id", "doctor_id", "day_visit", "exam"],
}


def dump(documents: list[dict[str, Any]]) -> str:
    return yaml.safe_dump_all(documents, sort_keys=False)


def parse(text: str) -> ResourceSet:
    return parse_resource_set(text, max_bytes=LIMIT)


def rejected(text: str) -> ResourceSetError:
    with pytest.raises(ResourceSetError) as info:
        parse(text)
    return info.value


def wbcd_columns(name: str) -> list[str] | None:
    return WBCD_COLUMNS if name == "wbcd.csv" else None


# --------------------------------------------------------------------------- accepted


def test_canonical_example_parses_with_every_job_kind() -> None:
    rs = parse(CANONICAL_TEXT)
    validate_resource_set(rs, wbcd_columns)
    assert rs.display_name == "demo"
    assert rs.parameter_names() == [
        "standard",
        "privacy_metrics",
        "signal_metrics",
        "report",
        "advice",
    ]
    assert [rs.job_kind(n) for n in rs.parameter_names()] == [
        "standard",
        "privacy_metrics",
        "signal_metrics",
        "report",
        "advice",
    ]
    assert rs.job_kind("schema") is None
    assert rs.job_kind("missing") is None
    assert rs.dataset_names() == ["wbcd.csv"]
    assert rs.to_yaml() == CANONICAL_TEXT
    assert rs.language == "en"
    assert rs.max_distribution_plots == 20
    assert rs.pia_metadata["sensitivity_level"] == "undefined"


def test_documents_built_from_python_parse_the_same() -> None:
    rs = parse(dump(canonical_documents()))
    assert rs.parameter_names() == parse(CANONICAL_TEXT).parameter_names()
    table = rs.tables()[0]
    assert table.column_types() == {"Clump_Thickness": "int", "Class": "category"}
    assert rs.parameters["standard"].spec.avatarization["wbcd"].k == 15  # type: ignore[union-attr]


def test_established_platform_multitable_format_is_accepted() -> None:
    rs = parse(MULTITABLE_TEXT)
    validate_resource_set(rs, HOSPITAL_COLUMNS.get)
    assert rs.display_name == "hospital"
    assert rs.dataset_names() == ["patient.csv", "doctor.csv", "visit.csv"]
    assert rs.job_kind("report_pia") == "report"
    assert rs.language == "fr"
    visit = next(t for t in rs.tables() if t.name == "visit")
    assert visit.identifier_columns() == ["visit_id", "patient_id", "doctor_id"]
    assert visit.primary_key() == "visit_id"


def test_metadata_is_optional_and_defaults_apply() -> None:
    documents = [d for d in canonical_documents() if d["kind"] != "AvatarMetadata"]
    rs = parse(dump(documents))
    assert rs.display_name == ""
    assert rs.language == "en"
    assert rs.pia_metadata == {
        "datarecipient": "unknown",
        "data_type": "unknown",
        "datasubject": "unknown",
        "sensitivity_level": "undefined",
    }


def test_advice_only_set_is_accepted() -> None:
    documents = [d for d in canonical_documents() if d["kind"] in ("AvatarSchema",)]
    documents.append(canonical_documents()[-1])
    rs = parse(dump(documents))
    assert rs.parameter_names() == ["advice"]


# --------------------------------------------------------------------------- rejected


def _dp_mutation(open_dp: dict[str, Any]) -> str:
    """Canonical set whose table is avatarized with ``avatarization_open_dp: {wbcd: open_dp}``."""
    documents = canonical_documents()
    spec = documents[3]["spec"]
    del spec["avatarization"]
    spec["avatarization_open_dp"] = {"wbcd": open_dp}
    return dump(documents)


def mutate(path: str, value: Any, *, document: int | None = None) -> str:
    """Canonical set with ``path`` (dotted, ints index lists) set to ``value``."""
    documents = canonical_documents()
    parts = path.split(".")
    index = document if document is not None else int(parts.pop(0))
    node: Any = documents[index]
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = parts[-1]
    if value is _DELETE:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return dump(documents)


_DELETE = object()

REJECTIONS = [
    # (id, text, expected code, words the detail must contain)
    (
        "unknown field",
        mutate("3.spec.avatarization.wbcd.kk", 3),
        "unknown_field",
        ["spec.avatarization.wbcd.kk", "unknown field", "k, ncp"],
    ),
    ("unknown top field", mutate("3.extra", 1), "unknown_field", ["extra", "kind, metadata"]),
    ("unknown kind", mutate("3.kind", "AvatarMagic"), "unknown_kind", ["AvatarMagic"]),
    ("missing kind", mutate("3.kind", _DELETE), "unknown_kind", ["missing"]),
    ("k=1", mutate("3.spec.avatarization.wbcd.k", 1), "invalid_parameter", ["wbcd.k", "2"]),
    ("k=0", mutate("3.spec.avatarization.wbcd.k", 0), "invalid_parameter", ["wbcd.k"]),
    ("k text", mutate("3.spec.avatarization.wbcd.k", "ten"), "invalid_parameter", ["wbcd.k"]),
    ("k missing", mutate("3.spec.avatarization.wbcd.k", _DELETE), "missing_field", ["wbcd.k"]),
    ("ncp=0", mutate("3.spec.avatarization.wbcd.ncp", 0), "invalid_parameter", ["wbcd.ncp"]),
    (
        "imputation method",
        mutate("3.spec.avatarization.wbcd.imputation", {"method": "magic"}),
        "invalid_parameter",
        ["imputation.method", "knn"],
    ),
    (
        "training fraction 0",
        mutate("3.spec.avatarization.wbcd.imputation", {"training_fraction": 0}),
        "invalid_parameter",
        ["training_fraction"],
    ),
    (
        "training fraction 1.5",
        mutate("3.spec.avatarization.wbcd.imputation", {"training_fraction": 1.5}),
        "invalid_parameter",
        ["training_fraction"],
    ),
    (
        "negative weight",
        mutate("3.spec.avatarization.wbcd.column_weights", {"Class": -1}),
        "invalid_parameter",
        ["column_weights.Class"],
    ),
    (
        "zero weight",
        mutate("3.spec.avatarization.wbcd.column_weights", {"Class": 0}),
        "invalid_parameter",
        ["column_weights.Class"],
    ),
    (
        "exclude strategy",
        mutate(
            "3.spec.avatarization.wbcd.exclude_variables",
            {"variable_names": ["Class"], "replacement_strategy": "guess"},
        ),
        "invalid_parameter",
        ["replacement_strategy"],
    ),
    (
        "unknown type",
        mutate("1.spec.tables.0.columns.0.type", "integer"),
        "invalid_parameter",
        ["columns[0].type", "int"],
    ),
    (
        "missing table in parameters",
        mutate("3.spec.avatarization", {"wbcd": {"k": 5}, "nope": {"k": 5}}),
        "unknown_table",
        ["nope", "wbcd"],
    ),
    (
        "table without parameters",
        mutate("3.spec.avatarization", {}),
        "invalid_parameter",
        ["avatarization"],
    ),
    ("schema ref", mutate("3.spec.schema", "other"), "invalid_reference", ["other", "schema"]),
    (
        "standard on avatarized schema",
        mutate("3.spec.schema", "schema_avatarized"),
        "invalid_reference",
        ["avatarized"],
    ),
    (
        "avatarization_ref",
        mutate("4.spec.avatarization_ref", "nope"),
        "invalid_reference",
        ["avatarization_ref", "nope", "standard"],
    ),
    (
        "metrics unknown table",
        mutate("5.spec.signal_metrics", {"ghost": {"ncp": 2}}),
        "unknown_table",
        ["ghost"],
    ),
    ("schema_ref", mutate("2.spec.schema_ref", "nope"), "invalid_reference", ["schema_ref"]),
    (
        "avatarized unknown table",
        mutate("2.spec.tables", [{"name": "ghost", "avatars_data": {"auto": True}}]),
        "invalid_reference",
        ["ghost"],
    ),
    (
        "link to missing table",
        mutate(
            "1.spec.tables.0.links",
            [{"field": "Class", "to": {"table": "ghost", "field": "id"}}],
        ),
        "invalid_reference",
        ["links[0].to.table", "ghost"],
    ),
    (
        "link method",
        mutate(
            "1.spec.tables.0.links",
            [{"field": "Class", "to": {"table": "wbcd", "field": "id"}, "method": "teleport"}],
        ),
        "invalid_parameter",
        ["method"],
    ),
    ("no data", mutate("1.spec.tables.0.data", _DELETE), "missing_field", ["data"]),
    (
        "path in file",
        mutate("1.spec.tables.0.data.file", "../etc/passwd"),
        "invalid_parameter",
        ["data.file", "dataset name"],
    ),
    (
        "absolute file",
        mutate("1.spec.tables.0.data.file", "/etc/passwd"),
        "invalid_parameter",
        ["data.file"],
    ),
    (
        "table name with slash",
        mutate("1.spec.tables.0.name", "a/b"),
        "invalid_parameter",
        ["name"],
    ),
    (
        "very long name",
        mutate("3.metadata.name", "x" * 500),
        "invalid_parameter",
        ["metadata.name"],
    ),
    (
        "duplicate column",
        mutate("1.spec.tables.0.columns.1", {"field": "Clump_Thickness"}),
        "duplicate_column",
        ["Clump_Thickness"],
    ),
    (
        "two primary keys",
        mutate(
            "1.spec.tables.0.columns",
            [{"field": "a", "primary_key": True}, {"field": "b", "primary_key": True}],
        ),
        "invalid_parameter",
        ["primary keys"],
    ),
    ("duplicate names", mutate("4.metadata.name", "standard"), "duplicate_name", ["standard"]),
    ("report language", mutate("6.spec.language", "de"), "invalid_parameter", ["language"]),
    ("report format", mutate("6.spec.output_format", "odt"), "invalid_parameter", ["pdf", "docx"]),
    ("seed negative", mutate("3.spec.seed", -1), "invalid_parameter", ["seed"]),
    ("spec not mapping", mutate("3.spec", [1, 2]), "invalid_parameter", ["spec"]),
    (
        "uploaded avatars and auto",
        mutate("2.spec.tables.0.avatars_data", {"auto": True, "file": "x.csv"}),
        "invalid_parameter",
        ["auto: true", "not both"],
    ),
    (
        "differential privacy",
        mutate("3.spec.avatarization_dp", {"wbcd": {"epsilon": 1}}),
        "unknown_field",
        ["avatarization_dp"],
    ),
]


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [pytest.param(t, c, w, id=i) for i, t, c, w in REJECTIONS],
)
def test_invalid_documents_are_rejected_with_a_precise_message(
    text: str, code: str, words: list[str]
) -> None:
    error = rejected(text)
    assert error.code == code, error.detail
    for word in words:
        assert word in error.detail, (word, error.detail)


def test_unknown_field_names_the_document_and_lists_expected_fields() -> None:
    error = rejected(mutate("3.spec.avatarization.wbcd.kk", 3))
    assert error.detail.startswith("document 4 (AvatarParameters 'standard'): ")
    assert "expected one of k, ncp, column_weights" in error.detail


def test_no_parameters_document_is_rejected() -> None:
    documents = [d for d in canonical_documents() if d["kind"] in ("AvatarSchema",)]
    error = rejected(dump(documents))
    assert "no parameters document" in error.detail


@pytest.mark.parametrize(
    ("text", "words"),
    [
        pytest.param("", ["empty"], id="empty"),
        pytest.param("---\n---\n", ["empty"], id="only separators"),
        pytest.param("kind: [unclosed", ["invalid YAML", "line"], id="syntax"),
        pytest.param("- 1\n- 2\n", ["mapping"], id="list document"),
        pytest.param("just text", ["mapping"], id="scalar document"),
        pytest.param("a: 1\na: 2\n", ["duplicate key"], id="duplicate key"),
        pytest.param("a: !!python/object/apply:os.system [ls]", ["tags"], id="python tag"),
        pytest.param("a: !!binary aGVsbG8=", ["tags"], id="binary tag"),
        pytest.param("a: !custom 1", ["tags"], id="custom tag"),
        pytest.param("a: &x 1\nb: *x\n", ["anchors"], id="alias"),
        pytest.param("[" * 200 + "]" * 200, ["nested"], id="deep nesting"),
        pytest.param("a:\x00 1", ["NUL"], id="nul"),
        pytest.param("? [1, 2]\n: 3\n", ["plain strings"], id="complex key"),
    ],
)
def test_unsafe_or_broken_yaml_is_rejected(text: str, words: list[str]) -> None:
    error = rejected(text)
    assert error.code in ("invalid_yaml", "invalid_resource_set"), error.detail
    for word in words:
        assert word in error.detail, (word, error.detail)


def test_billion_laughs_is_rejected_quickly() -> None:
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 10)]
    start = time.perf_counter()
    error = rejected("\n".join(lines))
    assert "anchors" in error.detail
    assert time.perf_counter() - start < 1.0


def test_size_cap_is_enforced_before_parsing() -> None:
    with pytest.raises(ResourceSetError) as info:
        parse_resource_set(CANONICAL_TEXT, max_bytes=100)
    assert info.value.code == "resource_set_too_large"
    assert "100 bytes" in info.value.detail


def test_too_many_documents_are_rejected() -> None:
    text = "---\n".join("a: 1\n" for _ in range(150))
    assert "too many YAML documents" in rejected(text).detail


def test_error_messages_never_echo_huge_values() -> None:
    error = rejected(mutate("3.spec.avatarization.wbcd.k", "9" * 5000 + "x"))
    assert len(error.detail) < 600


# --------------------------------------------------------------------------- datasets


def test_unknown_dataset_names_the_table_and_the_upload() -> None:
    rs = parse(CANONICAL_TEXT)
    with pytest.raises(ResourceSetError) as info:
        validate_resource_set(rs, lambda name: None)
    assert info.value.code == "unknown_dataset"
    assert "wbcd.csv" in info.value.detail
    assert "upload" in info.value.detail


@pytest.mark.parametrize(
    ("text", "where"),
    [
        pytest.param(
            mutate("1.spec.tables.0.columns.0.field", "Clump"), "columns[0].field", id="column"
        ),
        pytest.param(
            mutate("3.spec.avatarization.wbcd.column_weights", {"Nope": 1.0}),
            "column_weights",
            id="weights",
        ),
        pytest.param(
            mutate("3.spec.avatarization.wbcd.exclude_variables", {"variable_names": ["Nope"]}),
            "exclude_variables.variable_names",
            id="exclude",
        ),
        pytest.param(
            mutate("4.spec.privacy_metrics.wbcd", {"known_variables": ["Nope"]}),
            "known_variables",
            id="known variables",
        ),
        pytest.param(
            mutate("4.spec.privacy_metrics.wbcd", {"target": "Nope"}), "target", id="target"
        ),
        pytest.param(
            _dp_mutation({"epsilon": 1.0, "target": "Nope"}),
            "avatarization_open_dp.wbcd.target", id="dp target",
        ),
        pytest.param(
            _dp_mutation({"epsilon": 1.0, "bounds": {"Nope": [0, 1]}}),
            "avatarization_open_dp.wbcd.bounds", id="dp bounds",
        ),
    ],
)
def test_columns_must_exist_in_the_dataset(text: str, where: str) -> None:
    rs = parse(text)
    with pytest.raises(ResourceSetError) as info:
        validate_resource_set(rs, wbcd_columns)
    assert info.value.code == "unknown_column"
    assert where in info.value.detail
    assert "Clump_Thickness" in info.value.detail  # lists what exists


def test_link_fields_must_exist_on_both_sides() -> None:
    rs = parse(
        MULTITABLE_TEXT.replace(
            "to: {table: patient, field: p_id}", "to: {table: patient, field: pid}"
        )
    )
    with pytest.raises(ResourceSetError) as info:
        validate_resource_set(rs, HOSPITAL_COLUMNS.get)
    assert "links[0].to.field" in info.value.detail
    assert "pid" in info.value.detail


# --------------------------------------------------------------------------- fuzz


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_arbitrary_text_never_escapes_as_another_exception(text: str) -> None:
    error: ResourceSetError | None = None
    try:
        parse(text)
    except ResourceSetError as caught:
        error = caught
    assert error is None or (error.detail and error.code)


_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=7), st.sampled_from(["spec", "metadata"]), _VALUES)
def test_arbitrary_structures_never_escape_as_another_exception(
    index: int, key: str, value: Any
) -> None:
    documents = copy.deepcopy(canonical_documents())
    documents[index][key] = value
    error: ResourceSetError | None = None
    try:
        parse(dump(documents))
    except ResourceSetError as caught:
        error = caught
    assert error is None or error.detail
