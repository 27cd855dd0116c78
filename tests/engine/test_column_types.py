"""Column typing: inference, user overrides and parsing of declared types."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from avatar_engine import ColumnType, InvalidDataError
from avatar_engine.encoding import TableCodec
from avatar_engine.types import infer_types


def test_infers_every_type(mixed_table: pd.DataFrame) -> None:
    types = infer_types(mixed_table)
    assert types == {
        "age": ColumnType.INT,
        "weight": ColumnType.FLOAT,
        "sex": ColumnType.CATEGORY,
        "smoker": ColumnType.BOOL,
        "city": ColumnType.CATEGORY,
        "visit": ColumnType.DATETIME,
        "stamp": ColumnType.DATETIME_TZ,
        "score": ColumnType.FLOAT,
        "grade": ColumnType.CATEGORY,
    }


def test_integral_floats_are_ints() -> None:
    table = pd.DataFrame({"a": [1.0, 2.0, np.nan, 4.0], "b": [1.5, 2.0, 3.0, 4.0]})
    assert infer_types(table) == {"a": ColumnType.INT, "b": ColumnType.FLOAT}


def test_overrides_win_and_accept_strings() -> None:
    table = pd.DataFrame({"Class": [2, 4, 2], "x": [1, 2, 3]})
    types = infer_types(table, {"Class": "category"})
    assert types["Class"] is ColumnType.CATEGORY
    assert types["x"] is ColumnType.INT


def test_unknown_override_column_or_type() -> None:
    table = pd.DataFrame({"a": [1, 2, 3]})
    with pytest.raises(InvalidDataError, match="'b'") as caught:
        infer_types(table, {"b": "int"})
    assert caught.value.column == "b"
    with pytest.raises(InvalidDataError, match="Unknown type 'number'"):
        infer_types(table, {"a": "number"})


def test_numeric_looking_text_with_garbage_is_refused() -> None:
    values = [str(v) for v in range(100)]
    values[7] = "n/a?"
    with pytest.raises(InvalidDataError, match="looks numeric") as caught:
        infer_types(pd.DataFrame({"dose": values}))
    assert caught.value.column == "dose"


def test_declared_numeric_column_with_unparseable_values() -> None:
    table = pd.DataFrame({"dose": ["1", "2", "abc", "4"]})
    codec = TableCodec({"dose": ColumnType.FLOAT})
    with pytest.raises(InvalidDataError, match=r"1 value\(s\).*row 2") as caught:
        codec.fit_encode(table)
    assert caught.value.column == "dose"


def test_declared_datetime_text_is_parsed_and_decoded_as_text() -> None:
    table = pd.DataFrame({"when": ["2024-01-01T10:00:00", "2024-02-01T11:30:00", None]})
    codec = TableCodec({"when": ColumnType.DATETIME})
    encoded = codec.fit_encode(table)
    assert encoded.continuous[0, 0] == pd.Timestamp("2024-01-01T10:00:00").timestamp()
    decoded = codec.decode(np.nan_to_num(encoded.continuous), encoded.codes)
    assert decoded["when"].iloc[1] == "2024-02-01T11:30:00"
    assert pd.isna(decoded["when"].iloc[2])


def test_encode_decode_round_trip_keeps_values_and_dtypes(mixed_table: pd.DataFrame) -> None:
    codec = TableCodec(infer_types(mixed_table))
    encoded = codec.fit_encode(mixed_table)
    filled = np.nan_to_num(encoded.continuous)
    codes = encoded.codes.copy()
    for j, spec in enumerate(codec.categorical_specs):
        if spec.indicator_of is None:
            codes[:, j] = np.maximum(codes[:, j], 0)
    decoded = codec.decode(filled, codes)
    assert list(decoded.columns) == list(mixed_table.columns)
    assert (decoded.dtypes == mixed_table.dtypes).all()
    pd.testing.assert_frame_equal(decoded, mixed_table)


def test_encoded_matrices_and_integer_support() -> None:
    rng = np.random.default_rng(8)
    table = pd.DataFrame({
        "small": rng.choice([-3.0, 0.0, 2.0, 7.0, np.nan], 500),
        "wide": rng.integers(-1000, 1000, 500),
        "cat": rng.choice(["a", "b", None], 500),
        "x": rng.normal(size=500),
    })
    codec = TableCodec(infer_types(table))
    encoded = codec.fit_encode(table)
    expected = np.column_stack([table["small"], table["wide"], table["x"]])
    np.testing.assert_array_equal(encoded.continuous, expected)
    assert encoded.continuous.flags["C_CONTIGUOUS"]
    assert encoded.codes.flags["C_CONTIGUOUS"]
    assert encoded.codes.shape == (500, 3)  # cat and the indicators of small and cat
    small, wide = codec.continuous_specs[0], codec.continuous_specs[1]
    assert small.support is not None
    assert small.support.tolist() == [-3.0, 0.0, 2.0, 7.0]
    assert wide.support is None
