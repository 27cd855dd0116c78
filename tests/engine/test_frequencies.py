"""Categorical columns keep their modality frequencies (as their numeric twins do)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from real_tables import rtable, wbcd

from avatar_engine import AvatarizationParameters, ColumnType, avatarize
from avatar_engine.frequencies import calibrate_categories


def _hellinger(original: pd.Series, avatars: pd.Series) -> float:
    p = original.astype(str).value_counts(normalize=True)
    q = avatars.astype(str).value_counts(normalize=True)
    modalities = p.index.union(q.index)
    p, q = p.reindex(modalities, fill_value=0), q.reindex(modalities, fill_value=0)
    return float(np.sqrt(0.5 * ((np.sqrt(p) - np.sqrt(q)) ** 2).sum()))


@pytest.mark.parametrize(("loader", "columns"), [
    (wbcd, ["Clump_Thickness", "Uniformity_of_Cell_Size", "Marginal_Adhesion", "Mitoses"]),
    (lambda: rtable("MASS", "birthwt"), ["race", "ptl", "ftv"]),
])
def test_declared_categorical_scores_keep_their_frequencies(
    loader: Callable[[], pd.DataFrame], columns: list[str]
) -> None:
    data = loader()
    types = dict.fromkeys(columns, ColumnType.CATEGORY)
    avatars = avatarize(data, AvatarizationParameters(seed=1), types=types).shuffled
    for column in columns:
        # was 0.06-0.10 on wbcd's 10-modality scores (drawn from neighbours, uncalibrated)
        assert _hellinger(data[column], avatars[column]) < 0.005, column


def test_calibration_moves_the_avatars_whose_neighbours_hold_the_missing_modality() -> None:
    originals = np.array([[0], [0], [1], [1], [2], [2]])
    drawn = np.array([[0], [0], [0], [0], [2], [2]])  # modality 1 lost, 0 doubled
    neighbours = np.array([[1, 2], [0, 4], [3, 0], [2, 1], [5, 2], [4, 3]])
    weights = np.array([[0.9, 0.1], [0.9, 0.1], [0.9, 0.1], [0.9, 0.1], [0.9, 0.1],
                        [0.9, 0.1]])
    out = calibrate_categories(drawn, originals, neighbours, weights, [0],
                               np.random.default_rng(0))
    assert np.bincount(out[:, 0]).tolist() == [2, 2, 2]
    # avatars 2 and 3 have neighbours of modality 1 with most weight: they move, not 0 or 1
    assert out[:, 0].tolist() == [0, 0, 1, 1, 2, 2]
