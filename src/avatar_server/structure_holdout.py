"""Re-avatarization of a share of the parents with their children, for the joined-view risks.

The WP29 risks of a link's joined view (``avatar_engine.relational.holdout``) attack avatars
of 75 % of the parents and their children made exactly as the release was: the schema is
restricted to those parents (and their descendants), the context of every table is rebuilt,
the parent and child tables are avatarized with their parameters and the children attached by
the link's method.

Example:
    >>> pair = pair_avatarizer(spec, tables, originals, link, should_stop)  # doctest: +SKIP
    >>> avatar_parents, avatar_children = pair(parents, children)  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import pandas as pd

import avatar_engine
from avatar_engine.progress import ShouldStop
from avatar_engine.relational import Link, add_context, attach_children
from avatar_engine.relational.holdout import PairAvatarizer
from avatar_server.job_tables import (
    avatarization_parameters,
    engine_links,
    engine_types,
    key_columns,
    primary_keys_and_links,
)
from avatar_server.resource_sets import AvatarizationSpec, TableSpec

__all__ = ["pair_avatarizer"]


def pair_avatarizer(
    spec: AvatarizationSpec,
    tables: list[TableSpec],
    originals: Mapping[str, pd.DataFrame],
    link: Link,
    should_stop: ShouldStop | None = None,
) -> PairAvatarizer | None:
    """Avatarize parents and children of ``link`` as the standard job did, or ``None``.

    ``None`` (risks not applicable) when either table is a time series, made with
    differential privacy or has no avatarization parameters.
    """
    by_name = {t.name: t for t in tables}
    for name in (link.child, link.parent):
        if (
            name not in spec.avatarization
            or by_name[name].time_column() is not None
            or name in spec.avatarization_open_dp
            or name in spec.avatarization_fast_dp
        ):
            return None
    _, oriented = primary_keys_and_links(tables)
    relations = engine_links(tables, oriented)
    identifiers = {t.name: key_columns(t, tables) for t in tables}

    def avatarize(
        parents: pd.DataFrame, children: pd.DataFrame
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        restricted = _restricted(
            {**originals, link.parent: parents, link.child: children}, relations,
            {link.parent, link.child},
        )
        declared = {name: engine_types(by_name[name], frame) for name, frame in restricted.items()}
        contexts = add_context(restricted, relations, identifiers, declared)
        avatars: dict[str, pd.DataFrame] = {}
        for name in (link.parent, link.child):
            data = contexts[name].data
            params = avatarization_parameters(spec.avatarization[name], spec.seed)
            params = dataclasses.replace(params, k=min(params.k, max(1, len(data) - 1)))
            avatars[name] = avatar_engine.avatarize(
                data,
                params,
                types={**declared[name], **contexts[name].types},
                identifiers=identifiers[name],
                should_stop=should_stop,
            ).unshuffled
        linked = attach_children(
            restricted,
            avatars,
            {name: contexts[name] for name in avatars},
            [link],
            seed=spec.seed,
        )
        return linked.tables[link.parent], linked.tables[link.child]

    return avatarize


def _restricted(
    tables: dict[str, pd.DataFrame], relations: list[Link], changed: set[str]
) -> dict[str, pd.DataFrame]:
    """Drop the rows whose parent was dropped, down every chain of links."""
    changed = set(changed)
    for _ in range(len(tables)):
        grew = False
        for relation in relations:
            if relation.parent not in changed:
                continue
            child = tables[relation.child]
            values = child[relation.field]
            kept = values.isna() | values.isin(pd.Index(tables[relation.parent][relation.key]))
            if not bool(kept.all()):
                tables[relation.child] = child[kept.to_numpy()].reset_index(drop=True)
                grew = grew or relation.child not in changed
                changed.add(relation.child)
        if not grew:
            break
    return tables
