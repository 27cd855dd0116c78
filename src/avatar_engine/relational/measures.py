"""How often a child avatar lands on the avatar of its own original parent, against chance."""

from __future__ import annotations

import numpy as np

__all__ = ["own_parent_attachment", "wilson_interval"]


def own_parent_attachment(
    assigned: np.ndarray, original: np.ndarray, n_parents: int
) -> dict[str, float]:
    """Share of child avatars attached to the avatar of their own original parent.

    Parent avatar ``j`` is the avatar of original parent ``j``; child avatar ``i`` is the avatar
    of original child ``i``. Chance is the share expected if the same numbers of children per
    parent avatar were dealt out at random: ``sum_j c_j * a_j / n**2`` with ``c_j`` the original
    and ``a_j`` the attached numbers of children of parent ``j``.

    Args:
        assigned: parent row each child avatar is attached to (-1: not attached).
        original: row of each child's original parent (-1: none).
        n_parents: number of parents.

    Returns:
        ``measured``, ``chance`` and ``ratio`` (measured / chance), ``children`` counted, and
        the 95 % Wilson interval of the measured share (``measured_low``, ``measured_high``)
        with the ratio's upper bound (``ratio_high``).

    Example:
        >>> import numpy as np
        >>> own_parent_attachment(np.array([0, 1, 1, 0]), np.array([0, 0, 1, 1]), 2)["ratio"]
        1.0
    """
    assigned, original = np.asarray(assigned), np.asarray(original)
    kept = (assigned >= 0) & (original >= 0)
    a, o = assigned[kept], original[kept]
    n = len(a)
    if n == 0:
        return {
            "measured": 0.0,
            "chance": 0.0,
            "ratio": 0.0,
            "children": 0.0,
            "measured_low": 0.0,
            "measured_high": 0.0,
            "ratio_high": 0.0,
        }
    measured = float(np.mean(a == o))
    chance = float(
        np.dot(np.bincount(o, minlength=n_parents), np.bincount(a, minlength=n_parents)) / n**2
    )
    low, high = wilson_interval(int(np.sum(a == o)), n)
    return {
        "measured": measured,
        "chance": chance,
        "ratio": measured / chance if chance else 0.0,
        "children": float(n),
        "measured_low": low,
        "measured_high": high,
        "ratio_high": high / chance if chance else 0.0,
    }


def wilson_interval(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of a share (``z`` sets the level).

    Example:
        >>> [round(x, 3) for x in wilson_interval(0, 300)]
        [0.0, 0.013]
    """
    if trials <= 0:
        return 0.0, 0.0
    share = successes / trials
    denominator = 1 + z**2 / trials
    centre = (share + z**2 / (2 * trials)) / denominator
    half = z * np.sqrt(share * (1 - share) / trials + z**2 / (4 * trials**2)) / denominator
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))
