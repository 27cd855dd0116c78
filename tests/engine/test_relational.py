"""Re-keying related avatar tables: fresh identifiers, links kept."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from avatar_engine import InvalidDataError, InvalidParameterError
from avatar_engine.relational import rekey_identifiers

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
KEYS = {"patient": "p_id", "doctor": "d_id", "visit": "visit_id"}
LINKS = [
    ("visit", "patient_id", "patient", "p_id"),
    ("visit", "doctor_id", "doctor", "d_id"),
]


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    return {name: pd.read_csv(FIXTURES / f"{name}.csv") for name in ("patient", "visit", "doctor")}


def _joined(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    visits = tables["visit"].merge(tables["patient"], left_on="patient_id", right_on="p_id")
    visits = visits.merge(tables["doctor"], left_on="doctor_id", right_on="d_id")
    columns = ["day_visit", "exam", "gender", "height", "age_x", "weight", "job", "age_y"]
    return visits[columns].sort_values(columns).reset_index(drop=True)


def test_links_are_kept_and_identifiers_replaced(tables: dict[str, pd.DataFrame]) -> None:
    rekeyed = rekey_identifiers(tables, KEYS, LINKS, seed=42)

    pd.testing.assert_frame_equal(_joined(rekeyed), _joined(tables))
    for name, key in KEYS.items():
        new, old = rekeyed[name][key], tables[name][key]
        assert sorted(new) == list(range(len(old)))
        assert (new.to_numpy() == old.to_numpy()).mean() < 0.05, name
        keys = [key] + [field for table, field, _, _ in LINKS if table == name]
        pd.testing.assert_frame_equal(
            rekeyed[name].drop(columns=keys), tables[name].drop(columns=keys)
        )


def test_inputs_are_left_untouched(tables: dict[str, pd.DataFrame]) -> None:
    copies = {name: frame.copy() for name, frame in tables.items()}

    rekey_identifiers(tables, KEYS, LINKS, seed=1)

    for name, frame in tables.items():
        pd.testing.assert_frame_equal(frame, copies[name])


def test_seed_makes_the_keys_reproducible(tables: dict[str, pd.DataFrame]) -> None:
    first = rekey_identifiers(tables, KEYS, LINKS, seed=7)
    again = rekey_identifiers(tables, KEYS, LINKS, seed=7)
    other = rekey_identifiers(tables, KEYS, LINKS, seed=8)

    for name in tables:
        pd.testing.assert_frame_equal(first[name], again[name])
    assert not first["patient"]["p_id"].equals(other["patient"]["p_id"])


def test_missing_foreign_keys_stay_missing_and_text_keys_work() -> None:
    owners = pd.DataFrame({"code": ["a7", "b3", "c9"], "size": [1, 2, 3]})
    pets = pd.DataFrame({"owner": ["c9", None, "a7", "c9"], "name": ["w", "x", "y", "z"]})
    scores = pd.DataFrame({"owner": [np.nan, 20.0], "value": [0.1, 0.2]})
    counts = pd.DataFrame({"id": [10, 20, 30]})

    rekeyed = rekey_identifiers(
        {"owners": owners, "pets": pets, "scores": scores, "counts": counts},
        {"owners": "code", "counts": "id"},
        [("pets", "owner", "owners", "code"), ("scores", "owner", "counts", "id")],
        seed=0,
    )

    new_codes = dict(zip(owners["code"], rekeyed["owners"]["code"], strict=True))
    assert set(new_codes.values()) == {"0", "1", "2"}
    assert rekeyed["pets"]["owner"].tolist()[0] == new_codes["c9"]
    assert rekeyed["pets"]["owner"].tolist()[2] == new_codes["a7"]
    assert rekeyed["pets"]["owner"].tolist()[3] == new_codes["c9"]
    assert pd.isna(rekeyed["pets"]["owner"].iloc[1])
    new_ids = dict(zip(counts["id"], rekeyed["counts"]["id"], strict=True))
    assert pd.isna(rekeyed["scores"]["owner"].iloc[0])
    assert rekeyed["scores"]["owner"].iloc[1] == new_ids[20]


def test_unknown_foreign_value_names_table_and_field(tables: dict[str, pd.DataFrame]) -> None:
    tables["visit"].loc[5, "patient_id"] = 9999

    with pytest.raises(InvalidDataError, match=r"visit\.patient_id.*row 5.*'patient'") as error:
        rekey_identifiers(tables, KEYS, LINKS, seed=0)
    assert error.value.column == "patient_id"
    assert "9999" not in str(error.value)  # no data value in messages that may be logged


def test_duplicated_or_missing_primary_keys_are_refused(tables: dict[str, pd.DataFrame]) -> None:
    duplicated = {**tables, "doctor": tables["doctor"].assign(d_id=0)}
    with pytest.raises(InvalidDataError, match=r"doctor\.d_id.*duplicated"):
        rekey_identifiers(duplicated, KEYS, LINKS)

    holes = tables["patient"].astype({"p_id": float})
    holes.loc[3, "p_id"] = np.nan
    with pytest.raises(InvalidDataError, match=r"patient\.p_id.*missing"):
        rekey_identifiers({**tables, "patient": holes}, KEYS, LINKS)


@pytest.mark.parametrize(
    ("keys", "links", "error", "message"),
    [
        ({**KEYS, "nurse": "n_id"}, LINKS, InvalidParameterError, "nurse"),
        (KEYS, [("visit", "patient_id", "patient", "age")], InvalidParameterError, "primary key"),
        (KEYS, [("visit", "nurse_id", "patient", "p_id")], InvalidDataError, "nurse_id"),
        (KEYS, [("ward", "patient_id", "patient", "p_id")], InvalidParameterError, "ward"),
        ({**KEYS, "doctor": "doctor_code"}, LINKS, InvalidDataError, "doctor_code"),
    ],
)
def test_inconsistent_schema_is_refused(
    tables: dict[str, pd.DataFrame],
    keys: dict[str, str],
    links: list[tuple[str, str, str, str]],
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error, match=message):
        rekey_identifiers(tables, keys, links, seed=0)
