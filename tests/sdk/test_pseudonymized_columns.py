"""set_parameters(pseudonymized_columns=...): strategies reach the schema the server reads."""

from __future__ import annotations

import pytest
import yaml
from public_tables import rtable
from sdk_fakes import FakeClient

from avatar_server.resource_sets import parse_resource_set
from avatars.pseudonymization import (
    ConstantStrategy,
    FakeDataStrategy,
    HashSha256Strategy,
    IntegerStrategy,
    PiiType,
    SpecificIdLetterCase,
    SpecificIdStrategy,
    Uuid4Strategy,
)
from avatars.runner import Runner


@pytest.fixture
def runner() -> Runner:
    r = Runner(FakeClient(), "starwars", show_progress=False)  # type: ignore[arg-type]
    table = rtable("dplyr", "starwars")[["name", "height", "mass", "species", "homeworld"]]
    r.add_table("characters", table)
    r.add_table("penguins", rtable("palmerpenguins", "penguins").dropna())
    return r


def _columns(runner: Runner, table: str) -> dict[str, dict]:
    docs = {d["metadata"]["name"]: d for d in yaml.safe_load_all(runner.get_yaml())}
    tables = {t["name"]: t for t in docs["schema"]["spec"]["tables"]}
    return {c["field"]: c for c in tables[table]["columns"]}


def test_each_strategy_is_written_on_its_column_and_parsed_by_the_server(runner: Runner) -> None:
    runner.set_parameters(
        "characters",
        k=5,
        pseudonymized_columns={
            "name": FakeDataStrategy(pii_type=PiiType.FULL_NAME, locale="fr_FR"),
            "homeworld": HashSha256Strategy(salt="pepper"),
            "species": SpecificIdStrategy(pattern="SP-??", letter_case=SpecificIdLetterCase.UPPER),
        },
    )
    runner.set_parameters(
        "penguins",
        k=5,
        pseudonymized_columns={"island": Uuid4Strategy(consistent=False), "sex": IntegerStrategy(),
                               "year": ConstantStrategy(value="X")},
    )
    columns = _columns(runner, "characters")
    assert columns["name"]["pseudonymization"] == {
        "kind": "FAKER", "pii_type": "FULL_NAME", "consistent": True,
        "high_variability": False, "locale": "fr_FR",
    }
    assert columns["species"]["pseudonymization"]["letter_case"] == "upper"
    assert "pseudonymization" not in columns["height"]
    rs = parse_resource_set(runner.get_yaml(), max_bytes=1_000_000)
    tables = {t.name: t for t in rs.base_schema("schema").spec.tables}
    declared = tables["penguins"].pseudonymized_columns()
    assert {c: s.kind for c, s in declared.items()} == {
        "island": "UUID4", "sex": "INTEGER", "year": "CONSTANT"}
    assert declared["island"].consistent is False
    assert tables["characters"].pseudonymized_columns()["homeworld"].salt == "pepper"
    # pseudonymized columns are kept out of the avatarization, like identifiers
    assert {"name", "homeworld", "species"} <= set(tables["characters"].identifier_columns())


def test_mappings_in_the_yaml_shape_are_accepted(runner: Runner) -> None:
    runner.set_parameters("characters", k=5,
                          pseudonymized_columns={"name": {"kind": "FAKER", "pii_type": "EMAIL"}})
    assert _columns(runner, "characters")["name"]["pseudonymization"] == {
        "kind": "FAKER", "pii_type": "EMAIL"}


def test_update_replace_and_delete(runner: Runner, capsys: pytest.CaptureFixture[str]) -> None:
    runner.set_parameters("characters", k=5, pseudonymized_columns={"name": Uuid4Strategy()})
    runner.update_parameters("characters", pseudonymized_columns={"homeworld": IntegerStrategy()})
    columns = _columns(runner, "characters")
    assert columns["name"]["pseudonymization"]["kind"] == "UUID4"
    assert columns["homeworld"]["pseudonymization"]["kind"] == "INTEGER"
    runner.print_parameters("characters")
    assert "pseudonymized columns" in capsys.readouterr().out
    runner.set_parameters("characters", k=5)  # set_parameters replaces everything
    assert not any("pseudonymization" in c for c in _columns(runner, "characters").values())
    runner.update_parameters("characters", pseudonymized_columns={"name": IntegerStrategy()})
    runner.delete_parameters("characters", ["pseudonymized_columns"])
    assert not any("pseudonymization" in c for c in _columns(runner, "characters").values())
    # the names are an identifier: without a strategy they still get the server's pseudonyms
    assert _columns(runner, "characters")["name"] == {
        "field": "name", "type": "category", "identifier": True}


@pytest.mark.parametrize(
    ("strategies", "message"),
    [
        ({"email": Uuid4Strategy()}, "not in table 'characters'"),
        ({"name": {"kind": "MD5"}}, "Unknown pseudonymization kind"),
        ({"name": {"kind": "UUID4", "colour": "red"}}, "Unknown fields"),
        ({"name": "UUID4"}, "must be a strategy object"),
    ],
)
def test_bad_strategies_are_refused(runner: Runner, strategies: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        runner.set_parameters("characters", k=5, pseudonymized_columns=strategies)

