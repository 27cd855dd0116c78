"""Bad input raises a clear engine error naming the column or parameter, never a raw one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from real_tables import rtable

from avatar_engine import (
    AvatarizationParameters,
    EngineError,
    InvalidDataError,
    InvalidParameterError,
    ResourceLimitError,
    avatarize,
    compute_privacy_metrics,
    compute_signal_metrics,
)


def _table(rows: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"a": rng.normal(size=rows), "b": rng.choice(["x", "y", "z"], rows)})


def test_empty_table() -> None:
    with pytest.raises(InvalidDataError, match="empty"):
        avatarize(pd.DataFrame({"a": []}), AvatarizationParameters())
    with pytest.raises(InvalidDataError, match="empty"):
        avatarize(pd.DataFrame(index=range(5)), AvatarizationParameters(k=2))


def test_only_identifier_columns_is_empty() -> None:
    with pytest.raises(InvalidDataError, match="at least one column"):
        avatarize(pd.DataFrame({"id": range(10)}), AvatarizationParameters(k=2),
                  identifiers=["id"])


def test_one_row() -> None:
    with pytest.raises(InvalidDataError, match="1 row"):
        avatarize(_table(1), AvatarizationParameters(k=2))


@pytest.mark.parametrize("k", [30, 31, 1000])
def test_k_not_below_rows(k: int) -> None:
    with pytest.raises(InvalidParameterError, match="smaller than the number of rows") as caught:
        avatarize(_table(30), AvatarizationParameters(k=k))
    assert caught.value.parameter == "k"


@pytest.mark.parametrize("k", [1, 0, -3, 2.5, True])
def test_k_too_small_or_not_int(k: object) -> None:
    with pytest.raises(InvalidParameterError, match="at least 2") as caught:
        avatarize(_table(), AvatarizationParameters(k=k))  # type: ignore[arg-type]
    assert caught.value.parameter == "k"


@pytest.mark.parametrize("ncp", [0, -1, 50])
def test_ncp_out_of_range(ncp: int) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        avatarize(_table(), AvatarizationParameters(k=5, ncp=ncp))
    assert caught.value.parameter == "ncp"
    assert "ncp" in str(caught.value)


def test_constant_and_all_missing_columns_are_passed_through_unchanged() -> None:
    data = rtable("survival", "colon").drop(columns=["id"]).dropna().head(400)
    assert data["study"].nunique() == 1
    table = data.assign(empty=np.nan, country="FR").reset_index(drop=True)
    result = avatarize(table, AvatarizationParameters(k=5, ncp=3, seed=1))
    assert list(result.shuffled.columns) == list(table.columns)
    assert result.shuffled["empty"].isna().all()
    assert (result.shuffled["country"] == "FR").all()
    assert (result.shuffled["study"] == data["study"].iloc[0]).all()
    assert result.metadata["passed_through"] == ["study", "empty", "country"]
    assert "study" not in result.metadata["column_types"]
    assert result.shuffled["age"].nunique() > 1


def test_a_table_of_constant_columns_is_refused() -> None:
    table = pd.DataFrame({"country": ["FR"] * 10, "empty": [np.nan] * 10})
    with pytest.raises(InvalidDataError, match="constant or empty"):
        avatarize(table, AvatarizationParameters(k=3))


def test_constant_column_can_be_excluded() -> None:
    table = _table().assign(country="FR")
    result = avatarize(table, AvatarizationParameters(k=5, ncp=2,
                                                      exclude_variables=["country"]))
    assert (result.shuffled["country"] == "FR").all()


def test_unparseable_values_in_numeric_column() -> None:
    table = _table().assign(dose=["1.5"] * 29 + ["high"])
    with pytest.raises(InvalidDataError, match="cannot be read as numbers") as caught:
        avatarize(table, AvatarizationParameters(k=5), types={"dose": "float"})
    assert caught.value.column == "dose"


def test_unparseable_dates() -> None:
    table = _table().assign(when=["2024-01-01"] * 29 + ["someday"])
    with pytest.raises(InvalidDataError, match="dates") as caught:
        avatarize(table, AvatarizationParameters(k=5), types={"when": "datetime"})
    assert caught.value.column == "when"


def test_duplicate_column_names() -> None:
    table = pd.DataFrame(np.random.default_rng(0).normal(size=(10, 3)), columns=["a", "b", "a"])
    with pytest.raises(InvalidDataError, match="more than once") as caught:
        avatarize(table, AvatarizationParameters(k=3))
    assert caught.value.column == "a"


def test_too_many_modalities() -> None:
    rows = 4000
    names = [f"n{i}" for i in range(rows)]
    table = pd.DataFrame({"a": np.arange(rows, dtype=float), "name": names})
    with pytest.raises(ResourceLimitError, match="'name'"):
        avatarize(table, AvatarizationParameters(k=5))


@pytest.mark.parametrize(
    ("parameters", "name"),
    [
        (AvatarizationParameters(imputation_k=0), "imputation_k"),
        (AvatarizationParameters(imputation_training_fraction=0.0), "imputation_training_fraction"),
        (AvatarizationParameters(imputation_training_fraction=1.5), "imputation_training_fraction"),
        (AvatarizationParameters(imputation_method="magic"), "imputation_method"),  # type: ignore[arg-type]
        (AvatarizationParameters(exclude_replacement_strategy="x"), "exclude_replacement_strategy"),  # type: ignore[arg-type]
        (AvatarizationParameters(seed="abc"), "seed"),  # type: ignore[arg-type]
        (AvatarizationParameters(column_weights={"a": 0.0}), "column_weights"),
        (AvatarizationParameters(column_weights={"nope": 1.0}), "column_weights"),
        (AvatarizationParameters(exclude_variables=["nope"]), "exclude_variables"),
    ],
)
def test_bad_parameters_name_the_parameter(parameters: AvatarizationParameters,
                                           name: str) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        avatarize(_table(), parameters.__class__(**{**parameters.__dict__, "k": 5}))
    assert caught.value.parameter == name


def test_unknown_identifier() -> None:
    with pytest.raises(InvalidParameterError, match="'pid'"):
        avatarize(_table(), AvatarizationParameters(k=5), identifiers=["pid"])


def test_not_a_dataframe() -> None:
    with pytest.raises(InvalidDataError, match="DataFrame"):
        avatarize([[1, 2], [3, 4]], AvatarizationParameters(k=2))  # type: ignore[arg-type]


def test_unexpected_failures_are_wrapped(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("internal detail")

    monkeypatch.setattr("avatar_engine.avatarization.nearest_others", broken)
    with pytest.raises(EngineError, match="unexpectedly") as caught:
        avatarize(_table(), AvatarizationParameters(k=5, ncp=2))
    assert "internal detail" not in str(caught.value)
    assert isinstance(caught.value.__cause__, ValueError)


def test_metrics_refuse_mismatched_tables() -> None:
    table = _table()
    with pytest.raises(InvalidDataError, match="same columns"):
        compute_privacy_metrics(table, table.rename(columns={"a": "c"}))
    with pytest.raises(InvalidDataError, match="UNSHUFFLED"):
        compute_privacy_metrics(table, table.iloc[:10])
    with pytest.raises(InvalidDataError, match="same columns"):
        compute_signal_metrics(table, table[["a"]])
    with pytest.raises(InvalidParameterError) as caught:
        compute_privacy_metrics(table, table, known_variables=["zzz"])
    assert caught.value.parameter == "known_variables"
