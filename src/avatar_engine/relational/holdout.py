"""WP29 risks of the joined child-parent view, against a control set of whole individuals.

The single-table risks (``holdout_attacks``) avatarize a random share of the rows again and
attack it with the other rows as the control set. On a joined view a row is a child with its
parent's variables, and the children of one parent are not independent: the control set is
made of whole parents. A random ``HOLDOUT_TRAIN_SHARE`` of the parents and their children are
avatarized again, exactly as the release was made (context, link method), and the joined view
of those avatars is attacked; the joined rows of the other parents are the control set.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from avatar_engine.metrics.holdout_attacks import DEFAULT_ATTACKS, holdout_attacks
from avatar_engine.relational.structure import joined_view

__all__ = ["PairAvatarizer", "joined_holdout_attacks"]

#: Avatarizes (parents, children) as the release was made and returns their unshuffled
#: avatars (children's foreign keys naming the parent avatars they were attached to).
PairAvatarizer = Callable[[pd.DataFrame, pd.DataFrame], tuple[pd.DataFrame, pd.DataFrame]]

HOLDOUT_TRAIN_SHARE = 0.75
HOLDOUT_MIN_CONTROL = 20


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
    attacks["split"] = "parents"
    attacks["train_parents"] = int(in_train.sum())
    attacks["control_parents"] = int((~in_train).sum())
    return attacks
