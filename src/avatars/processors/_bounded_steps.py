"""Changes between successive values expressed as a share of the room left to a bound.

A move from ``previous`` up to ``value`` is ``(value - previous) / (upper - previous)`` and a
move down is ``(value - previous) / (previous - lower)``: a number in [-1, 1] whatever the
avatarization does with it, and applying it again can never cross a bound.
"""

from __future__ import annotations

import numpy as np


def bounded_step(previous: np.ndarray, value: np.ndarray, lower: float, upper: float) -> np.ndarray:
    """The share of the room to the bound that the move from ``previous`` to ``value`` uses.

    Example:
        >>> bounded_step(np.array([60.0]), np.array([30.0]), 10.0, 100.0).tolist()
        [-0.6]
    """
    change = value - previous
    room = np.where(change >= 0, upper - previous, previous - lower)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(room == 0, 0.0, change / room)


def apply_bounded_step(previous: float, step: float, lower: float, upper: float) -> float:
    """The value reached from ``previous`` by the share ``step`` (clipped to [-1, 1]).

    Example:
        >>> apply_bounded_step(60.0, -0.6, 10.0, 100.0)
        30.0
    """
    step = min(max(step, -1.0), 1.0)
    room = upper - previous if step >= 0 else previous - lower
    return min(max(previous + step * room, lower), upper)


def ordered_groups(ids: np.ndarray, order: np.ndarray | None = None) -> list[np.ndarray]:
    """Row positions of each id (ids in order of first appearance), sorted by ``order``.

    Example:
        >>> [g.tolist() for g in ordered_groups(np.array([1, 2, 1]), np.array([5, 0, 3]))]
        [[2, 0], [1]]
    """
    _, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    groups = []
    for code in np.argsort(first, kind="stable"):
        rows = np.flatnonzero(inverse == code)
        if order is not None:
            rows = rows[np.argsort(order[rows], kind="stable")]
        groups.append(rows)
    return groups
