"""Links advice: which parent table each unlinked foreign key of a schema points at.

The advice job with ``advisor_type: [tables_links]`` reads every table of a schema whose
foreign keys are declared (``identifier: true``) but not linked yet, and advises one parent
table per foreign key from the names of the tables and of their keys; the values of the keys
decide between parents the names leave tied, and rule out a parent whose primary key lacks
some of the foreign key's values. Each advised link has a confidence:

- ``high``: the schema leaves one parent, or the names match (``patient_id`` -> ``patient``);
- ``medium``: the foreign key's name contains the parent's name (``main_doctor_ref``);
- ``low``: a weak name match (a common start), or the only top-level (individual) candidate.

A foreign key that names no parent clearly is left unlinked, with the tables that can be its
parent. The advice of a parent table lists the links to add on it
(``<table>.links.advice.json``): ``{"links": [...], "unlinked_foreign_keys": [...]}``.

Example:
    >>> from avatar_server.resource_sets.documents import TableSpec
    >>> patient = TableSpec.model_validate(
    ...     {"name": "patient", "columns": [{"field": "p_id", "primary_key": True}]})
    >>> visit = TableSpec.model_validate({"name": "visit", "columns": [
    ...     {"field": "visit_id", "primary_key": True},
    ...     {"field": "patient_id", "identifier": True}]})
    >>> advise_links([patient, visit])["patient"]["links"][0]["to"]
    {'table': 'visit', 'field': 'patient_id'}
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from avatar_server.resource_sets.documents import TableSpec

__all__ = ["LINK_METHOD", "advise_links", "links_advice_file"]

# the method advised: children-per-parent numbers dealt by rank, children kept off their own
# original parent (the established client's default method as well)
LINK_METHOD = "linear_sum_assignment"
_RANKS = {"high": 3, "medium": 2, "low": 1}

KeyValues = Callable[[str, str], set[str] | None]


def links_advice_file(table: str) -> str:
    """The result file holding the links advice of ``table``.

    Example:
        >>> links_advice_file("patient")
        'patient.links.advice.json'
    """
    return f"{table}.links.advice.json"


def _stems(name: str) -> set[str]:
    """A table name and its singular (``visits`` -> ``visit``), lower-cased."""
    lowered = name.lower()
    stems = {lowered}
    if lowered.endswith("ies") and len(lowered) > 4:
        stems.add(lowered[:-3] + "y")
    elif lowered.endswith("s") and len(lowered) > 3:
        stems.add(lowered[:-1])
    return stems


def _strip_id(field: str) -> str:
    lowered = field.lower()
    for suffix in ("_id", "id", "_key", "_ref", "_fk", "_code"):
        if lowered.endswith(suffix) and len(lowered) > len(suffix):
            return lowered.removesuffix(suffix).rstrip("_")
    return lowered


def _name_confidence(parent: TableSpec, foreign_key: str) -> str | None:
    """The confidence the names give that ``foreign_key`` points at ``parent``."""
    field = foreign_key.lower()
    key = (parent.primary_key() or "").lower()
    stems = _stems(parent.name)
    exact = {key} if key not in ("id", "") else set()
    for stem in stems:
        exact |= {f"{stem}_{key}", f"{stem}{key}", f"{stem}_id", f"{stem}id", f"id_{stem}"}
        exact.add(stem)
    if field in exact or _strip_id(field) in stems:
        return "high"
    if any(stem in field for stem in stems):
        return "medium"
    stripped = _strip_id(field)
    if len(stripped) >= 3 and any(
        stem.startswith(stripped[:3]) or stripped.startswith(stem[:3]) for stem in stems
    ):
        return "low"
    return None


def _contains(
    values: KeyValues | None, parent: TableSpec, child: TableSpec, foreign_key: str
) -> bool | None:
    """Whether the parent's primary key holds every value of the foreign key (None: unknown)."""
    if values is None:
        return None
    parent_values = values(parent.name, parent.primary_key() or "")
    child_values = values(child.name, foreign_key)
    if parent_values is None or child_values is None:
        return None
    return child_values <= parent_values


def _covered(tables: list[TableSpec]) -> set[tuple[str, str]]:
    """(child table, child field) of the links the schema already has."""
    return {(link.to.table, link.to.field) for table in tables for link in table.links}


def advise_links(
    tables: list[TableSpec], key_values: KeyValues | None = None
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """The links advice of each table: ``{table: {"links": [...], "unlinked_foreign_keys"}}``.

    Args:
        tables: the tables of the schema, with their primary keys and foreign keys declared.
        key_values: ``(table, column) -> set of its values as text`` (None when unreadable);
            without it, the names alone decide.

    Returns:
        Every table, with the links to add on it as a parent (``field``, ``to`` {``table``,
        ``field``}, ``method``, ``confidence``) and its foreign keys left unlinked (``field``,
        ``candidate_tables``).

    Example:
        >>> advise_links([])
        {}
    """
    advice: dict[str, dict[str, list[dict[str, Any]]]] = {
        table.name: {"links": [], "unlinked_foreign_keys": []} for table in tables
    }
    covered = _covered(tables)
    parents = [table for table in tables if table.primary_key()]
    for child in tables:
        for column in child.columns:
            if not column.identifier or column.primary_key:
                continue
            if (child.name, column.field) in covered:
                continue
            candidates = [
                parent
                for parent in parents
                if parent.name != child.name
                and _contains(key_values, parent, child, column.field) is not False
            ]
            chosen = _choose(candidates, column.field, key_values, child)
            if chosen is None:
                advice[child.name]["unlinked_foreign_keys"].append(
                    {"field": column.field, "candidate_tables": [p.name for p in candidates]}
                )
                continue
            parent, confidence = chosen
            advice[parent.name]["links"].append(
                {
                    "field": parent.primary_key(),
                    "to": {"table": child.name, "field": column.field},
                    "method": LINK_METHOD,
                    "confidence": confidence,
                }
            )
    return advice


def _choose(
    candidates: list[TableSpec],
    foreign_key: str,
    key_values: KeyValues | None,
    child: TableSpec,
) -> tuple[TableSpec, str] | None:
    """The parent the names (then the values) point at, with the confidence; None if unclear."""
    if len(candidates) == 1:
        return candidates[0], "high"
    scored = [(p, _name_confidence(p, foreign_key)) for p in candidates]
    named = [(p, c) for p, c in scored if c is not None]
    if named:
        best = max(_RANKS[c] for _, c in named)
        tied = [(p, c) for p, c in named if _RANKS[c] == best]
        if len(tied) > 1:
            tied = [(p, c) for p, c in tied if _contains(key_values, p, child, foreign_key)]
        if len(tied) == 1:
            return tied[0]
        return None
    top_level = [p for p in candidates if p.individual_level]
    if len(top_level) == 1:
        return top_level[0], "low"
    return None
