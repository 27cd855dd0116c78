"""Fixtures shared by the engine tests: real fixtures and a generated mixed table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from engine_tables import make_mixed_table

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@pytest.fixture
def mixed_table() -> pd.DataFrame:
    """300 rows, every column type, ~8 % missing values in four columns."""
    return make_mixed_table()


@pytest.fixture(scope="session")
def wbcd() -> pd.DataFrame:
    """The Wisconsin breast cancer fixture (683 rows, 10 integer columns)."""
    return pd.read_csv(FIXTURES / "wbcd.csv")


@pytest.fixture(scope="session")
def iris() -> pd.DataFrame:
    """The iris fixture (4 floats with one decimal, one category)."""
    return pd.read_csv(FIXTURES / "iris.csv")
