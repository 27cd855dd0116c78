"""Avatars made elsewhere: the standard job takes an uploaded avatar table instead of
avatarizing, so that the metrics and the report judge those avatars.

A table of the avatarized schema with ``avatars_data: {file: <dataset>}`` names an uploaded
dataset of avatars. The standard job writes it where its own avatars would go (the shared
table, in a random row order, and the "unshuffled" table the metrics read, as uploaded), with
the projections of both tables on the FAMD fitted on the originals (for the report's plots).
Nothing says which original each uploaded avatar stands for, so the privacy metrics judge
them unpaired (see ``avatar_engine.compute_privacy_metrics(paired=False)``).

Example:
    >>> result = uploaded_result(
    ...     ctx, table, original, types, identifiers=[], ncp=5)  # doctest: +SKIP
    >>> result.metadata["avatars_source"]  # doctest: +SKIP
    'uploaded'
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from avatar_engine import ColumnType
from avatar_engine.avatarization import ENGINE_VERSION, AvatarizationResult, projection_columns
from avatar_engine.metrics._common import build_space
from avatar_engine.metrics.identifier_links import identifier_columns
from avatar_server.dataset_files import read_dataset
from avatar_server.job_context import JobContext
from avatar_server.job_failures import JobFailure
from avatar_server.resource_sets import TableSpec

__all__ = ["UPLOADED", "measured_types", "read_uploaded", "uploaded_dataset", "uploaded_result"]

UPLOADED = "uploaded"
"""``avatars_source`` of the run metadata of a table whose avatars were uploaded."""


def uploaded_dataset(ctx: JobContext, table: str) -> str | None:
    """The dataset of avatars uploaded for ``table``, or None when the run makes them."""
    return ctx.resource_set.uploaded_avatars().get(table)


OFF_CATEGORY_SHARE = 0.5
"""A categorical column of numbers is measured as a number when at least this share of the
uploaded avatars' values are not among the originals' (e.g. jittered copies of the codes)."""


def measured_types(
    original: pd.DataFrame, avatars: pd.DataFrame, types: Mapping[str, ColumnType]
) -> dict[str, ColumnType]:
    """The column types the metrics of uploaded avatars use.

    A categorical column coded with numbers stays categorical, unless the avatars' values are
    mostly not categories of the originals: their closeness to the originals is then measured
    as numbers (an unseen category would otherwise be equally far from every original, and
    3.0021 hides 3 from no one).

    Example:
        >>> codes = pd.DataFrame({"grade": [1, 2, 3, 4] * 5})
        >>> jittered = codes + 0.001
        >>> measured_types(codes, jittered, {"grade": ColumnType.CATEGORY})["grade"].value
        'float'
    """
    measured = dict(types)
    for column, kind in types.items():
        if kind is not ColumnType.CATEGORY or column not in avatars.columns:
            continue
        left, right = original[column].dropna(), avatars[column].dropna()
        numeric = all(pd.api.types.is_numeric_dtype(c.dtype)
                      and not pd.api.types.is_bool_dtype(c.dtype) for c in (left, right))
        if numeric and len(right) and float((~right.isin(set(left))).mean()) >= (
                OFF_CATEGORY_SHARE):
            measured[column] = ColumnType.FLOAT
    return measured


def read_uploaded(ctx: JobContext, table: TableSpec, original: pd.DataFrame) -> pd.DataFrame:
    """The uploaded avatars of ``table``, typed and ordered like the originals."""
    dataset = uploaded_dataset(ctx, table.name)
    assert dataset is not None
    path = ctx.dataset_paths.get(dataset)
    if path is None or not Path(path).is_file():
        raise JobFailure(
            f"avatars dataset {dataset!r} of table {table.name!r} is no longer available; "
            "upload it again and create a new resource set."
        )
    # another method may give fractions where the originals have whole numbers
    types = {c: "float" if t == "int" else t for c, t in table.column_types().items()}
    avatars = read_dataset(Path(path), dataset, types)
    missing = [str(c) for c in original.columns if c not in avatars.columns]
    extra = [str(c) for c in avatars.columns if c not in original.columns]
    if missing or extra:
        raise JobFailure(
            f"the avatars of table {table.name!r} must have the original's columns (missing: "
            f"{missing[:5]}, not in the original: {extra[:5]}); give both files the same "
            "columns."
        )
    if avatars.empty:
        raise JobFailure(f"the avatars dataset {dataset!r} of table {table.name!r} is empty.")
    avatars = avatars[list(original.columns)]
    for column in original.columns:  # whole numbers back to the originals' integer dtype
        values = avatars[column]
        if (pd.api.types.is_integer_dtype(original[column].dtype)
                and pd.api.types.is_float_dtype(values.dtype) and values.notna().all()
                and bool((values == values.round()).all())):
            with contextlib.suppress(TypeError, ValueError):
                avatars[column] = values.astype(original[column].dtype)
    return avatars


def uploaded_result(
    ctx: JobContext,
    table: TableSpec,
    original: pd.DataFrame,
    types: Mapping[str, ColumnType],
    identifiers: Sequence[str],
    ncp: int,
    seed: int | None,
) -> AvatarizationResult:
    """The uploaded avatars of ``table`` as the standard job's result (see the module)."""
    avatars = read_uploaded(ctx, table, original)
    types = measured_types(original, avatars, types)
    ids = set(identifiers) | set(identifier_columns(original, exact_only=True))
    measured = [str(c) for c in original.columns if str(c) not in ids] or [
        str(c) for c in original.columns]
    space = build_space(original, avatars, {c: t for c, t in types.items() if c in measured},
                        columns=measured, ncp=ncp)
    assert space.original_coords is not None
    assert space.avatar_coords is not None
    assert space.famd is not None
    names = projection_columns(space.original_coords.shape[1])
    order = np.random.default_rng(seed).permutation(len(avatars))
    ratios = [round(float(v), 8) for v in space.famd.explained_variance_ratio]
    metadata = {
        "engine_version": ENGINE_VERSION,
        "avatars_source": UPLOADED,
        "avatars_dataset": uploaded_dataset(ctx, table.name),
        "parameters": {"avatars": "uploaded (made elsewhere)", "ncp": len(names)},
        "n_rows": len(avatars),
        "n_original_rows": len(original),
        "n_columns": int(original.shape[1]),
        "column_types": {c: t.value for c, t in space.codec.types.items()},
        "identifiers": list(identifiers),
        "projection": {
            "kind": space.famd.kind,
            "explained_variance_ratio": ratios,
            "cumulative_explained_variance_ratio": round(float(sum(ratios)), 8),
        },
    }
    return AvatarizationResult(
        shuffled=avatars.iloc[order].reset_index(drop=True),
        unshuffled=avatars.reset_index(drop=True),
        original_projections=pd.DataFrame(space.original_coords, columns=names),
        avatar_projections=pd.DataFrame(space.avatar_coords, columns=names),
        metadata=metadata,
    )
