"""Table preparation for the pipeline's jobs: tables of a schema, keys, links, types, parameters.

Example:
    >>> tables = tables_of(rs, "schema")  # doctest: +SKIP
    >>> key_columns(tables[0], tables)  # doctest: +SKIP
    ['id']
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from avatar_engine import AvatarizationParameters, ColumnType, ExcludeStrategy, ImputationMethod
from avatar_engine.avatarization import passed_through_columns
from avatar_engine.dp import DpParameters
from avatar_engine.pseudonymization import PseudonymizationStrategy
from avatar_engine.relational import LINK_METHODS, Link
from avatar_engine.timeseries import TimeSeriesParameters
from avatar_server.dataset_files import dataset_format, read_dataset
from avatar_server.job_context import JobContext
from avatar_server.job_failures import JobFailure
from avatar_server.resource_sets import (
    AvatarizationDocument,
    AvatarizationSpec,
    ResourceSet,
    TableAvatarization,
    TableSpec,
)


def tables_of(rs: ResourceSet, schema_name: str) -> list[TableSpec]:
    return list(rs.base_schema(schema_name).spec.tables)


def key_columns(table: TableSpec, all_tables: list[TableSpec]) -> list[str]:
    """Columns that are not avatarized: keys, identifiers, link fields on either side."""
    names = table.identifier_columns()
    names += [
        link.to.field for other in all_tables for link in other.links if link.to.table == table.name
    ]
    return list(dict.fromkeys(names))


def not_measured(identifiers: list[str], original: pd.DataFrame) -> list[str]:
    """Identifiers and the constant or empty columns the avatarization passes through."""
    rest = [str(c) for c in original.columns if str(c) not in identifiers]
    return [*identifiers, *passed_through_columns(original, rest)]


def unlinked_identifiers(
    table: TableSpec, keys: Mapping[str, str], links: list[tuple[str, str, str, str]]
) -> list[str]:
    """Identifier columns that re-keying leaves untouched and no strategy names: random codes."""
    keyed = {keys.get(table.name)} | {f for t, f, _, _ in links if t == table.name}
    keyed |= set(table.pseudonymized_columns())
    return [c for c in table.identifier_columns() if c not in keyed]


def pseudonym_strategies(tables: list[TableSpec]) -> dict[str, dict[str, PseudonymizationStrategy]]:
    """Table -> column -> engine strategy, for the columns that declare a pseudonymization."""
    out: dict[str, dict[str, PseudonymizationStrategy]] = {}
    for table in tables:
        declared = table.pseudonymized_columns()
        if declared:
            out[table.name] = {
                column: PseudonymizationStrategy(**spec.model_dump())
                for column, spec in declared.items()
            }
    return out


def described_strategies(strategies: Mapping[str, PseudonymizationStrategy]) -> dict[str, Any]:
    """Column -> JSON description of its strategy (salts are left out: they are secrets)."""
    return {column: strategy.to_dict() for column, strategy in strategies.items()}


def primary_keys_and_links(
    tables: list[TableSpec],
) -> tuple[dict[str, str], list[tuple[str, str, str, str]]]:
    """Primary key per table and links oriented (child, foreign key, parent, primary key)."""
    keys = {t.name: pk for t in tables if (pk := t.primary_key()) is not None}
    links: list[tuple[str, str, str, str]] = []
    for table in tables:
        for link in table.links:
            if keys.get(table.name) == link.field and keys.get(link.to.table) != link.to.field:
                links.append((link.to.table, link.to.field, table.name, link.field))
            else:
                links.append((table.name, link.field, link.to.table, link.to.field))
    for _, _, parent, parent_key in links:
        keys.setdefault(parent, parent_key)
    return keys, links


def load_table(ctx: JobContext, table: TableSpec) -> tuple[pd.DataFrame, str]:
    assert table.data is not None  # guaranteed by parse_resource_set
    path = ctx.dataset_paths.get(table.data.file)
    if path is None or not Path(path).is_file():
        raise JobFailure(
            f"dataset {table.data.file!r} of table {table.name!r} is no longer available; "
            "upload it again and create a new resource set."
        )
    return read_dataset(Path(path), table.data.file, table.column_types()), dataset_format(
        Path(path)
    )


def engine_types(table: TableSpec, data: pd.DataFrame) -> dict[str, ColumnType]:
    return {c: ColumnType(t) for c, t in table.column_types().items() if c in data.columns}


def avatarization_parameters(params: TableAvatarization, seed: int | None) -> Any:
    imputation = params.imputation
    exclude = params.exclude_variables
    return AvatarizationParameters(
        k=params.k,
        ncp=params.ncp,
        column_weights=dict(params.column_weights) if params.column_weights else None,
        use_categorical_reduction=params.use_categorical_reduction,
        imputation_method=ImputationMethod(imputation.method if imputation else "knn"),
        imputation_k=imputation.k if imputation else 5,
        imputation_training_fraction=imputation.training_fraction if imputation else 1.0,
        return_data_imputed=imputation.return_data_imputed if imputation else False,
        exclude_variables=tuple(exclude.variable_names) if exclude else (),
        exclude_replacement_strategy=ExcludeStrategy(
            exclude.replacement_strategy if exclude else "coordinate_similarity"
        ),
        seed=seed,
    )


def series_parameters(spec: AvatarizationSpec, table: str) -> TimeSeriesParameters:
    """The projection and alignment of a time-series table's sequences (defaults if not set)."""
    given = spec.time_series.get(table)
    projection = given.projection if given else None
    alignment = given.alignment if given else None
    return TimeSeriesParameters(
        projection_type=(projection.projection_type if projection else None) or "fpca",
        nf=projection.nf if projection else None,
        nb_points=alignment.nb_points if alignment else None,
        method=alignment.method if alignment else None,
    )


def series_avatarization_parameters(
    spec: AvatarizationSpec, table: str
) -> Any:
    """A time-series table's avatarization parameters, with the exclusions of its time_series."""
    parameters = avatarization_parameters(spec.avatarization[table], spec.seed)
    given = spec.time_series.get(table)
    exclude = given.exclude_variables if given else None
    if exclude is None:
        return parameters
    return dataclasses.replace(
        parameters,
        exclude_variables=tuple(dict.fromkeys([*parameters.exclude_variables,
                                               *exclude.variable_names])),
        exclude_replacement_strategy=ExcludeStrategy(exclude.replacement_strategy),
    )


def dp_parameters_of(spec: AvatarizationSpec, table: str) -> DpParameters | None:
    """The DP parameters of a table, when it is avatarized with differential privacy."""
    open_dp = spec.avatarization_open_dp.get(table)
    if open_dp is not None:
        return DpParameters(
            epsilon=open_dp.epsilon,
            preprocess_budget_ratio=open_dp.preprocess_budget_ratio,
            bins=open_dp.bins,
            ncp=open_dp.ncp,
            seed=spec.seed,
            anchor=open_dp.target,
            bounds=open_dp.bounds,
        )
    fast = spec.avatarization_fast_dp.get(table)
    if fast is not None:
        return DpParameters(
            epsilon=fast.epsilon,
            bins=fast.histogram_n_bins or 10,
            fast=True,
            bounds_percentile=1.0 if fast.bounds_percentile is None else fast.bounds_percentile,
            ncp=fast.ncp,
            seed=spec.seed,
            anchor=fast.target,
            bounds=fast.bounds,
        )
    return None


def schema_of(ctx: JobContext) -> str:
    doc = ctx.resource_set.parameters[ctx.parameters_name]
    assert isinstance(doc, AvatarizationDocument)
    return doc.spec.schema_name


def is_dp_run(rs: ResourceSet, avatarization_ref: str, table: str) -> bool:
    doc = rs.parameters.get(avatarization_ref)
    return isinstance(doc, AvatarizationDocument) and (
        table in doc.spec.avatarization_open_dp or table in doc.spec.avatarization_fast_dp
    )


def engine_links(tables: list[TableSpec], links: list[tuple[str, str, str, str]]) -> list[Link]:
    """The oriented links with their attachment method.

    ``bottom_projection`` and ``top_projection`` (the context goes both ways here) attach by
    linear sum assignment.
    """
    methods: dict[tuple[str, str], str] = {}
    for table in tables:
        for spec in table.links:
            methods[(table.name, spec.field)] = spec.method
            methods[(spec.to.table, spec.to.field)] = spec.method
    out = []
    for child, field_name, parent, key in links:
        method = methods.get((child, field_name), "linear_sum_assignment")
        if method not in LINK_METHODS:
            method = "linear_sum_assignment"
        out.append(Link(child, field_name, parent, key, method))
    return out
