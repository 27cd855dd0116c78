"""Metrics of the relational structure: children per parent, links across tables, joined view."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from avatar_engine.metrics import compute_privacy_metrics
from avatar_engine.metrics.signal import hellinger_distance

if TYPE_CHECKING:  # holdout builds on the joined view defined here
    from avatar_engine.relational.holdout import PairAvatarizer

__all__ = [
    "children_per_parent_hellinger",
    "cross_table_association_gap",
    "cross_table_correlation_gap",
    "joined_view",
    "structure_metrics",
    "structure_signal",
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


def cross_table_association_gap(
    original: pd.DataFrame,
    avatar: pd.DataFrame,
    child_columns: list[str],
    parent_columns: list[str],
) -> float:
    """Mean absolute difference of the associations between every child and parent column.

    The association of two numeric columns is their correlation, of a categorical and a numeric
    column the correlation ratio (eta), of two categorical columns Cramer's V; so tables whose
    child variables are categorical (visits: day, exam) are measured too. NaN without pairs.

    Example:
        >>> import pandas as pd
        >>> o = pd.DataFrame({"x": ["a", "b", "a", "b"], "p.y": [1.0, 5.0, 2.0, 6.0]})
        >>> a = pd.DataFrame({"x": ["a", "b", "b", "a"], "p.y": [1.0, 5.0, 2.0, 6.0]})
        >>> round(cross_table_association_gap(o, o, ["x"], ["p.y"]), 3)
        0.0
        >>> round(cross_table_association_gap(o, a, ["x"], ["p.y"]), 3)
        0.97
    """
    gaps = [
        abs(_association(original[c], original[p]) - _association(avatar[c], avatar[p]))
        for c in child_columns
        for p in parent_columns
    ]
    finite = [g for g in gaps if np.isfinite(g)]
    return float(np.mean(finite)) if finite else float("nan")


def _numeric(values: pd.Series) -> bool:
    return bool(
        pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype)
    )


def _association(a: pd.Series, b: pd.Series) -> float:
    kept = a.notna().to_numpy() & b.notna().to_numpy()
    a, b = a[kept].reset_index(drop=True), b[kept].reset_index(drop=True)
    if len(a) < 3:
        return float("nan")
    if _numeric(a) and _numeric(b):
        x, y = a.to_numpy(dtype=float), b.to_numpy(dtype=float)
        if x.std() == 0 or y.std() == 0:
            return float("nan")
        return float(np.corrcoef(x, y)[0, 1])
    if _numeric(a) != _numeric(b):
        numbers, groups = (a, b) if _numeric(a) else (b, a)
        y = numbers.to_numpy(dtype=float)
        total = float(((y - y.mean()) ** 2).sum())
        if total == 0:
            return float("nan")
        by = pd.Series(y).groupby(groups.astype(str).to_numpy())
        between = float((by.count() * (by.mean() - y.mean()) ** 2).sum())
        return float(np.sqrt(between / total))
    table = pd.crosstab(a.astype(str), b.astype(str)).to_numpy(dtype=float)
    if min(table.shape) < 2:
        return float("nan")
    expected = table.sum(1, keepdims=True) * table.sum(0, keepdims=True) / table.sum()
    chi2 = float(((table - expected) ** 2 / expected).sum())
    return float(np.sqrt(chi2 / (table.sum() * (min(table.shape) - 1))))


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
    avatarize_pair: PairAvatarizer | None = None,
) -> dict[str, Any]:
    """Children-per-parent Hellinger, cross-table correlation and association gaps, privacy.

    With ``avatarize_pair`` (avatarizes parents with their children as the release was
    made), the WP29 risks of the joined view are measured against a control set of whole
    parents (``joined_holdout_attacks``); without it they are not applicable.

    The avatars are the unshuffled ones (row i of ``avatar_child`` is the avatar of row i of
    ``original_child``); the joined views pair each child with its parent (original, or the
    parent avatar it was attached to), so the privacy metrics follow an individual's joined
    row to its avatar.

    Example:
        >>> structure_metrics(visit, patient, avatar_visit, avatar_patient,  # doctest: +SKIP
        ...     field="patient_id", key="p_id", parent_name="patient", identifiers=["visit_id"])
    """
    signal = structure_signal(
        original_child, original_parent, avatar_child, avatar_parent,
        field=field, key=key, parent_name=parent_name, identifiers=identifiers,
    )
    joined_o, joined_a = signal.pop("joined_original"), signal.pop("joined_avatar")
    kept = signal.pop("columns")
    attacks = None
    if avatarize_pair is not None:
        from avatar_engine.relational.holdout import joined_holdout_attacks

        attacks = partial(
            joined_holdout_attacks, original_child, original_parent, avatarize_pair,
            field=field, key=key, parent_name=parent_name, columns=kept,
            seed=0 if seed is None else seed,
        )
    privacy = compute_privacy_metrics(
        joined_o[kept], joined_a[kept], ncp=min(ncp, max(1, len(kept))), seed=seed,
        control_attacks=attacks,
    )
    return {
        **signal,
        "joined_hidden_rate": privacy["metrics"]["hidden_rate"]["value"],
        "joined_privacy": privacy["metrics"],
        "joined_holdout": privacy["details"].get("holdout"),
    }


def structure_signal(
    original_child: pd.DataFrame,
    original_parent: pd.DataFrame,
    avatar_child: pd.DataFrame,
    avatar_parent: pd.DataFrame,
    *,
    field: str,
    key: str,
    parent_name: str,
    identifiers: list[str],
) -> dict[str, Any]:
    """Children-per-parent Hellinger and cross-table correlation and association gaps.

    Also returns the joined views (``joined_original``, ``joined_avatar``) and the measured
    ``columns`` of the joined view (identifiers and keys left out).

    Example:
        >>> structure_signal(visit, patient, avatar_visit, avatar_patient,  # doctest: +SKIP
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
    association = cross_table_association_gap(joined_o, joined_a, child_columns, parent_columns)
    return {
        "children_per_parent_hellinger": hellinger,
        "cross_table_correlation_gap": gap,
        "cross_table_association_gap": association,
        "joined_original": joined_o,
        "joined_avatar": joined_a,
        "columns": [*child_columns, *parent_columns],
    }
