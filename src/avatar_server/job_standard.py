"""The ``standard`` job: avatarize every table of a schema and write the shared tables.

Example:
    >>> run_standard(ctx, ctx.resource_set.parameters["standard"])  # doctest: +SKIP
    >>> (ctx.output_dir / "wbcd.shuffled.csv").is_file()  # doctest: +SKIP
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import avatar_engine
from avatar_engine import ColumnType, rekey_identifiers
from avatar_engine.augmentation import augment
from avatar_engine.dp import DpParameters, dp_avatarize
from avatar_engine.imputation import ImputationMethod, impute_table
from avatar_engine.pseudonymization import pseudonymize_tables
from avatar_engine.relational import add_context, attach_children, pseudonymize_columns
from avatar_server.figures_on_demand import record_figure_inputs
from avatar_server.job_batches import run_batched_table, wants_batches
from avatar_server.job_context import JobContext, check_stop, scaled_progress, table_spans
from avatar_server.job_failures import JobFailure
from avatar_server.job_files import write_json, write_table
from avatar_server.job_series import (
    attach_series,
    avatarize_series_table,
    individual_of,
    sequence_order,
)
from avatar_server.job_tables import (
    avatarization_parameters,
    described_strategies,
    dp_parameters_of,
    engine_links,
    engine_types,
    key_columns,
    load_table,
    not_measured,
    primary_keys_and_links,
    pseudonym_strategies,
    schema_of,
    tables_of,
    unlinked_identifiers,
)
from avatar_server.job_uploaded import uploaded_dataset, uploaded_result
from avatar_server.resource_sets import (
    AvatarizationDocument,
    AvatarizationSpec,
    TableAvatarization,
    TableSpec,
)


def run_standard(ctx: JobContext, doc: AvatarizationDocument) -> None:
    rs = ctx.resource_set
    tables = tables_of(rs, doc.spec.schema_name)
    if tables and wants_batches(ctx, doc, tables[0], tables):
        run_batched_table(ctx, doc, tables[0])
        return
    keys, links = primary_keys_and_links(tables)
    relations = engine_links(tables, links)
    strategies = pseudonym_strategies(tables)
    originals: dict[str, pd.DataFrame] = {}
    formats: dict[str, str] = {}
    ctx.progress(0.0, "loading")
    for table in tables:
        originals[table.name], formats[table.name] = load_table(ctx, table)
        check_stop(ctx)
    identifiers = {table.name: key_columns(table, tables) for table in tables}
    declared = {table.name: engine_types(table, originals[table.name]) for table in tables}
    contexts = add_context(originals, relations, identifiers, declared)
    avatars: dict[str, pd.DataFrame] = {}
    metadata_of: dict[str, dict[str, Any]] = {}
    spans = list(table_spans(len(tables)))
    for table, (start, end) in zip(tables, spans, strict=True):
        span = end - start
        context = contexts[table.name]
        types = {**declared[table.name], **context.types}
        dp_parameters = dp_parameters_of(doc.spec, table.name)
        result: Any
        if table.time_column() is not None:
            result = avatarize_series_table(
                doc.spec,
                table,
                tables,
                context.data,
                types,
                identifiers[table.name],
                progress=scaled_progress(ctx, start + 0.05 * span, start + 0.7 * span),
                should_stop=ctx.should_stop,
            )
        elif uploaded_dataset(ctx, table.name) is not None:
            params = doc.spec.avatarization.get(table.name)
            result = uploaded_result(
                ctx, table, context.data, types, identifiers[table.name],
                params.ncp if params is not None else 5, doc.spec.seed,
            )
        elif dp_parameters is not None:
            result = _dp_avatarize(
                ctx, table, context.data, dp_parameters, identifiers[table.name], types
            )
            _impute_dp_records(doc.spec, table.name, result, types)
        else:
            result = avatar_engine.avatarize(
                context.data,
                avatarization_parameters(doc.spec.avatarization[table.name], doc.spec.seed),
                types=types,
                identifiers=identifiers[table.name],
                progress=scaled_progress(ctx, start + 0.05 * span, start + 0.7 * span),
                should_stop=ctx.should_stop,
            )
        check_stop(ctx)
        ctx.progress(start + 0.7 * span, "writing")
        out = ctx.output_dir / table.name
        result.original_projections.to_csv(
            out.with_name(f"{table.name}.original_projections.csv"), index=False
        )
        result.avatar_projections.to_csv(
            out.with_name(f"{table.name}.avatar_projections.csv"), index=False
        )
        metadata = dict(result.metadata)
        metadata.update(
            table=table.name,
            dataset=table.data.file if table.data else None,
            identifiers=identifiers[table.name],
            parameters_name=ctx.parameters_name,
            input_format=formats[table.name],
        )
        if table.name in strategies:
            metadata["parameters"] = {
                **metadata.get("parameters", {}),
                "pseudonymized_columns": described_strategies(strategies[table.name]),
            }
        metadata_of[table.name] = metadata
        _record_figure_inputs(
            ctx,
            table,
            not_measured(identifiers[table.name], originals[table.name]),
            declared[table.name],
            result,
        )
        avatars[table.name] = result.unshuffled
        del result
        check_stop(ctx)
    ctx.progress(0.95, "linking")
    series = {table.name for table in tables if table.time_column() is not None}
    series_links = [link for link in relations if link.child in series]
    sequence_attachment = attach_series(
        originals, avatars, contexts, series_links, seed=doc.spec.seed
    )
    linked = attach_children(
        originals,
        avatars,
        contexts,
        [link for link in relations if link.child not in series],
        seed=doc.spec.seed,
    )
    linked.attachment.update(sequence_attachment)
    del avatars, contexts
    shuffled: dict[str, pd.DataFrame] = {}
    for table in tables:
        name = table.name
        frame = linked.tables[name]
        write_table(frame, ctx.output_dir / f"{name}.unshuffled", formats[name])
        metadata = metadata_of[name]
        metadata["links"] = {
            link.name: {
                # a series is attached whole by its time_series link
                "method": "time_series" if link.child in series else link.method,
                "own_parent_attachment": linked.attachment[link.name],
            }
            for link in relations
            if link.child == name
        }
        spec = doc.spec.avatarization.get(name)
        if spec is not None and spec.data_augmentation is not None:
            frame = _augmented(
                ctx,
                table,
                frame,
                originals[name],
                spec,
                doc.spec.seed,
                identifiers[name],
                engine_types(table, originals[name]),
                metadata,
            )
        write_json(ctx.output_dir / f"{name}.run_metadata.json", metadata)
        if name in series:
            order = sequence_order(
                frame, individual_of(table, tables), _row_seed(doc.spec.seed, name)
            )
        else:
            order = np.random.default_rng(_row_seed(doc.spec.seed, name)).permutation(len(frame))
        shuffled[name] = frame.iloc[order].reset_index(drop=True)
    ctx.progress(0.97, "writing")
    if keys:
        shuffled = rekey_identifiers(shuffled, keys, links, seed=doc.spec.seed)
    for table in tables:
        unlinked = unlinked_identifiers(table, keys, links)
        if unlinked:
            shuffled[table.name] = pseudonymize_columns(
                shuffled[table.name], unlinked, seed=doc.spec.seed
            )
    if strategies:
        shuffled = pseudonymize_tables(shuffled, strategies, links, seed=doc.spec.seed)
    for name, frame in shuffled.items():
        write_table(frame, ctx.output_dir / f"{name}.shuffled", formats[name])


def _augmented(
    ctx: JobContext,
    table: TableSpec,
    avatars: pd.DataFrame,
    original: pd.DataFrame,
    spec: TableAvatarization,
    seed: int | None,
    identifiers: list[str],
    types: Mapping[str, ColumnType],
    metadata: dict[str, Any],
) -> pd.DataFrame:
    """The shared table with the extra avatars of ``data_augmentation`` (recorded in metadata)."""
    augmentation = spec.data_augmentation
    assert augmentation is not None
    if table.links or any(
        link.to.table == table.name
        for other in tables_of(ctx.resource_set, schema_of(ctx))
        for link in other.links
    ):
        raise JobFailure(
            f"table {table.name!r} is linked to another table: data augmentation runs on "
            "tables without links."
        )
    extra, made = augment(
        original,
        avatarization_parameters(spec, seed),
        augmentation.augmentation_strategy,
        augmentation.target_column,
        types=types,
        identifiers=identifiers,
    )
    base = avatars if augmentation.should_anonymize_original_table else original
    metadata["data_augmentation"] = {
        "strategy": augmentation.augmentation_strategy,
        "target_column": augmentation.target_column,
        "extra_records": made,
        "original_table_anonymized": augmentation.should_anonymize_original_table,
    }
    metadata["parameters"] = {
        **metadata.get("parameters", {}),
        "data_augmentation": metadata["data_augmentation"],
    }
    return pd.concat([base, extra[list(base.columns)]], ignore_index=True)


def _row_seed(seed: int | None, table: str) -> np.random.SeedSequence | None:
    """Seed of the release order of a table's rows (the table name enters it)."""
    if seed is None:
        return None
    return np.random.SeedSequence([int(seed) % 2**64, *f"rows:{table}".encode()])


def _dp_avatarize(
    ctx: JobContext,
    table: TableSpec,
    data: pd.DataFrame,
    parameters: DpParameters,
    identifiers: list[str],
    types: Mapping[str, ColumnType],
) -> Any:
    """DP synthetic records; identifier columns get fresh numbers (pseudonymized afterwards)."""
    if table.links or any(
        link.to.table == table.name
        for other in tables_of(ctx.resource_set, schema_of(ctx))
        for link in other.links
    ):
        raise JobFailure(
            f"table {table.name!r} is linked to another table: differential privacy runs on "
            "tables without links; use avatarization (k) for linked tables."
        )
    kept = [c for c in data.columns if c not in identifiers]
    result = dp_avatarize(
        data[kept], parameters, types={c: t for c, t in types.items() if c in kept}
    )
    for frame in (result.shuffled, result.unshuffled):
        for position, column in enumerate(data.columns):
            if column in identifiers:
                frame.insert(position, column, np.arange(1, len(frame) + 1))
    return result


def _impute_dp_records(
    spec: AvatarizationSpec, table: str, result: Any, types: Mapping[str, ColumnType]
) -> None:
    """``imputation.return_data_imputed`` on a DP table: its records' missing values are
    imputed from the other synthetic records (post-processing: the guarantee is unchanged)."""
    params = spec.avatarization_open_dp.get(table) or spec.avatarization_fast_dp.get(table)
    imputation = params.imputation if params is not None else None
    if imputation is None or not imputation.return_data_imputed:
        return
    for name in ("shuffled", "unshuffled"):
        frame = getattr(result, name)
        kept = {c: t for c, t in types.items() if c in frame.columns}
        setattr(result, name, impute_table(
            frame, kept, method=ImputationMethod(imputation.method), k=imputation.k,
            training_fraction=imputation.training_fraction, seed=spec.seed,
        ))
    result.metadata["parameters"] = {
        **result.metadata.get("parameters", {}), "return_data_imputed": True,
    }


def _record_figure_inputs(
    ctx: JobContext,
    table: TableSpec,
    identifiers: list[str],
    types: Mapping[str, ColumnType],
    result: Any,
) -> None:
    """The figures are drawn when first asked for (see ``figures_on_demand``)."""
    assert table.data is not None  # guaranteed by parse_resource_set
    record_figure_inputs(
        ctx.output_dir,
        table.name,
        Path(ctx.dataset_paths[table.data.file]),
        dataset_name=table.data.file,
        column_types={c: t.value for c, t in types.items()},
        identifiers=identifiers,
        max_distribution_plots=ctx.resource_set.max_distribution_plots,
        explained_variance_ratio=result.original_projections.attrs.get("explained_variance_ratio"),
    )
