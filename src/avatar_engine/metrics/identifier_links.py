"""Identifier columns carried over into avatars whose originals are not known.

When avatars come from elsewhere, nothing says which original each avatar stands for. A
column whose original values are (nearly) all distinct, an identifier, then leaks when the
avatars carry their own individual's value: the value names an original, and that original
is close to the avatar. A column renumbered afresh also names originals, but at random, so
the originals it names are no closer to the avatars than any other.

For each such column, every avatar whose value names an original gets the percentile rank of
that original among all originals by distance to the avatar (0: the closest). The excess
link is ``matched share x max(0, 1 - 2 x median rank)``: about 0 for values unrelated to the
avatars (median rank 0.5), near the matched share when the values are carried over.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["identifier_columns", "identifier_links"]

FloatArray = npt.NDArray[np.float64]

DISTINCT_SHARE = 0.9
"""A column is identifier-like when this share of its non-missing values are distinct."""
_MAX_CHECKED = 2_000  # avatars whose named original is ranked (a sample beyond that)


def identifier_columns(original: pd.DataFrame, *, exact_only: bool = False) -> list[str]:
    """Columns whose original values are (nearly) all distinct, at least 10 of them.

    ``exact_only`` keeps labels, not measurements: text or categories, and whole numbers
    only when every value is distinct (a measured float, or a salary in whole euros, can be
    nearly all distinct without identifying anyone).

    Example:
        >>> table = pd.DataFrame({"id": [f"P{i}" for i in range(20)], "sex": ["F", "M"] * 10})
        >>> identifier_columns(table)
        ['id']
    """
    found = []
    for name in original.columns:
        column = original[name].dropna()
        if len(column) < 10 or column.nunique() < DISTINCT_SHARE * len(column):
            continue
        if exact_only and pd.api.types.is_numeric_dtype(column.dtype) and (
                pd.api.types.is_float_dtype(column.dtype) or column.nunique() < len(column)):
            continue
        found.append(str(name))
    return found


def identifier_links(
    original: pd.DataFrame, avatars: pd.DataFrame, columns: Sequence[str],
    original_coords: FloatArray, avatar_coords: FloatArray,
) -> tuple[float | None, str | None, dict[str, Any]]:
    """(worst excess link %, its column, per-column details) of identifier columns.

    ``original_coords`` / ``avatar_coords`` place both tables in one space that leaves the
    identifier columns out.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> x = rng.normal(size=(50, 2))
        >>> ids = pd.DataFrame({"id": np.arange(50)})
        >>> value, column, _ = identifier_links(ids, ids, ["id"], x, x + 0.01)
        >>> column, value > 90
        ('id', True)
    """
    if not columns:
        return None, None, {}
    rng = np.random.default_rng(0)
    details: dict[str, Any] = {}
    worst: tuple[float, str] | None = None
    for column in columns:
        lookup = {value: row for row, value in enumerate(original[column].to_numpy())
                  if not pd.isna(value)}
        named = np.array([lookup.get(value, -1) if not pd.isna(value) else -1
                          for value in avatars[column].to_numpy()])
        matched = np.flatnonzero(named >= 0)
        share = float(len(matched)) / max(len(avatars), 1)
        median_rank: float | None = None
        excess = 0.0
        if len(matched):
            if len(matched) > _MAX_CHECKED:
                matched = np.sort(rng.choice(matched, _MAX_CHECKED, replace=False))
            ranks = _ranks(avatar_coords[matched], original_coords, named[matched])
            median_rank = float(np.median(ranks))
            excess = 100.0 * share * max(0.0, 1.0 - 2.0 * median_rank)
        details[column] = {"avatars_naming_an_original": round(100.0 * share, 6),
                           "median_rank_of_named_original": None if median_rank is None else
                           round(median_rank, 6),
                           "excess_link": round(excess, 6)}
        if worst is None or excess > worst[0]:
            worst = (excess, column)
    assert worst is not None
    return worst[0], worst[1], details


def _ranks(avatars: FloatArray, originals: FloatArray, named: npt.NDArray[np.int64]
           ) -> FloatArray:
    """Per avatar: share of originals closer to it than the one it names."""
    ranks = np.empty(len(avatars))
    step = max(1, 4_000_000 // max(1, len(originals) * max(1, originals.shape[1])))
    for start in range(0, len(avatars), step):
        part = slice(start, start + step)
        d = ((avatars[part, None, :] - originals[None, :, :]) ** 2).sum(axis=2)
        own = d[np.arange(d.shape[0]), named[part]]
        ranks[part] = (d < own[:, None]).sum(axis=1) / max(len(originals) - 1, 1)
    return ranks
