"""Time-series tables in the ``standard`` job: sequences avatarized, then attached to parents.

A table with a ``time_series_time`` column is avatarized sequence by sequence
(``avatar_engine.timeseries``). When it is the child of an individual-level table, the link
is made at the level of sequences: each avatar sequence (with the avatar of its parent's
profile it carries) is attached to one parent avatar by the link's method (``time_series``
links use linear sum assignment), and all the rows of the sequence get that parent's key.

Example:
    >>> result = avatarize_series_table(ctx, spec, table, tables, data, types, ["pid"])
    ... # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from avatar_engine import ColumnType
from avatar_engine.progress import Progress, ShouldStop
from avatar_engine.relational import Link, TableContext, attach_children
from avatar_engine.timeseries import TimeSeriesResult, avatarize_series
from avatar_server.job_failures import JobFailure
from avatar_server.job_tables import series_avatarization_parameters, series_parameters
from avatar_server.resource_sets import AvatarizationSpec, TableSpec
from avatar_server.resource_sets.time_series import series_individual

__all__ = ["attach_series", "avatarize_series_table", "individual_of"]


def individual_of(table: TableSpec, tables: Sequence[TableSpec]) -> str:
    """The column naming a time-series table's individuals."""
    individual = series_individual(table, tables)
    if individual is None:  # refused when the resource set was created
        raise JobFailure(
            f"time-series table {table.name!r} needs exactly one column naming its "
            "individuals: link it to its parent table or declare one identifier column."
        )
    return individual


def avatarize_series_table(
    spec: AvatarizationSpec,
    table: TableSpec,
    tables: Sequence[TableSpec],
    data: pd.DataFrame,
    types: Mapping[str, ColumnType],
    identifiers: Sequence[str],
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
) -> TimeSeriesResult:
    """Avatarize a time-series table (with its parent-profile context columns, if any)."""
    time = table.time_column()
    assert time is not None
    individual = individual_of(table, tables)
    if table.name not in spec.avatarization:
        raise JobFailure(
            f"table {table.name!r} is a time series: give spec.avatarization.{table.name}: "
            "{k: ...}."
        )
    return avatarize_series(
        data,
        series_avatarization_parameters(spec, table.name),
        series_parameters(spec, table.name),
        individual=individual,
        time=time,
        types={c: t for c, t in types.items() if c not in (individual, time)},
        identifiers=[c for c in identifiers if c not in (individual, time)],
        progress=progress,
        should_stop=should_stop,
    )


def _one_row_per_individual(frame: pd.DataFrame, individual: str) -> pd.DataFrame:
    """First row of each individual, in order of first appearance (that of the sequences)."""
    return frame.drop_duplicates(subset=[individual], keep="first").reset_index(drop=True)


def attach_series(
    originals: Mapping[str, pd.DataFrame],
    avatars: dict[str, pd.DataFrame],
    contexts: Mapping[str, TableContext],
    links: Sequence[Link],
    seed: int | None,
) -> dict[str, dict[str, Any]]:
    """Attach avatar sequences to parent avatars, one parent per sequence (in place).

    Args:
        originals: table name -> original table.
        avatars: table name -> unshuffled avatars with their context columns; the avatars of
            a time-series table are in sequence order, each sequence's rows together, and
            its individual column (the link's foreign key) names the original individual.
        contexts: the tables' contexts.
        links: the links whose child is a time-series table (the foreign key names the
            individuals).
        seed: seed of the tie-breaking.

    Returns:
        Link name -> own-parent attachment measure of the sequences.
    """
    attachment: dict[str, dict[str, Any]] = {}
    for number, link in enumerate(links):
        sequences = _one_row_per_individual(avatars[link.child], link.field)
        original = _one_row_per_individual(originals[link.child], link.field)
        linked = attach_children(
            {link.child: original, link.parent: originals[link.parent]},
            {link.child: sequences, link.parent: avatars[link.parent]},
            {link.child: contexts[link.child], link.parent: contexts[link.parent]},
            [link],
            seed=None if seed is None else seed + 1000 + number,
        )
        chosen = linked.tables[link.child][link.field].to_numpy()
        frame = avatars[link.child]
        codes = pd.factorize(frame[link.field], sort=False)[0]
        frame[link.field] = pd.Series(chosen[codes], index=frame.index).astype(
            originals[link.child][link.field].dtype
        )
        attachment[link.name] = {**linked.attachment[link.name], "level": "sequence"}
    return attachment


def sequence_order(frame: pd.DataFrame, individual: str,
                   seed: np.random.SeedSequence | None) -> np.ndarray:
    """Release order of a time-series table's rows: sequences in random order, each whole.

    Example:
        >>> sequence_order(pd.DataFrame({"id": [1, 1, 2]}), "id", None).shape
        (3,)
    """
    codes = pd.factorize(frame[individual], sort=False)[0]
    rank = np.random.default_rng(seed).permutation(int(codes.max()) + 1 if len(codes) else 0)
    return np.lexsort((np.arange(len(frame)), rank[codes]))
