"""Related avatar tables put together: child avatars attached to parent avatars, context dropped."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from avatar_engine.relational.context import Link, TableContext
from avatar_engine.relational.linking import assign_parents
from avatar_engine.relational.measures import own_parent_attachment

__all__ = ["LinkedTables", "attach_children"]


@dataclass
class LinkedTables:
    """Avatar tables whose foreign keys name parent avatars.

    Attributes:
        tables: table name -> avatars (row i is the avatar of original row i), context columns
            dropped, each foreign key holding the key of the parent avatar it was attached to.
        attachment: link name -> own-parent attachment measure (see ``own_parent_attachment``).
        assigned: link name -> parent avatar row of each child avatar (-1: foreign key missing).
    """

    tables: dict[str, pd.DataFrame]
    attachment: dict[str, dict[str, float]]
    assigned: dict[str, np.ndarray]


def attach_children(
    originals: Mapping[str, pd.DataFrame],
    avatars: Mapping[str, pd.DataFrame],
    contexts: Mapping[str, TableContext],
    links: Sequence[Link],
    seed: int | None = None,
    avoid_own_parent: bool = True,
) -> LinkedTables:
    """Attach each child avatar to a parent avatar by its link's method, then drop the context.

    Args:
        originals: table name -> original DataFrame (its keys give the own-parent measure and,
            for the sensitive method only, the attachment).
        avatars: table name -> unshuffled avatars of the table with its context columns; key
            columns hold the keys of the originals they come from.
        contexts: the contexts the avatars were made with (``add_context``).
        links: the links to attach.
        seed: seed of the tie-breaking.
        avoid_own_parent: keep child avatars off their own original parent's avatar (see
            ``assign_parents``; False only to measure similarity alone).

    Returns:
        The linked tables, the attachment measures and the assignments.

    Example:
        >>> import pandas as pd
        >>> from avatar_engine.relational import Link, add_context
        >>> p = pd.DataFrame({"id": [0, 1], "age": [20.0, 80.0]})
        >>> c = pd.DataFrame({"pid": [1, 0, 1]})
        >>> links = [Link("c", "pid", "p", "id")]
        >>> ctx = add_context({"p": p, "c": c}, links, {"p": ["id"], "c": ["pid"]})
        >>> avatars = {name: context.data for name, context in ctx.items()}
        >>> out = attach_children({"p": p, "c": c}, avatars, ctx, links, seed=0)
        >>> out.tables["c"].columns.tolist(), sorted(out.tables["c"]["pid"].tolist())
        (['pid'], [0, 1, 1])
    """
    tables = {name: frame.copy() for name, frame in avatars.items()}
    attachment: dict[str, dict[str, float]] = {}
    assigned_by_link: dict[str, np.ndarray] = {}
    for number, link in enumerate(links):
        child, parent = avatars[link.child], avatars[link.parent]
        profile_columns = contexts[link.child].parent_columns.get(link.name, {})
        original_parent = pd.Index(originals[link.parent][link.key]).get_indexer(
            originals[link.child][link.field]
        )
        present = original_parent >= 0
        profiles = child.loc[present, list(profile_columns)].rename(columns=profile_columns)
        count_column = contexts[link.parent].count_columns.get(link.name)
        counts = parent[count_column].to_numpy(dtype=float) if count_column else None
        original_counts = np.bincount(original_parent[present], minlength=len(parent))
        chosen = assign_parents(
            profiles.reset_index(drop=True),
            parent[list(profile_columns.values())].reset_index(drop=True),
            method=link.method,
            counts=counts,
            original_parents=original_parent[present],
            seed=None if seed is None else seed + number,
            avoid_own_parent=avoid_own_parent,
            count_distribution=original_counts,
        )
        assigned = np.full(len(child), -1, dtype=np.int64)
        assigned[present] = chosen
        assigned_by_link[link.name] = assigned
        attachment[link.name] = own_parent_attachment(assigned, original_parent, len(parent))
        keys = parent[link.key].to_numpy()
        column = pd.Series(keys[np.where(assigned >= 0, assigned, 0)], index=child.index)
        column[assigned < 0] = None
        tables[link.child][link.field] = column.astype(originals[link.child][link.field].dtype)
    for name, context in contexts.items():
        tables[name] = tables[name].drop(columns=context.added, errors="ignore")
    return LinkedTables(tables, attachment, assigned_by_link)
