"""Checks of a resource set against the user's uploaded datasets (files and columns)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from avatar_server.resource_sets.documents import (
    AvatarizationDocument,
    ParametersDocument,
    PrivacyMetricsDocument,
    SignalMetricsDocument,
)
from avatar_server.resource_sets.errors import ResourceSetError, short_repr
from avatar_server.resource_sets.resource_set import ResourceSet

__all__ = ["validate_resource_set"]


def validate_resource_set(
    rs: ResourceSet,
    dataset_columns: Callable[[str], list[str] | None],
    dataset_rows: Callable[[str, int], int] | None = None,
) -> None:
    """Check the set against the user's datasets: files exist, named columns exist, k fits.

    Args:
        rs: A set returned by :func:`parse_resource_set`.
        dataset_columns: Dataset name -> its column names, or None if the user has no such
            dataset.
        dataset_rows: (dataset name, limit) -> its number of data rows counted up to limit;
            when given, a table with no more rows than its ``k`` is refused.

    Raises:
        ResourceSetError: ``unknown_dataset``, ``unknown_column`` or ``too_few_rows`` with
            the fix.

    Example:
        >>> validate_resource_set(rs, {"wbcd.csv": ["Class", "Mitoses"]}.get)  # doctest: +SKIP
    """
    columns_of: dict[str, list[str]] = {}
    for table in rs.tables():
        assert table.data is not None  # checked by parse_resource_set
        columns = dataset_columns(table.data.file)
        if columns is None:
            raise ResourceSetError(
                f"table {table.name!r}: dataset {table.data.file!r} not found; upload it first "
                f"(PUT /api/datasets/{table.data.file}) or fix data.file.",
                "unknown_dataset",
            )
        columns_of[table.name] = list(columns)
    for name, dataset in rs.uploaded_avatars().items():
        _check_uploaded_columns(name, dataset, dataset_columns(dataset), columns_of.get(name))
    for table in rs.tables():
        available = columns_of[table.name]
        for i, spec in enumerate(table.columns):
            _column_exists(f"table {table.name!r}: columns[{i}].field", spec.field, available)
        for j, link in enumerate(table.links):
            _column_exists(f"table {table.name!r}: links[{j}].field", link.field, available)
            _column_exists(
                f"table {table.name!r}: links[{j}].to.field",
                link.to.field,
                columns_of.get(link.to.table, []),
            )
    for name, doc in rs.parameters.items():
        for table_name, used in _columns_used(doc):
            available = columns_of.get(table_name, [])
            for path, column in used:
                _column_exists(f"{doc.kind} {name!r}: {path}", column, available)
    if dataset_rows is not None:
        _check_rows_for_k(rs, dataset_rows)


def _check_rows_for_k(rs: ResourceSet, dataset_rows: Callable[[str, int], int]) -> None:
    """Every table with no more rows than its k, listed at once with the fix."""
    files = {table.name: table.data.file for table in rs.tables() if table.data is not None}
    problems: list[str] = []
    for name, doc in rs.parameters.items():
        if not isinstance(doc, AvatarizationDocument):
            continue
        for table, params in doc.spec.avatarization.items():
            if table not in files:
                continue
            rows = dataset_rows(files[table], params.k + 1)
            if rows > params.k:
                continue
            fix = (
                f"lower spec.avatarization.{table}.k to {rows - 1} or less (k={rows - 1} in "
                "set_parameters, --k on the command line), or add rows"
                if rows > 2
                else f"add rows (at least {params.k + 1})"
            )
            problems.append(
                f"{doc.kind} {name!r}: table {table!r} has {rows} data row(s) but "
                f"k={params.k}; every avatar mixes k other individuals, so {fix}"
            )
    if problems:
        raise ResourceSetError("; ".join(problems) + ".", "too_few_rows")


def _columns_used(doc: ParametersDocument) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    if isinstance(doc, AvatarizationDocument):
        for table, params in doc.spec.avatarization.items():
            base = f"spec.avatarization.{table}"
            used = [(f"{base}.column_weights", c) for c in params.column_weights or {}]
            if params.exclude_variables:
                used += [
                    (f"{base}.exclude_variables.variable_names", c)
                    for c in params.exclude_variables.variable_names
                ]
            yield table, used
        for key, dp_specs in (("avatarization_open_dp", doc.spec.avatarization_open_dp),
                              ("avatarization_fast_dp", doc.spec.avatarization_fast_dp)):
            for table, dp_params in dp_specs.items():
                base = f"spec.{key}.{table}"
                dp_used = [(f"{base}.bounds", c) for c in dp_params.bounds or {}]
                if dp_params.target is not None:
                    dp_used.append((f"{base}.target", dp_params.target))
                yield table, dp_used
    elif isinstance(doc, PrivacyMetricsDocument | SignalMetricsDocument):
        per_table = (
            doc.spec.privacy_metrics
            if isinstance(doc, PrivacyMetricsDocument)
            else doc.spec.signal_metrics
        )
        for table, metrics in per_table.items():
            base = f"spec.{'privacy' if isinstance(doc, PrivacyMetricsDocument) else 'signal'}"
            base += f"_metrics.{table}"
            used = [(f"{base}.known_variables", c) for c in metrics.known_variables or []]
            if metrics.target is not None:
                used.append((f"{base}.target", metrics.target))
            yield table, used


def _column_exists(where: str, column: str, available: list[str]) -> None:
    if column not in available:
        shown = ", ".join(available[:30]) + (" ..." if len(available) > 30 else "")
        raise ResourceSetError(
            f"{where}: column {short_repr(column)} is not in the dataset "
            f"(columns: {shown or 'none'}); fix the name or upload the right file.",
            "unknown_column",
        )


def _check_uploaded_columns(
    table: str, dataset: str, columns: list[str] | None, original: list[str] | None
) -> None:
    """The uploaded avatars exist and have the original table's columns, no more, no less."""
    if columns is None:
        raise ResourceSetError(
            f"table {table!r}: avatars dataset {dataset!r} not found; upload it first "
            f"(PUT /api/datasets/{dataset}) or fix avatars_data.file.",
            "unknown_dataset",
        )
    original = original or []
    missing = [c for c in original if c not in columns]
    extra = [c for c in columns if c not in original]
    if missing or extra:
        raise ResourceSetError(
            f"table {table!r}: the avatars dataset {dataset!r} must have the original table's "
            f"columns (missing in the avatars: {missing[:5]}, not in the original: "
            f"{extra[:5]}); give both files the same columns.",
            "unknown_column",
        )
