"""Metrics of the relational structure: children per parent, links across tables, joined view."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from avatar_engine.metrics import compute_privacy_metrics
from avatar_engine.metrics.signal import hellinger_distance

__all__ = [
    "children_per_parent_hellinger",
    "cross_table_correlation_gap",
    "joined_view",
    "structure_metrics",
]


#: Number of bins of the children-per-parent distribution when counts range more widely.
MAX_BINS = 20


def children_per_parent_hellinger(
    original_keys: pd.Series,
    original_parents: pd.Series,
    avatar_keys: pd.Series,
    avatar_parents: pd.Series,
) -> float:
    """Hellinger distance between the distributions of the number of children per parent.

    Args:
        original_keys: primary keys of the original parents (parents without children count 0).
        original_parents: foreign keys of the original children.
        avatar_keys: primary keys of the parent avatars.
        avatar_parents: foreign keys of the child avatars.

    Example:
        >>> import pandas as pd
        >>> k = pd.Series([0, 1, 2])
        >>> children_per_parent_hellinger(k, pd.Series([0, 0, 1]), k, pd.Series([2, 2, 0]))
        0.0
    """
    original = original_parents.value_counts().reindex(original_keys, fill_value=0).to_numpy()
    avatar = avatar_parents.value_counts().reindex(avatar_keys, fill_value=0).to_numpy()
    top = int(max(original.max(initial=0), avatar.max(initial=0))) + 1
    # Exact counts up to MAX_BINS values; wider ranges in MAX_BINS equal bins.
    width = max(1, int(np.ceil(top / MAX_BINS)))
    p = np.bincount(original.astype(np.int64) // width, minlength=top // width + 1).astype(float)
    q = np.bincount(avatar.astype(np.int64) // width, minlength=top // width + 1).astype(float)
    return float(hellinger_distance(p / p.sum(), q / q.sum()))


def joined_view(
    child: pd.DataFrame, parent: pd.DataFrame, field: str, key: str, parent_name: str
) -> pd.DataFrame:
    """Each child row with its parent's variables (``<parent>.<column>``), in the child's order.

    Example:
        >>> import pandas as pd
        >>> joined_view(pd.DataFrame({"pid": [1, 0]}), pd.DataFrame({"id": [0, 1], "a": [5, 6]}),
        ...             "pid", "id", "p")["p.a"].tolist()
        [6, 5]
    """
    renamed = parent.rename(columns={c: f"{parent_name}.{c}" for c in parent.columns})
    out = child.merge(
        renamed, left_on=field, right_on=f"{parent_name}.{key}", how="left", sort=False
    )
    return out.drop(columns=[f"{parent_name}.{key}"])


def cross_table_correlation_gap(
    original: pd.DataFrame,
    avatar: pd.DataFrame,
    child_columns: list[str],
    parent_columns: list[str],
) -> float:
    """Mean absolute difference of the correlations between child and parent numeric columns.

    NaN when one side has no numeric column.

    Example:
        >>> import pandas as pd
        >>> o = pd.DataFrame({"x": [1.0, 2, 3, 4], "p.y": [1.0, 2, 3, 5]})
        >>> round(cross_table_correlation_gap(o, o, ["x"], ["p.y"]), 3)
        0.0
    """
    numeric = [
        c
        for c in (*child_columns, *parent_columns)
        if pd.api.types.is_numeric_dtype(original[c])
        and not pd.api.types.is_bool_dtype(original[c])
    ]
    cc = [c for c in child_columns if c in numeric]
    pc = [c for c in parent_columns if c in numeric]
    if not cc or not pc:
        return float("nan")
    a = original[numeric].corr().loc[cc, pc].to_numpy()
    b = avatar[numeric].apply(pd.to_numeric, errors="coerce").corr().loc[cc, pc].to_numpy()
    return float(np.nanmean(np.abs(a - b)))


def structure_metrics(
    original_child: pd.DataFrame,
    original_parent: pd.DataFrame,
    avatar_child: pd.DataFrame,
    avatar_parent: pd.DataFrame,
    *,
    field: str,
    key: str,
    parent_name: str,
    identifiers: list[str],
    seed: int | None = None,
    ncp: int = 5,
) -> dict[str, Any]:
    """Children-per-parent Hellinger, cross-table correlation gap and joined-view privacy.

    The avatars are the unshuffled ones (row i of ``avatar_child`` is the avatar of row i of
    ``original_child``); the joined views pair each child with its parent (original, or the
    parent avatar it was attached to), so the privacy metrics follow an individual's joined
    row to its avatar.

    Example:
        >>> structure_metrics(visit, patient, avatar_visit, avatar_patient,  # doctest: +SKIP
        ...     field="patient_id", key="p_id", parent_name="patient", identifiers=["visit_id"])
    """
    hellinger = children_per_parent_hellinger(
        original_parent[key], original_child[field], avatar_parent[key], avatar_child[field]
    )
    joined_o = joined_view(original_child, original_parent, field, key, parent_name)
    joined_a = joined_view(avatar_child, avatar_parent, field, key, parent_name)
    dropped = [
        c
        for c in joined_o.columns
        if c in identifiers
        or c == field
        or (c.startswith(f"{parent_name}.") and c[len(parent_name) + 1 :] in identifiers)
    ]
    child_columns = [c for c in original_child.columns if c not in dropped and c in joined_o]
    parent_columns = [
        c for c in joined_o.columns if c.startswith(f"{parent_name}.") and c not in dropped
    ]
    gap = cross_table_correlation_gap(joined_o, joined_a, child_columns, parent_columns)
    kept = [*child_columns, *parent_columns]
    privacy = compute_privacy_metrics(
        joined_o[kept], joined_a[kept], ncp=min(ncp, max(1, len(kept))), seed=seed
    )
    return {
        "children_per_parent_hellinger": hellinger,
        "cross_table_correlation_gap": gap,
        "joined_hidden_rate": privacy["metrics"]["hidden_rate"]["value"],
        "joined_privacy": privacy["metrics"],
    }
