"""The ``privacy_metrics`` and ``signal_metrics`` jobs, and the structure metrics of links.

Example:
    >>> run_metrics(ctx, ctx.resource_set.parameters["privacy"])  # doctest: +SKIP
    >>> (ctx.output_dir / "wbcd.privacy_metrics.json").is_file()  # doctest: +SKIP
    True
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd

import avatar_engine
from avatar_engine import ColumnType
from avatar_engine.metrics.closeness import closeness_below_quantile
from avatar_server.job_batches import batch_metrics_of
from avatar_server.job_context import JobContext, check_stop, scaled_progress, table_spans
from avatar_server.job_files import (
    parent_dir,
    read_json,
    read_result,
    result_file,
    write_json,
)
from avatar_server.job_series_metrics import series_metrics
from avatar_server.job_tables import (
    avatarization_parameters,
    engine_links,
    engine_types,
    is_dp_run,
    key_columns,
    load_table,
    not_measured,
    primary_keys_and_links,
    tables_of,
)
from avatar_server.job_uploaded import measured_types, read_uploaded, uploaded_dataset
from avatar_server.resource_sets import (
    AvatarizationDocument,
    AvatarizationSpec,
    PrivacyMetricsDocument,
    SignalMetricsDocument,
    TableMetrics,
    TableSpec,
)
from avatar_server.structure_holdout import pair_avatarizer
from avatar_server.structure_metrics import write_structure_metrics, write_structure_signal
from avatar_server.structure_summary import write_summary


def _holdout_avatarizer(
    ctx: JobContext,
    doc: PrivacyMetricsDocument | SignalMetricsDocument,
    table: TableSpec,
    types: Mapping[str, ColumnType],
) -> Callable[[pd.DataFrame], pd.DataFrame] | None:
    """Avatarize part of a table as the avatarization job did (for the control set)."""
    parameters = ctx.resource_set.parameters.get(doc.spec.avatarization_ref)
    if not isinstance(parameters, AvatarizationDocument):
        return None
    params = parameters.spec.avatarization.get(table.name)
    if params is None:
        return None

    def avatarize(data: pd.DataFrame) -> pd.DataFrame:
        engine_params = avatarization_parameters(params, parameters.spec.seed)
        engine_params = dataclasses.replace(
            engine_params, k=min(engine_params.k, max(1, len(data) - 1))
        )
        return avatar_engine.avatarize(
            data, engine_params, types=types, should_stop=ctx.should_stop
        ).unshuffled

    return avatarize


def _excluded_from_metrics(params: TableMetrics) -> list[str]:
    """Columns the metrics parameters list as excluded variables."""
    return list(params.exclude_variables.variable_names) if params.exclude_variables else []


def run_metrics(ctx: JobContext, doc: PrivacyMetricsDocument | SignalMetricsDocument) -> None:
    rs = ctx.resource_set
    standard_dir = parent_dir(ctx, "standard")
    assert standard_dir is not None
    tables = tables_of(rs, doc.spec.schema_name)
    privacy = isinstance(doc, PrivacyMetricsDocument)
    per_table: Mapping[str, TableMetrics] = (
        doc.spec.privacy_metrics
        if isinstance(doc, PrivacyMetricsDocument)
        else doc.spec.signal_metrics
    )
    for table, (start, end) in zip(tables, table_spans(len(tables)), strict=True):
        ctx.progress(start, "loading")
        batched = standard_dir / f"{table.name}.batch_metrics.json"
        if batched.is_file():
            suffix = "privacy_metrics" if privacy else "signal_metrics"
            write_json(ctx.output_dir / f"{table.name}.{suffix}.json",
                       batch_metrics_of(read_json(batched), privacy))
            continue
        original, _ = load_table(ctx, table)
        params = per_table.get(table.name, TableMetrics())
        identifiers = not_measured(key_columns(table, tables), original)
        # variables excluded from the avatarization are left out of the metrics when the
        # metrics parameters repeat them (use_excluded_variables_in_metrics=False)
        identifiers += [c for c in _excluded_from_metrics(params) if c not in identifiers]
        # avatars made elsewhere: judged unpaired, without a control set of their method
        uploaded = uploaded_dataset(ctx, table.name) is not None
        kind = "unshuffled" if privacy else "shuffled"
        avatars = read_uploaded(ctx, table, original) if uploaded else read_result(
            result_file(standard_dir, table.name, kind), table)
        whole = (original, avatars)
        original = original.drop(columns=identifiers, errors="ignore")
        avatars = avatars.drop(columns=identifiers, errors="ignore")
        check_stop(ctx)
        types = {c: t for c, t in engine_types(table, original).items() if c not in identifiers}
        if uploaded:
            types = measured_types(original, avatars, types)
        scaled = scaled_progress(ctx, start + 0.1 * (end - start), end)
        if table.time_column() is not None:
            reference = rs.parameters.get(doc.spec.avatarization_ref)
            metrics = series_metrics(
                privacy,
                *whole,
                table,
                tables,
                reference.spec if isinstance(reference, AvatarizationDocument) else None,
                params,
                identifiers,
                types,
                doc.spec.seed,
            )
        elif privacy:
            metrics = avatar_engine.compute_privacy_metrics(
                original,
                avatars,
                types=types,
                ncp=params.ncp,
                known_variables=params.known_variables,
                target=params.target,
                seed=doc.spec.seed,
                holdout_avatarize=None if uploaded else _holdout_avatarizer(
                    ctx, doc, table, types),
                paired=not uploaded and not is_dp_run(
                    rs, doc.spec.avatarization_ref, table.name),
                progress=scaled,
                should_stop=ctx.should_stop,
            )
        else:
            metrics = avatar_engine.compute_signal_metrics(
                original,
                avatars,
                types=types,
                ncp=params.ncp,
                seed=doc.spec.seed,
                progress=scaled,
                should_stop=ctx.should_stop,
            )
        if privacy and params.quantile_threshold is not None and table.time_column() is None:
            metrics.setdefault("details", {})["quantile_threshold"] = closeness_below_quantile(
                original,
                avatars,
                quantile_threshold=params.quantile_threshold,
                types=types,
                ncp=params.ncp,
            )
        del original, avatars, whole
        suffix = "privacy_metrics" if privacy else "signal_metrics"
        excluded = _excluded_from_metrics(params)
        if excluded and isinstance(metrics.get("details"), dict):
            metrics["details"]["excluded_variables_left_out"] = excluded
        write_json(ctx.output_dir / f"{table.name}.{suffix}.json", metrics)
        check_stop(ctx)
    reference = rs.parameters.get(doc.spec.avatarization_ref)
    _structure(
        ctx,
        standard_dir,
        tables,
        doc.spec.seed,
        reference.spec if isinstance(reference, AvatarizationDocument) else None,
        privacy,
    )
    write_summary(ctx.output_dir, "privacy_metrics" if privacy else "signal_metrics")


def _structure(
    ctx: JobContext,
    standard_dir: Path,
    tables: list[TableSpec],
    seed: int | None,
    spec: AvatarizationSpec | None,
    privacy: bool = True,
) -> None:
    """Structure metrics of the links (multi-table runs only): privacy or signal ones."""
    _, links = primary_keys_and_links(tables)
    if not links or not (privacy or all(
        any((standard_dir / f"{t.name}.unshuffled.{ext}").is_file() for ext in ("csv", "parquet"))
        for t in tables
    )):
        return
    ctx.progress(0.98, "structure")
    originals = {t.name: load_table(ctx, t)[0] for t in tables}
    avatars = {
        t.name: read_result(result_file(standard_dir, t.name, "unshuffled"), t) for t in tables
    }
    by_name = {t.name: t for t in tables}
    if not privacy:
        write_structure_signal(
            ctx.output_dir, originals, avatars, links,
            lambda name: not_measured(key_columns(by_name[name], tables), originals[name]),
        )
        return
    write_structure_metrics(
        ctx.output_dir,
        standard_dir,
        originals,
        avatars,
        links,
        lambda name: not_measured(key_columns(by_name[name], tables), originals[name]),
        seed=seed,
        pair_avatarizer=None
        if spec is None
        else lambda link: pair_avatarizer(
            spec, tables, originals, engine_links(tables, [link])[0], ctx.should_stop
        ),
    )
