"""Attach child avatars to parent avatars by a link method, never by the original key.

Each child avatar carries an avatar of its parent's profile (the context columns); each parent
avatar carries its own variables and an avatar of its number of children. The link methods:

- ``linear_sum_assignment``: every parent avatar gets as many children as its avatarized count
  says (scaled to the number of child rows), and the children are spread over those places so
  that the total distance between the child's parent profile and the parent avatar is smallest
  (exact for small tables, block-wise along the main axis of the profiles for large ones).
- ``minimum_distance_assignment``: each child avatar goes to the nearest parent avatar.

With both, a child avatar is never attached to the avatar of its own original parent (when
another parent avatar exists). A link made by similarity alone would put it there far more often
than chance: the child's parent profile and its parent's avatar both come from the same
original parent, so that parent's avatar is among the nearest, and the excess grows with the
number of parents (about the number of parents over the number of parent avatars a child's
profile is spread over: 3x chance on 130 patients, 25x on 100,000 parents). Keeping the child
off that one avatar, while it still goes to one of the parent avatars nearest its profile,
keeps the cross-table structure and releases nothing of the original link; the original key
is used for that only.
- ``sensitive_original_order_assignment``: each child avatar goes to the avatar of its own
  original parent (the original structure is released as it is: sensitive).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from avatar_engine.errors import InvalidParameterError

__all__ = ["LINK_METHODS", "assign_parents", "quotas_by_rank", "quotas_from_counts"]

LINK_METHODS = (
    "linear_sum_assignment",
    "minimum_distance_assignment",
    "sensitive_original_order_assignment",
)
#: Largest block solved exactly by the Hungarian algorithm in the block-wise assignment.
BLOCK_SIZE = 400
#: Quantile of a child's distances to the places that sets the scale of the assignment noise.
NOISE_QUANTILE = 0.5


def assign_parents(
    child_profiles: pd.DataFrame,
    parent_values: pd.DataFrame,
    *,
    method: str = "linear_sum_assignment",
    counts: Sequence[float] | np.ndarray | None = None,
    original_parents: np.ndarray | None = None,
    seed: int | None = None,
    avoid_own_parent: bool = True,
    count_distribution: Sequence[float] | np.ndarray | None = None,
) -> np.ndarray:
    """Row of ``parent_values`` that each row of ``child_profiles`` is attached to.

    Args:
        child_profiles: one row per child avatar: its avatar of the parent's variables, with the
            parent's column names.
        parent_values: one row per parent avatar (same columns).
        method: one of ``LINK_METHODS``.
        counts: avatarized number of children of each parent avatar (linear sum assignment;
            uniform when not given).
        original_parents: row of each child's own original parent (-1: none); the sensitive
            method attaches to it, the others keep the child off it.
        seed: seed of the tie-breaking noise.
        avoid_own_parent: keep each child off its own original parent's avatar (needs
            ``original_parents``; False only to measure what similarity alone gives).
        count_distribution: original numbers of children per parent (linear sum assignment):
            when given, the quotas are these numbers dealt by the rank of ``counts``
            (``quotas_by_rank``), so the distribution of children per parent is kept although
            avatarized counts are smoothed towards the mean.

    Returns:
        Integer array of parent rows, one per child row.

    Raises:
        InvalidParameterError: unknown method, no parent, or the sensitive method without
            ``original_parents``.

    Example:
        >>> import pandas as pd
        >>> parents = pd.DataFrame({"age": [20.0, 80.0]})
        >>> children = pd.DataFrame({"age": [79.0, 21.0, 75.0]})
        >>> assign_parents(children, parents, method="minimum_distance_assignment").tolist()
        [1, 0, 1]
        >>> assign_parents(children, parents, method="minimum_distance_assignment",
        ...                original_parents=np.array([1, 1, 0])).tolist()
        [0, 0, 1]
    """
    if method not in LINK_METHODS:
        raise InvalidParameterError(
            "method", f"Unknown link method {method!r}; use one of {', '.join(LINK_METHODS)}."
        )
    n_children, n_parents = len(child_profiles), len(parent_values)
    if method == "sensitive_original_order_assignment":
        if original_parents is None:
            raise InvalidParameterError(
                "method", "sensitive_original_order_assignment needs the original parents."
            )
        return np.asarray(original_parents, dtype=np.int64)
    if n_children == 0:
        return np.zeros(0, dtype=np.int64)
    if n_parents == 0:
        raise InvalidParameterError("links", "Child rows cannot be attached: the parent is empty.")
    rng = np.random.default_rng(seed)
    parents, children = _encoded(parent_values, child_profiles)
    own = np.full(n_children, -1, dtype=np.int64)
    if avoid_own_parent and original_parents is not None and n_parents > 1:
        own = np.asarray(original_parents, dtype=np.int64)
    if method == "minimum_distance_assignment":
        return _nearest_other(children, parents, own, rng)
    weights = np.ones(n_parents) if counts is None else np.asarray(counts, dtype=float)
    if count_distribution is None:
        quotas = quotas_from_counts(weights, n_children)
    else:
        quotas = quotas_by_rank(weights, np.asarray(count_distribution, float), n_children, rng)
    slots = np.repeat(np.arange(n_parents), quotas)
    return _assign_to_slots(children, parents, slots, own, rng)


def _nearest_other(
    children: np.ndarray, parents: np.ndarray, own: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Nearest parent row of each child that is not its own (``own``: -1 for none)."""
    # Tiny noise breaks exact ties at random rather than always towards the first parent.
    jitter = rng.normal(scale=1e-9, size=children.shape)
    k = min(2, len(parents))
    _, nearest = cKDTree(parents).query(children + jitter, k=k)
    nearest = np.asarray(nearest, dtype=np.int64).reshape(len(children), k)
    chosen = nearest[:, 0].copy()
    if k > 1:
        taken = chosen == own
        chosen[taken] = nearest[taken, 1]
    return chosen


def quotas_by_rank(
    counts: np.ndarray, reference: np.ndarray, total: int, rng: np.random.Generator
) -> np.ndarray:
    """The ``reference`` numbers of children dealt to parents by the rank of ``counts``.

    The parent with the largest avatarized count gets the largest reference number, and so on
    (ties in random order); the numbers are rescaled to sum to ``total`` when they do not.
    With as many parents as reference numbers, the distribution of children per parent is the
    reference's, while which parent avatar gets which number follows the avatarized counts.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> quotas_by_rank(np.array([2.1, 2.4, 1.9]), np.array([5, 0, 1]), 6, rng).tolist()
        [1, 5, 0]
    """
    n = len(counts)
    values = np.nan_to_num(np.clip(np.asarray(reference, dtype=float), 0.0, None))
    if len(values) != n:
        # another number of parents: the reference's quantiles at n evenly spaced ranks
        values = np.quantile(values, np.linspace(0, 1, n)) if len(values) else np.ones(n)
    order = np.lexsort((rng.random(n), np.nan_to_num(np.asarray(counts, dtype=float))))
    placed = np.empty(n)
    placed[order] = np.sort(values)
    return quotas_from_counts(placed, total)


def quotas_from_counts(counts: np.ndarray, total: int) -> np.ndarray:
    """Integer numbers of children per parent, proportional to ``counts``, summing to ``total``.

    Example:
        >>> quotas_from_counts(np.array([1.4, 0.2, 2.6]), 4).tolist()
        [1, 0, 3]
    """
    values = np.nan_to_num(np.clip(np.asarray(counts, dtype=float), 0.0, None))
    if values.sum() <= 0:
        values = np.ones_like(values)
    scaled = values * total / values.sum()
    quotas = np.floor(scaled).astype(np.int64)
    remainder = int(total - quotas.sum())
    if remainder > 0:
        order = np.argsort(-(scaled - quotas), kind="stable")
        quotas[order[:remainder]] += 1
    return quotas


def _assign_to_slots(
    children: np.ndarray,
    parents: np.ndarray,
    slots: np.ndarray,
    own: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Children -> slots (one child per slot) of least total squared distance.

    A child is put on a slot of its own parent (``own``) only when no other slot is left.
    """
    from scipy.optimize import linear_sum_assignment  # linked tables only: not at import
    from scipy.spatial.distance import cdist

    n = len(children)
    result = np.empty(n, dtype=np.int64)
    if n <= BLOCK_SIZE:
        cost = cdist(children, parents[slots], "sqeuclidean")
        rows, cols = linear_sum_assignment(_kept_off_own(_blurred(cost, rng), own, slots))
        result[rows] = slots[cols]
        return result
    axis = _main_axis(np.vstack([parents, children]))
    # Children and slots are sorted along the main axis and cut into aligned blocks.
    child_key = children @ axis + rng.normal(scale=1e-9, size=n)
    slot_key = (parents @ axis)[slots] + rng.normal(scale=1e-9, size=n)
    child_order = np.argsort(child_key, kind="stable")
    slot_order = np.argsort(slot_key, kind="stable")
    for start in range(0, n, BLOCK_SIZE):
        block_children = child_order[start : start + BLOCK_SIZE]
        block_slots = slots[slot_order[start : start + BLOCK_SIZE]]
        cost = cdist(children[block_children], parents[block_slots], "sqeuclidean")
        cost = _kept_off_own(_blurred(cost, rng), own[block_children], block_slots)
        rows, cols = linear_sum_assignment(cost)
        result[block_children[rows]] = block_slots[cols]
    return result


def _kept_off_own(cost: np.ndarray, own: np.ndarray, slots: np.ndarray) -> np.ndarray:
    """Cost with the slots of each child's own parent made dearer than any other choice."""
    forbidden = own[:, None] == slots[None, :]
    if forbidden.any():
        cost = cost.copy()
        cost[forbidden] += (float(cost.max()) + 1.0) * len(cost)
    return cost


def _blurred(cost: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Cost plus random noise on the scale of each child's distance to its nearest places.

    Without it a child avatar, whose parent profile mixes its own parent's, would land on its own
    parent's avatar more often than chance; the noise spreads it over the parent avatars that
    are about as close.
    """
    scale = np.quantile(cost, NOISE_QUANTILE, axis=1, keepdims=True)
    return cost + rng.exponential(size=cost.shape) * scale


def _main_axis(points: np.ndarray) -> np.ndarray:
    centred = points - points.mean(axis=0)
    sample = centred[:: max(1, len(centred) // 20_000)]
    _, _, vt = np.linalg.svd(sample, full_matrices=False)
    return vt[0] if len(vt) else np.ones(points.shape[1])


def _encoded(parents: pd.DataFrame, children: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Both frames in one numeric space: standardized numbers, one-hot categories."""
    columns = [c for c in parents.columns if c in children.columns]
    if not columns:
        return np.zeros((len(parents), 1)), np.zeros((len(children), 1))
    parts_p: list[np.ndarray] = []
    parts_c: list[np.ndarray] = []
    for column in columns:
        p, c = parents[column], children[column]
        if _is_continuous(p) and _is_continuous(c):
            pv = _as_float(p)
            cv = _as_float(c)
            both = np.concatenate([pv, cv])
            mean = float(np.nanmean(both)) if np.isfinite(both).any() else 0.0
            std = float(np.nanstd(both)) or 1.0
            parts_p.append(np.nan_to_num((pv - mean) / std)[:, None])
            parts_c.append(np.nan_to_num((cv - mean) / std)[:, None])
        else:
            ps, cs = p.astype(object).astype(str), c.astype(object).astype(str)
            levels = pd.Index(pd.unique(np.concatenate([ps.to_numpy(), cs.to_numpy()])))
            # One-hot scaled by 1/sqrt(2): two different levels are at distance 1.
            parts_p.append(_one_hot(levels.get_indexer(ps), len(levels)))
            parts_c.append(_one_hot(levels.get_indexer(cs), len(levels)))
    return np.hstack(parts_p), np.hstack(parts_c)


def _is_continuous(values: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(values.dtype):
        return False
    return bool(
        pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_datetime64_any_dtype(values)
    )


def _as_float(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.astype("int64").to_numpy(dtype=float)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _one_hot(codes: np.ndarray, width: int) -> np.ndarray:
    out = np.zeros((len(codes), width))
    out[np.arange(len(codes)), codes] = np.sqrt(0.5)
    return out
