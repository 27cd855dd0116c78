"""Checks between the documents of one set: unique names, references, tables and keys."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from avatar_server.resource_sets.documents import (
    NAME_RE,
    AvatarizationDocument,
    DocumentModel,
    MetadataDocument,
    ParametersDocument,
    PrivacyMetricsDocument,
    ReportDocument,
    SchemaDocument,
    SignalMetricsDocument,
)
from avatar_server.resource_sets.errors import ResourceSetError, known_names, short_repr
from avatar_server.resource_sets.resource_set import ResourceSet
from avatar_server.resource_sets.time_series import check_time_series

__all__ = ["check_structure"]


def check_structure(
    documents: list[DocumentModel], rs: ResourceSet, *, require_parameters: bool = True
) -> None:
    """Check that the documents of ``rs`` agree with each other.

    Raises:
        ResourceSetError: ``duplicate_name``, ``invalid_reference``, ``missing_field``... with
            the document, the path and the fix.

    Example:
        >>> check_structure(rs.documents, rs)  # doctest: +SKIP
    """
    _check_unique_names(documents)
    if sum(isinstance(d, MetadataDocument) for d in documents) > 1:
        raise ResourceSetError(
            "more than one AvatarMetadata document; keep exactly one.", "invalid_resource_set"
        )
    for schema in rs.schemas.values():
        _check_schema(schema, rs)
    if require_parameters and not rs.parameters:
        raise ResourceSetError(
            "the resource set has no parameters document (AvatarParameters, "
            "AvatarPrivacyMetricsParameters, AvatarSignalMetricsParameters, "
            "AvatarReportParameters or AvatarAdviceParameters); add one to run a job.",
            "invalid_resource_set",
        )
    for name, doc in rs.parameters.items():
        _check_parameters(name, doc, rs)


def _check_unique_names(documents: list[DocumentModel]) -> None:
    seen: dict[str, str] = {}
    for doc in documents:
        name = doc.metadata.name  # type: ignore[attr-defined]
        kind = doc.kind  # type: ignore[attr-defined]
        if name in seen:
            raise ResourceSetError(
                f"two documents are named {name!r} ({seen[name]} and {kind}); "
                "give each document a unique metadata.name.",
                "duplicate_name",
            )
        seen[name] = kind


def _check_schema(schema: SchemaDocument, rs: ResourceSet) -> None:
    label = f"AvatarSchema {schema.metadata.name!r}"
    names = [t.name for t in schema.spec.tables]
    _no_duplicates(label, "table", names)
    ref = schema.spec.schema_ref
    if ref is not None:
        base = rs.schemas.get(ref)
        if base is None or base.spec.schema_ref is not None:
            originals = [s for s, d in rs.schemas.items() if d.spec.schema_ref is None]
            raise ResourceSetError(
                f"{label}: spec.schema_ref {ref!r} does not name an original AvatarSchema "
                f"(known: {known_names(originals)})",
                "invalid_reference",
            )
        base_tables = {t.name for t in base.spec.tables}
        for i, table in enumerate(schema.spec.tables):
            if table.name not in base_tables:
                raise ResourceSetError(
                    f"{label}: spec.tables[{i}].name {table.name!r} is not a table of schema "
                    f"{ref!r} (known: {known_names(base_tables)}).",
                    "invalid_reference",
                )
            if table.avatars_data is not None:
                _check_uploaded_avatars(
                    f"{label}: spec.tables[{i}].avatars_data", table.avatars_data, table.name,
                    base)
        return
    for i, table in enumerate(schema.spec.tables):
        where = f"{label}: spec.tables[{i}] ({table.name})"
        if table.data is None:
            raise ResourceSetError(
                f"{where}: data is missing; add data: {{volume: input, file: <dataset name>}}.",
                "missing_field",
            )
        _check_dataset_name(where, table.data.file)
        _no_duplicates(where, "column", [c.field for c in table.columns])
        keys = [c.field for c in table.columns if c.primary_key]
        if len(keys) > 1:
            raise ResourceSetError(
                f"{where}: several primary keys ({', '.join(keys)}); declare at most one.",
                "invalid_parameter",
            )
        for j, link in enumerate(table.links):
            if link.to.table not in names:
                raise ResourceSetError(
                    f"{where}.links[{j}].to.table {link.to.table!r} is not a table of this "
                    f"schema (known: {known_names(names)}).",
                    "invalid_reference",
                )
            if link.to.table == table.name:
                raise ResourceSetError(
                    f"{where}.links[{j}]: a table cannot link to itself.", "invalid_reference"
                )


def _check_uploaded_avatars(
    where: str, data: Any, name: str, base: SchemaDocument
) -> None:
    """Avatars made elsewhere: a valid dataset name, on a table alone (no link, no time)."""
    if data.auto and data.file:
        raise ResourceSetError(
            f"{where}: give either auto: true (avatars made by the standard job) or file: "
            "<dataset of avatars made elsewhere>, not both.",
            "invalid_parameter",
        )
    if not data.uploaded:
        return
    _check_dataset_name(where, data.uploaded)
    table = next(t for t in base.spec.tables if t.name == name)
    linked = bool(table.links) or any(
        link.to.table == name for other in base.spec.tables for link in other.links)
    if linked or table.time_column() is not None:
        what = "is linked to another table" if linked else "is a time series"
        raise ResourceSetError(
            f"{where}: table {name!r} {what}; avatars made elsewhere are evaluated on a "
            "table alone: drop avatars_data.file (auto: true) or evaluate the table in a run "
            "of its own.",
            "invalid_parameter",
        )


def _check_dataset_name(where: str, name: str) -> None:
    if not NAME_RE.match(name) or ".." in name:
        raise ResourceSetError(
            f"{where}: data.file {short_repr(name)} is not a valid dataset name; use the name of "
            "an uploaded dataset (letters, digits, '_', '-', '.', no path).",
            "invalid_parameter",
        )


def _check_parameters(name: str, doc: ParametersDocument, rs: ResourceSet) -> None:
    label = f"{doc.kind} {name!r}"
    if isinstance(doc, ReportDocument):
        return
    schema_name = doc.spec.schema_name
    if schema_name not in rs.schemas:
        raise ResourceSetError(
            f"{label}: spec.schema {schema_name!r} is not an AvatarSchema of this set "
            f"(known: {known_names(rs.schemas)}).",
            "invalid_reference",
        )
    tables = {t.name for t in rs.base_schema(schema_name).spec.tables}
    if isinstance(doc, AvatarizationDocument):
        if rs.schemas[schema_name].spec.schema_ref is not None:
            raise ResourceSetError(
                f"{label}: spec.schema {schema_name!r} is an avatarized schema; an "
                "AvatarParameters document must name the original schema.",
                "invalid_reference",
            )
        for field_name in (
            "avatarization", "avatarization_open_dp", "avatarization_fast_dp", "time_series"
        ):
            _tables_exist(label, f"spec.{field_name}", getattr(doc.spec, field_name), tables)
        specs = rs.base_schema(schema_name).spec.tables
        check_time_series(label, specs)
        series = {t.name for t in specs if t.time_column() is not None}
        for table in sorted(set(doc.spec.time_series) - series):
            raise ResourceSetError(
                f"{label}: spec.time_series.{table}: table {table!r} has no column declared "
                "time_series_time; declare its time column or drop these parameters.",
                "invalid_parameter",
            )
        for table in sorted(series & {*doc.spec.avatarization_open_dp,
                                      *doc.spec.avatarization_fast_dp}):
            raise ResourceSetError(
                f"{label}: table {table!r} is a time series: it is avatarized with "
                f"spec.avatarization.{table}: {{k: ...}}, not with differential privacy.",
                "invalid_parameter",
            )
        if not doc.spec.tables() and not rs.uploaded_avatars():
            raise ResourceSetError(
                f"{label}: spec: give avatarization (k), avatarization_open_dp or "
                "avatarization_fast_dp (epsilon) parameters for at least one table.",
                "invalid_parameter",
            )
        # tables whose avatars were made elsewhere need no avatarization parameters
        missing = sorted(tables - doc.spec.tables() - set(rs.uploaded_avatars()))
        if missing:
            raise ResourceSetError(
                f"{label}: spec.avatarization has no parameters for table(s) "
                f"{', '.join(missing)}; add e.g. spec.avatarization.{missing[0]}: {{k: 20}}.",
                "missing_field",
            )
        _check_linked_tables(label, doc, rs.base_schema(schema_name).spec.tables)
    elif isinstance(doc, PrivacyMetricsDocument | SignalMetricsDocument):
        ref = rs.parameters.get(doc.spec.avatarization_ref)
        if not isinstance(ref, AvatarizationDocument):
            known = [n for n, d in rs.parameters.items() if isinstance(d, AvatarizationDocument)]
            raise ResourceSetError(
                f"{label}: spec.avatarization_ref {doc.spec.avatarization_ref!r} does not name "
                f"an AvatarParameters document (known: {known_names(known)}).",
                "invalid_reference",
            )
        if rs.base_schema(ref.spec.schema_name) is not rs.base_schema(schema_name):
            raise ResourceSetError(
                f"{label}: spec.schema {schema_name!r} and the schema of "
                f"{doc.spec.avatarization_ref!r} ({ref.spec.schema_name!r}) describe different "
                "tables; use the avatarized schema of the same original schema.",
                "invalid_reference",
            )
        per_table = (
            doc.spec.privacy_metrics
            if isinstance(doc, PrivacyMetricsDocument)
            else doc.spec.signal_metrics
        )
        field = "privacy_metrics" if isinstance(doc, PrivacyMetricsDocument) else "signal_metrics"
        _tables_exist(label, f"spec.{field}", per_table, tables)


def _check_linked_tables(label: str, doc: AvatarizationDocument, tables: Any) -> None:
    """Differential privacy and data augmentation run on tables without links: refused on a
    linked table, with what is supported."""
    linked = {t.name for t in tables if t.links} | {
        link.to.table for t in tables for link in t.links
    }
    for field_name in ("avatarization_open_dp", "avatarization_fast_dp"):
        for table in getattr(doc.spec, field_name):
            if table in linked:
                raise ResourceSetError(
                    f"{label}: spec.{field_name}.{table}: table {table!r} is linked to another "
                    "table, and differential privacy runs on tables without links (its "
                    "guarantee is stated per record of one table). Avatarize the linked tables "
                    f"with k (spec.avatarization.{table}: {{k: 20}}), or run the DP table "
                    "alone.",
                    "invalid_parameter",
                )
    for table, params in doc.spec.avatarization.items():
        if table in linked and params.data_augmentation is not None:
            raise ResourceSetError(
                f"{label}: spec.avatarization.{table}.data_augmentation: table {table!r} is "
                "linked to another table, and data augmentation runs on tables without links "
                "(extra records would have no parent or no children). Remove "
                "data_augmentation, or augment the table in a run of its own.",
                "invalid_parameter",
            )


def _tables_exist(label: str, path: str, per_table: Mapping[str, Any], tables: set[str]) -> None:
    for table in per_table:
        if table not in tables:
            raise ResourceSetError(
                f"{label}: {path}.{table}: no table {table!r} in the schema "
                f"(known: {known_names(tables)}).",
                "unknown_table",
            )


def _no_duplicates(label: str, what: str, names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ResourceSetError(
                f"{label}: {what} {name!r} is declared twice; declare it once.",
                f"duplicate_{what}",
            )
        seen.add(name)
