"""WP29 risks of the joined child-parent view, against a control set of whole individuals.

The single-table risks (``holdout_attacks``) avatarize a random share of the rows again and
attack it with the other rows as the control set. On a joined view a row is a child with its
parent's variables, and the children of one parent are not independent: the control set is
made of whole parents. A random ``HOLDOUT_TRAIN_SHARE`` of the parents and their children are
avatarized again, exactly as the release was made (context, link method), and the joined view
of those avatars is attacked; the joined rows of the other parents are the control set.

The DCR share (share of avatars closer to a training row than to a control row) compares
candidate sets alike: training rows are drawn by whole parents, as many parents as the control
set holds, ``DCR_DRAWS`` times. Drawn row by row, the training rows would spread over about
twice as many parents as the control rows, and since a parent's variables repeat on each of
its children's rows, fresh individuals of the same population would sit closer to the
training rows (61 % instead of 50 % on a simulated population of 130 parents, 10 seeds).

Its confidence interval counts parents, not rows: the rows of one parent share its variables
and move together, so the binomial interval of the single-table share (one trial per control
row) is far too narrow on a joined view. The variance is the sum of two delete-one-parent
estimates, over the training parents (their avatars' rows removed) and over the control
parents (the candidates of one control parent removed), and ``dcr_n`` is the number of
independent rows that variance amounts to. With 15 training and 5 control parents of 40-120
children each, fresh individuals of the same population fell inside the 95 % interval in 28
of 30 simulations, inside the interval of one trial per control row in 6 of 30
(``tests/engine/test_relational_dcr.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from avatar_engine.metrics.holdout_attacks import (
    DEFAULT_ATTACKS,
    _distances,
    _encode,
    _scaled,
    holdout_attacks,
)
from avatar_engine.relational.structure import joined_view

__all__ = [
    "PairAvatarizer",
    "joined_holdout_attacks",
    "parent_matched_dcr",
    "parent_matched_dcr_share",
]

#: Avatarizes (parents, children) as the release was made and returns their unshuffled
#: avatars (children's foreign keys naming the parent avatars they were attached to).
PairAvatarizer = Callable[[pd.DataFrame, pd.DataFrame], tuple[pd.DataFrame, pd.DataFrame]]

HOLDOUT_TRAIN_SHARE = 0.75
HOLDOUT_MIN_CONTROL = 20
DCR_DRAWS = 20


def joined_holdout_attacks(
    original_child: pd.DataFrame,
    original_parent: pd.DataFrame,
    avatarize_pair: PairAvatarizer,
    *,
    field: str,
    key: str,
    parent_name: str,
    columns: Sequence[str],
    seed: int = 0,
    n_attacks: int = DEFAULT_ATTACKS,
) -> dict[str, Any] | None:
    """Singling-out, linkability and inference risks (95 % CI) of the joined view.

    Args:
        original_child: the original children (with their foreign key ``field``).
        original_parent: the original parents (with their key ``key``).
        avatarize_pair: avatarizes a share of the parents with their children (see above).
        field: the children's foreign key.
        key: the parents' key.
        parent_name: prefix of the parent columns in the joined view.
        columns: the joined-view columns attacked (those the privacy metrics measure).
        seed: the split of the parents and the attacks' random choices.
        n_attacks: attacks per criterion.

    Returns:
        What ``holdout_attacks`` returns, plus ``split: "parents"`` and the numbers of
        training and control parents; ``None`` when the control set would hold fewer than
        ``HOLDOUT_MIN_CONTROL`` joined rows.

    Example:
        >>> joined_holdout_attacks(visit, patient, avatarize, field="patient_id",
        ...     key="p_id", parent_name="patient", columns=kept)  # doctest: +SKIP
        {'singling_out': {'value': 0.01, 'ci_low': 0.0, ...}, ...}
    """
    keys = original_parent[key].to_numpy()
    order = np.random.default_rng(seed).permutation(len(keys))
    n_train = round(HOLDOUT_TRAIN_SHARE * len(keys))
    in_train = np.zeros(len(keys), dtype=bool)
    in_train[order[:n_train]] = True
    train_keys = pd.Index(keys[in_train])
    child_in_train = original_child[field].isin(train_keys).to_numpy()
    child_in_control = original_child[field].isin(pd.Index(keys[~in_train])).to_numpy()
    if int(child_in_control.sum()) < HOLDOUT_MIN_CONTROL or int(child_in_train.sum()) < 2:
        return None
    parents = original_parent[in_train].reset_index(drop=True)
    children = original_child[child_in_train].reset_index(drop=True)
    avatar_parents, avatar_children = avatarize_pair(parents, children)
    kept = [str(c) for c in columns]
    train = joined_view(children, parents, field, key, parent_name)[kept]
    avatars = joined_view(avatar_children.reset_index(drop=True), avatar_parents, field, key,
                      parent_name)[kept]
    control = joined_view(
        original_child[child_in_control].reset_index(drop=True),
        original_parent[~in_train].reset_index(drop=True),
        field, key, parent_name,
    )[kept]
    attacks = holdout_attacks(
        train, avatars, control,
        n_attacks=n_attacks, paired=len(avatars) == len(train), seed=seed,
    )
    attacks["dcr_share_row_sampled"] = attacks["dcr_share"]
    attacks["dcr_n_rows"] = attacks["dcr_n"]
    attacks["dcr_share"], attacks["dcr_n"] = parent_matched_dcr(
        train, avatars, control, children[field].to_numpy(),
        pd.Series(original_child[field][child_in_control]).to_numpy(), seed=seed,
    )
    attacks["dcr_split"] = "parents"
    attacks["split"] = "parents"
    attacks["train_parents"] = int(in_train.sum())
    attacks["control_parents"] = int((~in_train).sum())
    return attacks


def parent_matched_dcr_share(
    train: pd.DataFrame,
    avatars: pd.DataFrame,
    control: pd.DataFrame,
    train_parents: np.ndarray[Any, Any],
    n_control_parents: int,
    *,
    seed: int = 0,
    draws: int = DCR_DRAWS,
) -> float:
    """DCR share (%) of paired joined-view avatars, training rows drawn by whole parents.

    Args:
        train: joined training rows.
        avatars: their avatars, row i the avatar of ``train`` row i.
        control: joined control rows (whole parents the avatarization did not see).
        train_parents: the parent key of each training row.
        n_control_parents: number of parents in the control set.
        seed: the draws of training parents.
        draws: draws averaged.

    Example:
        >>> import pandas as pd, numpy as np
        >>> rows = pd.DataFrame({"a": np.arange(40.0)})
        >>> parent_matched_dcr_share(rows[:20], rows[:20], rows[20:] + 0.5,
        ...     np.arange(20) // 2, 10)
        100.0
    """
    share, _ = parent_matched_dcr(
        train, avatars, control, train_parents,
        np.arange(len(control)) % max(1, n_control_parents), seed=seed, draws=draws,
    )
    return share


def parent_matched_dcr(
    train: pd.DataFrame,
    avatars: pd.DataFrame,
    control: pd.DataFrame,
    train_parents: np.ndarray[Any, Any],
    control_parents: np.ndarray[Any, Any],
    *,
    seed: int = 0,
    draws: int = DCR_DRAWS,
) -> tuple[float, float]:
    """DCR share (%) drawn by whole parents and the effective number of rows behind it.

    Args:
        train: joined training rows.
        avatars: their avatars, row i the avatar of ``train`` row i.
        control: joined control rows (whole parents the avatarization did not see).
        train_parents: the parent key of each training row.
        control_parents: the parent key of each control row.
        seed: the draws of training parents.
        draws: draws averaged.

    Returns:
        (share %, effective rows): the binomial interval of that many independent rows has
        the variance of the share estimated parent by parent (module docstring).

    Example:
        >>> import pandas as pd, numpy as np
        >>> rows = pd.DataFrame({"a": np.arange(40.0)})
        >>> share, n = parent_matched_dcr(rows[:20], rows[:20], rows[20:] + 0.5,
        ...     np.arange(20) // 2, np.arange(20) // 2)
        >>> share
        100.0
    """
    columns = [str(c) for c in train.columns]
    encoded = _encode([avatars, train, control], columns)
    scaled_avatars, scaled_train, scaled_control = _scaled(encoded)
    numeric = encoded[1].numeric
    train_parents = np.asarray(train_parents)
    parents = np.unique(train_parents)
    control_labels, control_codes = np.unique(np.asarray(control_parents), return_inverse=True)
    m = max(1, min(len(control_labels), len(parents)))
    rng = np.random.default_rng(seed)
    shares, closer, owners, without = [], [], [], []
    for _ in range(draws):
        rows = np.flatnonzero(np.isin(train_parents, rng.choice(parents, m, replace=False)))
        to_train = _distances(scaled_avatars[rows], scaled_train[rows], numeric).min(axis=1)
        by_parent = _nearest_by_group(
            _distances(scaled_avatars[rows], scaled_control, numeric), control_codes,
            len(control_labels))
        indicator = _closer(to_train, by_parent.min(axis=1))
        shares.append(float(indicator.mean()))
        closer.append(indicator)
        owners.append(train_parents[rows])
        without.append(_closer(to_train[:, None], _min_without_each(by_parent)).mean(axis=0))
    share = float(np.mean(shares))
    return round(100.0 * share, 6), _effective_rows(
        share, np.concatenate(closer), np.concatenate(owners), np.mean(without, axis=0),
        len(control))


def _closer(to_train: np.ndarray[Any, Any], to_control: np.ndarray[Any, Any]
            ) -> np.ndarray[Any, Any]:
    """1 where the training row is the nearer, 0.5 on ties, else 0."""
    return np.where(to_train < to_control, 1.0, np.where(to_train == to_control, 0.5, 0.0))


def _nearest_by_group(distances: np.ndarray[Any, Any], codes: np.ndarray[Any, Any],
                      groups: int) -> np.ndarray[Any, Any]:
    """rows x groups: each row's smallest distance to the candidates of each group."""
    out = np.full((len(distances), groups), np.inf)
    for group in range(groups):
        out[:, group] = distances[:, codes == group].min(axis=1)
    return out


def _min_without_each(by_group: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """rows x groups: each row's smallest distance once that group is left out."""
    if by_group.shape[1] < 2:
        return np.full_like(by_group, np.inf)
    two = np.sort(np.partition(by_group, 1, axis=1)[:, :2], axis=1)
    first = by_group.argmin(axis=1)
    out = np.repeat(two[:, :1], by_group.shape[1], axis=1)
    out[np.arange(len(by_group)), first] = two[:, 1]
    return out


def _effective_rows(share: float, closer: np.ndarray[Any, Any], owners: np.ndarray[Any, Any],
                    control_jackknife: np.ndarray[Any, Any], n_control: int) -> float:
    """Independent rows whose binomial variance equals the parent-by-parent variance."""
    _, codes = np.unique(owners, return_inverse=True)
    total = len(closer)
    sums = np.bincount(codes, weights=closer)
    counts = np.bincount(codes).astype(float)
    g_train, g_control = len(counts), len(control_jackknife)
    variance = 0.0
    if g_train > 1:
        variance += g_train / (g_train - 1) * float(np.sum((sums - share * counts) ** 2)) / (
            total * total)
    if g_control > 1:
        variance += (g_control - 1) / g_control * float(
            np.sum((control_jackknife - control_jackknife.mean()) ** 2))
    binomial = share * (1.0 - share)
    if variance <= 0.0 or binomial <= 0.0:
        return float(n_control)
    return round(min(float(n_control), max(1.0, binomial / variance)), 3)
