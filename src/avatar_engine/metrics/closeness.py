"""Avatars closer to an original than originals are to each other (``quantile_threshold``).

The threshold is the q-th percentile of the distance from each original to its nearest other
original, in the FAMD fitted on the originals. An avatar below it sits closer to some real
person than q % of the real people sit to their nearest fellow: the share of such avatars is
a plain reading of "too close" that does not depend on how avatars and originals are paired.

Example:
    >>> import pandas as pd
    >>> data = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0, 5.0], "b": [2.0, 1.0, 4.0, 3.0, 5.0]})
    >>> closeness_below_quantile(data, data, quantile_threshold=50, ncp=2)["share_below"]
    100.0
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from avatar_engine.errors import InvalidParameterError
from avatar_engine.metrics._common import build_space
from avatar_engine.neighbours import nearest_others
from avatar_engine.types import ColumnType

__all__ = ["closeness_below_quantile"]


def closeness_below_quantile(
    original: pd.DataFrame,
    avatars: pd.DataFrame,
    *,
    quantile_threshold: int,
    types: Mapping[str, ColumnType] | None = None,
    ncp: int = 5,
) -> dict[str, Any]:
    """Share (%) of avatars whose closest original is nearer than the threshold distance.

    Args:
        original: the originals (identifier columns dropped).
        avatars: the avatars, same columns, any order and number of rows.
        quantile_threshold: percentile q in [1, 99] of the originals' nearest-other distances.
        types: column type overrides.
        ncp: FAMD components.

    Returns:
        ``{"quantile_threshold": q, "threshold_distance": d, "share_below": percent}``.

    Raises:
        InvalidParameterError: q outside [1, 99].
    """
    if isinstance(quantile_threshold, bool) or not 1 <= int(quantile_threshold) <= 99:
        raise InvalidParameterError(
            "quantile_threshold",
            f"quantile_threshold must be an integer in [1, 99], got {quantile_threshold!r}.")
    space = build_space(original, avatars, types, ncp=ncp)
    assert space.original_coords is not None
    assert space.avatar_coords is not None
    own, _ = nearest_others(space.original_coords, 1, workers=1)
    threshold = float(np.percentile(own[:, 0], int(quantile_threshold)))
    closest, _ = cKDTree(space.original_coords).query(space.avatar_coords, k=1, workers=1)
    return {
        "quantile_threshold": int(quantile_threshold),
        "threshold_distance": round(threshold, 6),
        "share_below": round(100.0 * float(np.mean(closest < threshold)), 6)
        if threshold > 0 else round(100.0 * float(np.mean(closest <= 0)), 6),
    }
