"""Processors attached to a table of a run (part of :class:`avatars.runner.Runner`).

``set_parameters(table, processors=[...])`` runs each processor's ``preprocess`` on the table,
in order, before it is uploaded: the server only sees the processed table. The avatars read
back with ``shuffled`` / ``sensitive_unshuffled`` go through each ``postprocess``, in reverse
order, so they come back with the columns, units and types of the table given to
``add_table``. Processors are the classes of :mod:`avatars.processors` or any object with
``preprocess(df)`` and ``postprocess(source, dest)``.

Example:
    >>> from avatars.processors import ProportionProcessor  # doctest: +SKIP
    >>> runner.set_parameters("t", k=5, processors=[  # doctest: +SKIP
    ...     ProportionProcessor(variable_names=["a", "b"], reference="total")])
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from avatars._column_types import decide_columns
from avatars._runner_tables import RunnerTables, _Source
from avatars._table_reading import read_table
from avatars._yaml import ColumnSpec

__all__ = ["RunnerProcessors"]


@dataclass
class _Processing:
    """A table's processors, the frame each one received, and what the table was before."""

    processors: list[Any]
    inputs: list[pd.DataFrame] = field(default_factory=list)
    source: _Source | None = None
    columns: list[ColumnSpec] = field(default_factory=list)


def _check_processor(processor: Any) -> None:
    if not (callable(getattr(processor, "preprocess", None))
            and callable(getattr(processor, "postprocess", None))):
        raise TypeError(
            f"processors= takes objects with preprocess(df) and postprocess(source, dest) (the "
            f"classes of avatars.processors), got {type(processor).__name__}."
        )


class RunnerProcessors(RunnerTables):
    """Attaching reversible processors to a table: pre-processed before upload, avatars
    post-processed when read."""

    @property
    def _processing(self) -> dict[str, _Processing]:
        state: dict[str, _Processing] = self.__dict__.setdefault("_processing_state", {})
        return state

    def processors(self, table: str) -> list[Any]:
        """The processors attached to a table (``[]`` when none).

        Example:
            >>> runner.processors("t")  # doctest: +SKIP
            [ProportionProcessor(...)]
        """
        self._table(table)
        state = self._processing.get(table)
        return list(state.processors) if state is not None else []

    def _attach_processors(self, table: str, processors: Sequence[Any] | None) -> None:
        """Pre-process the table with ``processors`` (``None`` or ``[]``: none, as added)."""
        spec = self._table(table)
        self._detach_processors(table)
        if not processors:
            return
        for processor in processors:
            _check_processor(processor)
        source = self._sources.get(table)
        if source is None:
            raise ValueError(
                f"processors= needs the data of table {table!r}: add it with add_table(...)."
            )
        original = source.frame if source.frame is not None else read_table(source.path)  # type: ignore[arg-type]
        inputs = [original]
        for processor in processors:
            processed = processor.preprocess(inputs[-1])
            if not isinstance(processed, pd.DataFrame):
                raise TypeError(
                    f"{type(processor).__name__}.preprocess returned "
                    f"{type(processed).__name__}, not a DataFrame: make preprocess return "
                    "the processed DataFrame."
                )
            inputs.append(processed)
        processed = inputs.pop()
        flagged = [c.field for c in spec.columns if c.primary_key or c.identifier
                   or c.time_series_time]
        lost = [c for c in flagged if c not in processed.columns]
        if lost:
            raise ValueError(
                f"The processors of table {table!r} remove its key or identifier columns {lost}; "
                "keep them (processors transform the other columns)."
            )
        self._processing[table] = _Processing(
            processors=list(processors), inputs=inputs, source=source,
            columns=copy.deepcopy(spec.columns),
        )
        spec.columns = self._processed_columns(spec.columns, original, processed)
        upload = processed[[c.field for c in spec.columns]]
        self._sources[table] = _Source(frame=upload, decisions=source.decisions,
                                       rows=len(upload))

    @staticmethod
    def _processed_columns(
        columns: list[ColumnSpec], original: pd.DataFrame, processed: pd.DataFrame
    ) -> list[ColumnSpec]:
        """Columns of the processed table: unchanged ones keep their spec, others are typed
        by the rule of ``add_table``."""
        known = {c.field: c for c in columns}
        unchanged = {
            str(name) for name in processed.columns
            if name in known and name in original.columns
            and processed[name].dtype == original[name].dtype
        }
        new = [str(c) for c in processed.columns if str(c) not in unchanged]
        decisions = (
            {d.column: d for d in decide_columns(processed[new], {}, keys=[])} if new else {}
        )
        result = []
        for name in map(str, processed.columns):
            if name in unchanged:
                result.append(known[name])
                continue
            decision = decisions[name]
            kept = known.get(name)
            result.append(ColumnSpec(
                field=name, type=decision.type.value,
                primary_key=bool(kept and kept.primary_key),
                identifier=bool(kept and kept.identifier),
                time_series_time=bool(kept and kept.time_series_time),
                pseudonymization=kept.pseudonymization if kept else None,
            ))
        return result

    def _detach_processors(self, table: str) -> None:
        """Give the table back its data and columns as added."""
        state = self._processing.pop(table, None)
        if state is None:
            return
        if state.source is not None:
            self._sources[table] = state.source
        self._table(table).columns = state.columns

    def _restore_formats(self, name: str, frame: pd.DataFrame) -> pd.DataFrame:
        """Avatars read back: post-processed in reverse order, then dates in their format."""
        state = self._processing.get(name)
        if state is not None:
            for processor, source in zip(reversed(state.processors), reversed(state.inputs),
                                         strict=True):
                frame = processor.postprocess(source, frame)
        return super()._restore_formats(name, frame)
