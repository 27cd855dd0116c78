"""Time-series tables of a schema: their time column and the column naming their individuals.

A table with a ``time_series_time`` column holds one row per individual and time point. Its
individuals are named by the column that links it to its parent table (a link written on
either table), or else by its only ``identifier`` column that is not the primary key.

Example:
    >>> series_individual(tables[1], tables)  # doctest: +SKIP
    'patient_id'
"""

from __future__ import annotations

from collections.abc import Sequence

from avatar_server.resource_sets.documents import TableSpec
from avatar_server.resource_sets.errors import ResourceSetError

__all__ = ["check_time_series", "series_individual"]


def _candidates(table: TableSpec, tables: Sequence[TableSpec]) -> list[str]:
    time = table.time_column()
    linked = [link.field for link in table.links if link.to.table != table.name]
    linked += [
        link.to.field for other in tables for link in other.links if link.to.table == table.name
    ]
    linked = [c for c in dict.fromkeys(linked) if c != time]
    if linked:
        return linked
    return [
        c.field
        for c in table.columns
        if (c.identifier or c.pseudonymization is not None) and not c.primary_key
        and c.field != time
    ]


def series_individual(table: TableSpec, tables: Sequence[TableSpec]) -> str | None:
    """The column naming the individuals of a time-series table (None: not determined).

    Example:
        >>> series_individual(visits, [patients, visits])  # doctest: +SKIP
        'patient_id'
    """
    candidates = _candidates(table, tables)
    return candidates[0] if len(candidates) == 1 else None


def check_time_series(label: str, tables: Sequence[TableSpec]) -> None:
    """Every time-series table has one time column and one column naming its individuals.

    Raises:
        ResourceSetError: ``invalid_schema`` with what to declare.
    """
    for table in tables:
        times = [c.field for c in table.columns if c.time_series_time]
        if not times:
            continue
        if len(times) > 1:
            raise ResourceSetError(
                f"{label}: table {table.name!r} declares {len(times)} time_series_time columns "
                f"({', '.join(times)}); declare one.",
                "invalid_schema",
            )
        if any(c.primary_key and c.time_series_time for c in table.columns):
            raise ResourceSetError(
                f"{label}: table {table.name!r}: the time column {times[0]!r} cannot be the "
                "primary key.",
                "invalid_schema",
            )
        candidates = _candidates(table, tables)
        if len(candidates) != 1:
            found = f" (found {', '.join(candidates)})" if candidates else ""
            raise ResourceSetError(
                f"{label}: time-series table {table.name!r} needs exactly one column naming "
                f"its individuals{found}: link it to its parent table, or declare one column "
                "identifier: true.",
                "invalid_schema",
            )
