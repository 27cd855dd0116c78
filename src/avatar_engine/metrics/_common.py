"""Shared pieces of the metrics: the projection fitted on the originals, result formatting."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from avatar_engine.encoding import EncodedTable, TableCodec, row_hashes
from avatar_engine.errors import InvalidDataError, InvalidParameterError
from avatar_engine.projection import Famd
from avatar_engine.types import ColumnType, infer_types

__all__ = ["MetricDefinition", "MetricSpace", "build_space", "check_tables", "metric_entry",
           "row_hashes", "sub_space"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class MetricDefinition:
    """A metric's target and wording (``target`` None: shown for information, not judged)."""

    name: str
    label: str
    target: float | None
    direction: str
    description: str


def metric_entry(definition: MetricDefinition, value: float | None,
                 target: float | None = None) -> dict[str, Any]:
    """JSON-ready entry of one metric.

    A None value means "not applicable" (e.g. no categorical column): its ``passed`` is None,
    neither pass nor fail; so is a metric without a target (information). A non-finite value
    fails. ``target`` replaces the definition's target (a target calibrated on the table).

    Example:
        >>> ratio = MetricDefinition("r", "Ratio", 0.3, "higher", "")
        >>> metric_entry(ratio, 0.2)["passed"], metric_entry(ratio, 0.2, target=0.1)["passed"]
        (False, True)
    """
    if target is not None and definition.target is not None:
        definition = replace(definition, target=round(float(target), 6))
    passed: bool | None
    shown: float | None
    if definition.target is None:
        shown = None if value is None or not np.isfinite(value) else round(float(value), 6)
        passed = None
    elif value is None:
        shown = None
        passed = None
    elif not np.isfinite(value):
        shown, passed = None, False
    else:
        shown = round(float(value), 6)
        passed = shown > definition.target if definition.direction == "higher" else (
            shown < definition.target)
    return {
        "value": shown,
        "target": definition.target,
        "direction": definition.direction,
        "passed": None if passed is None else bool(passed),
        "label": definition.label,
        "description": definition.description,
    }


def check_tables(
    original: pd.DataFrame, other: pd.DataFrame, *, same_rows: bool
) -> None:
    """Both tables must have the same columns (and rows, for privacy metrics)."""
    for name, table in (("original", original), ("avatars", other)):
        if not isinstance(table, pd.DataFrame):
            raise InvalidDataError(f"The {name} data must be a table (pandas DataFrame).")
        if table.columns.duplicated().any():
            raise InvalidDataError(f"The {name} table has duplicate column names.")
    if len(original) < 2:
        raise InvalidDataError("Metrics need at least 2 original rows.")
    if len(other) < 1:
        raise InvalidDataError("The avatar table is empty.")
    missing = [str(c) for c in original.columns if c not in other.columns]
    extra = [str(c) for c in other.columns if c not in original.columns]
    if missing or extra:
        raise InvalidDataError(
            "Original and avatar tables must have the same columns "
            f"(missing in avatars: {missing[:5]}, unexpected: {extra[:5]}). Drop identifier "
            "columns from both before computing metrics.",
            column=(missing or extra)[0],
        )
    if same_rows and len(original) != len(other):
        raise InvalidDataError(
            f"Privacy metrics compare each original with its own avatar: pass the UNSHUFFLED "
            f"avatars ({len(other)} rows given for {len(original)} originals)."
        )


def _fill(table: EncodedTable, means: FloatArray) -> tuple[FloatArray, IntArray]:
    """Continuous holes at the originals' means; the codes are shared (never modified)."""
    continuous = np.where(np.isnan(table.continuous), means, table.continuous)
    return continuous, table.codes


@dataclass
class MetricSpace:
    """Originals and avatars encoded by the originals' codec and projected on their FAMD."""

    codec: TableCodec
    original: EncodedTable
    avatars: EncodedTable
    original_filled: tuple[FloatArray, IntArray]
    avatars_filled: tuple[FloatArray, IntArray]
    famd: Famd | None = None
    original_coords: FloatArray | None = None
    avatar_coords: FloatArray | None = None


def build_space(
    original: pd.DataFrame,
    avatars: pd.DataFrame,
    types: Mapping[str, ColumnType] | None,
    *,
    columns: Sequence[str] | None = None,
    ncp: int | None = None,
) -> MetricSpace:
    """Encode both tables with a codec fitted on the originals; project when ``ncp`` given.

    Missing continuous values are filled with the originals' mean; a missing (or unseen)
    modality contributes no dummy; missingness itself is an indicator variable.
    """
    names = [str(c) for c in (columns if columns is not None else original.columns)]
    overrides = {str(k): v for k, v in (types or {}).items() if str(k) in names}
    column_types = infer_types(original[names], overrides)
    codec = TableCodec(column_types)
    encoded_original = codec.fit_encode(original[names].reset_index(drop=True))
    encoded_avatars = codec.encode(avatars[names].reset_index(drop=True))
    means = np.nanmean(encoded_original.continuous, axis=0) if (
        encoded_original.continuous.shape[1]) else np.zeros(0)
    space = MetricSpace(
        codec=codec,
        original=encoded_original,
        avatars=encoded_avatars,
        original_filled=_fill(encoded_original, means),
        avatars_filled=_fill(encoded_avatars, means),
    )
    if ncp is not None:
        _project(space, ncp)
    return space


def project_rows(space: MetricSpace, frame: pd.DataFrame) -> tuple[EncodedTable, FloatArray]:
    """Encode and project further rows (e.g. a reference shuffle) into a projected space."""
    assert space.famd is not None
    names = list(space.codec.types)
    encoded = space.codec.encode(frame[names].reset_index(drop=True))
    means = np.nanmean(space.original.continuous, axis=0) if (
        space.original.continuous.shape[1]) else np.zeros(0)
    return encoded, space.famd.transform(*_fill(encoded, means))


def _project(space: MetricSpace, ncp: int) -> None:
    if not isinstance(ncp, int) or ncp < 1:
        raise InvalidParameterError("ncp", f"ncp must be a positive integer (got {ncp!r}).")
    n_modalities = [len(s.modalities) for s in space.codec.categorical_specs]
    dims = space.original.continuous.shape[1] + sum(n_modalities)
    famd = Famd(max(1, min(ncp, dims, space.original.n_rows - 1)))
    continuous, codes = space.original_filled
    space.famd = famd
    space.original_coords = famd.fit_transform(continuous, codes, n_modalities)
    space.avatar_coords = famd.transform(*space.avatars_filled)


def sub_space(space: MetricSpace, columns: Sequence[str], *, ncp: int | None = None
              ) -> MetricSpace:
    """The space of some of ``space``'s columns, without encoding the tables again.

    Same result as ``build_space(..., columns=columns)`` when ``columns`` keeps the table's
    column order: each column's encoding, missing-value indicator and fill do not depend on
    the other columns.
    """
    names = set(columns)
    kept_continuous = [j for j, spec in enumerate(space.codec.continuous_specs)
                       if spec.name in names]
    kept_categorical = [j for j, spec in enumerate(space.codec.categorical_specs)
                        if (spec.indicator_of or spec.name) in names]
    codec = TableCodec({name: ctype for name, ctype in space.codec.types.items()
                        if name in names})
    codec.continuous_specs = [space.codec.continuous_specs[j] for j in kept_continuous]
    codec.categorical_specs = [space.codec.categorical_specs[j] for j in kept_categorical]

    sliced: dict[int, npt.NDArray[Any]] = {}

    def columns_of(matrix: npt.NDArray[Any], kept: list[int]) -> npt.NDArray[Any]:
        # C order like a fresh encoding, so that the projection is bit for bit the same;
        # arrays shared by the encoded and filled tables are sliced once
        if id(matrix) not in sliced:
            sliced[id(matrix)] = np.ascontiguousarray(matrix[:, kept])
        return sliced[id(matrix)]

    def select(continuous: FloatArray, codes: IntArray) -> tuple[FloatArray, IntArray]:
        return columns_of(continuous, kept_continuous), columns_of(codes, kept_categorical)

    def table(encoded: EncodedTable) -> EncodedTable:
        continuous, codes = select(encoded.continuous, encoded.codes)
        return EncodedTable(continuous, codes, codec.continuous_specs, codec.categorical_specs)

    result = MetricSpace(
        codec=codec,
        original=table(space.original),
        avatars=table(space.avatars),
        original_filled=select(*space.original_filled),
        avatars_filled=select(*space.avatars_filled),
    )
    if ncp is not None:
        _project(result, ncp)
    return result


def all_passed(metrics: dict[str, dict[str, Any]]) -> bool:
    """True when no applicable metric fails (not-applicable ones are ignored)."""
    return all(entry["passed"] is not False for entry in metrics.values())
