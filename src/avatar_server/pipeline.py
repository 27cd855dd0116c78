"""Run one job of a resource set through the engine and write its result files.

The worker calls :func:`run_job` with a :class:`JobContext`; the job reads the user's datasets
(and the results of its parent jobs), calls the engine and writes ``<table>.<kind>.<ext>`` files
into ``ctx.output_dir``. Anything the user can fix (bad data, bad parameters) ends as a
:class:`JobFailure` whose ``user_message`` says what to do.

Example:
    >>> ctx = JobContext(kind="standard", parameters_name="standard", resource_set=rs,
    ...                  dataset_paths={"wbcd.csv": Path("wbcd.csv")}, parent_outputs={},
    ...                  output_dir=Path("out"), progress=lambda f, p: None,
    ...                  should_stop=lambda: False)
    >>> run_job(ctx)
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import avatar_engine
from avatar_engine import (
    AvatarizationCancelled,
    AvatarizationParameters,
    ColumnType,
    EngineError,
    ExcludeStrategy,
    ImputationMethod,
    advise_parameters,
    rekey_identifiers,
)
from avatar_engine.augmentation import augment
from avatar_engine.avatarization import passed_through_columns
from avatar_engine.dp import DpParameters, dp_avatarize
from avatar_engine.metrics.closeness import closeness_below_quantile
from avatar_engine.pseudonymization import PseudonymizationStrategy, pseudonymize_tables
from avatar_engine.relational import (
    LINK_METHODS,
    Link,
    add_context,
    attach_children,
    pseudonymize_columns,
)
from avatar_server.dataset_files import dataset_format, read_columns, read_dataset
from avatar_server.figures_on_demand import (
    FiguresUnavailableError,
    ensure_figures,
    record_figure_inputs,
)
from avatar_server.job_failures import JobCancelled, JobFailure
from avatar_server.resource_sets import (
    AdviceDocument,
    AvatarizationDocument,
    AvatarizationSpec,
    PrivacyMetricsDocument,
    ReportDocument,
    ResourceSet,
    SignalMetricsDocument,
    TableAvatarization,
    TableMetrics,
    TableSpec,
)
from avatar_server.structure_metrics import write_structure_metrics

__all__ = [
    "JobCancelled",
    "JobContext",
    "JobFailure",
    "read_columns",
    "read_dataset",
    "run_job",
]

ProgressCallback = Callable[[float, str], None]


@dataclass
class JobContext:
    """Everything one job needs (see the module docstring).

    Attributes:
        kind: Job kind ("standard", "privacy_metrics", "signal_metrics", "report", "advice").
        parameters_name: ``metadata.name`` of the parameters document the job runs.
        resource_set: The parsed set.
        dataset_paths: Dataset name (``data.file``) -> path of the uploaded file.
        parent_outputs: Parent job kind -> its results directory.
        output_dir: Empty directory for this job's result files.
        progress: Called with (overall fraction 0..1, phase name).
        should_stop: Polled at safe points; True cancels the job.
    """

    kind: str
    parameters_name: str
    resource_set: ResourceSet
    dataset_paths: Mapping[str, Path]
    parent_outputs: Mapping[str, Path]
    output_dir: Path
    progress: ProgressCallback = field(default=lambda fraction, phase: None)
    should_stop: Callable[[], bool] = field(default=lambda: False)


def run_job(ctx: JobContext) -> None:
    """Run the job described by ``ctx`` and write its result files into ``ctx.output_dir``.

    Args:
        ctx: The job's context.

    Raises:
        JobFailure: With a user-facing message (``JobCancelled`` when stopped).

    Example:
        >>> run_job(ctx)
        >>> sorted(p.name for p in ctx.output_dir.iterdir())[:2]
        ['wbcd.avatar_projections.csv', 'wbcd.original_projections.csv']
    """
    doc = ctx.resource_set.parameters.get(ctx.parameters_name)
    if doc is None or ctx.resource_set.job_kind(ctx.parameters_name) != ctx.kind:
        raise JobFailure(
            f"the resource set has no {ctx.kind} parameters named {ctx.parameters_name!r}."
        )
    runners: dict[type, Callable[[JobContext, Any], None]] = {
        AvatarizationDocument: _run_standard,
        PrivacyMetricsDocument: _run_metrics,
        SignalMetricsDocument: _run_metrics,
        ReportDocument: _run_report,
        AdviceDocument: _run_advice,
    }
    ctx = dataclasses.replace(ctx, progress=_Monotonic(ctx.progress))
    try:
        _check_stop(ctx)
        runners[type(doc)](ctx, doc)
    except AvatarizationCancelled:
        raise JobCancelled() from None
    except EngineError as exc:
        raise JobFailure(str(exc)) from None
    except MemoryError:
        raise JobFailure(
            "the job ran out of memory; use a smaller dataset or fewer components (ncp)."
        ) from None
    ctx.progress(1.0, "done")


# --------------------------------------------------------------------------- progress


class _Monotonic:
    """Forwards progress, never going backwards (engine phases may restart their count)."""

    def __init__(self, forward: ProgressCallback) -> None:
        self._forward = forward
        self._last = 0.0

    def __call__(self, fraction: float, phase: str) -> None:
        self._last = max(self._last, min(max(round(float(fraction), 4), 0.0), 1.0))
        self._forward(self._last, phase)


def _check_stop(ctx: JobContext) -> None:
    if ctx.should_stop():
        raise JobCancelled()


def _scaled(ctx: JobContext, start: float, end: float) -> ProgressCallback:
    """A progress callback mapping the engine's 0..1 onto ``start..end`` of the job."""

    def report(fraction: float, phase: str) -> None:
        fraction = min(max(float(fraction), 0.0), 1.0)
        ctx.progress(start + (end - start) * fraction, phase)

    return report


def _table_spans(count: int) -> Iterator[tuple[float, float]]:
    for i in range(count):
        yield i / count, (i + 1) / count


# --------------------------------------------------------------------------- result files


def _write_table(data: pd.DataFrame, path_stem: Path, fmt: str) -> Path:
    if fmt == "parquet":
        path = path_stem.with_name(path_stem.name + ".parquet")
        data.to_parquet(path, index=False)
    else:
        path = path_stem.with_name(path_stem.name + ".csv")
        data.to_csv(path, index=False)
    return path


def _write_json(path: Path, payload: Mapping[str, Any]) -> None:
    path.write_text(json.dumps(payload, indent=2, default=_json_default, allow_nan=False))


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, datetime | pd.Timestamp):
        return value.isoformat()
    return str(value)


# --------------------------------------------------------------------------- tables


def _tables_of(rs: ResourceSet, schema_name: str) -> list[TableSpec]:
    return list(rs.base_schema(schema_name).spec.tables)


def _identifiers(table: TableSpec, all_tables: list[TableSpec]) -> list[str]:
    """Columns that are not avatarized: keys, identifiers, link fields on either side."""
    names = table.identifier_columns()
    names += [
        link.to.field for other in all_tables for link in other.links if link.to.table == table.name
    ]
    return list(dict.fromkeys(names))


def _not_measured(identifiers: list[str], original: pd.DataFrame) -> list[str]:
    """Identifiers and the constant or empty columns the avatarization passes through."""
    rest = [str(c) for c in original.columns if str(c) not in identifiers]
    return [*identifiers, *passed_through_columns(original, rest)]


def _unlinked_identifiers(
    table: TableSpec, keys: Mapping[str, str], links: list[tuple[str, str, str, str]]
) -> list[str]:
    """Identifier columns that re-keying leaves untouched and no strategy names: random codes."""
    keyed = {keys.get(table.name)} | {f for t, f, _, _ in links if t == table.name}
    keyed |= set(table.pseudonymized_columns())
    return [c for c in table.identifier_columns() if c not in keyed]


def _strategies(tables: list[TableSpec]) -> dict[str, dict[str, PseudonymizationStrategy]]:
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


def _described(strategies: Mapping[str, PseudonymizationStrategy]) -> dict[str, Any]:
    """Column -> JSON description of its strategy (salts are left out: they are secrets)."""
    return {column: strategy.to_dict() for column, strategy in strategies.items()}


def _primary_keys_and_links(
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


def _load_table(ctx: JobContext, table: TableSpec) -> tuple[pd.DataFrame, str]:
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


def _engine_types(table: TableSpec, data: pd.DataFrame) -> dict[str, ColumnType]:
    return {c: ColumnType(t) for c, t in table.column_types().items() if c in data.columns}


def _avatarization_parameters(params: TableAvatarization, seed: int | None) -> Any:
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
        exclude_variables=tuple(exclude.variable_names) if exclude else (),
        exclude_replacement_strategy=ExcludeStrategy(
            exclude.replacement_strategy if exclude else "coordinate_similarity"
        ),
        seed=seed,
    )


def _dp_parameters(spec: AvatarizationSpec, table: str) -> DpParameters | None:
    """The DP parameters of a table, when it is avatarized with differential privacy."""
    open_dp = spec.avatarization_open_dp.get(table)
    if open_dp is not None:
        return DpParameters(
            epsilon=open_dp.epsilon,
            preprocess_budget_ratio=open_dp.preprocess_budget_ratio,
            bins=open_dp.bins,
            ncp=open_dp.ncp,
            seed=spec.seed,
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
        )
    return None


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
        for other in _tables_of(ctx.resource_set, _schema_of(ctx))
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


def _schema_of(ctx: JobContext) -> str:
    doc = ctx.resource_set.parameters[ctx.parameters_name]
    assert isinstance(doc, AvatarizationDocument)
    return doc.spec.schema_name


def _is_dp_run(rs: ResourceSet, avatarization_ref: str, table: str) -> bool:
    doc = rs.parameters.get(avatarization_ref)
    return isinstance(doc, AvatarizationDocument) and (
        table in doc.spec.avatarization_open_dp or table in doc.spec.avatarization_fast_dp
    )


# --------------------------------------------------------------------------- standard


def _run_standard(ctx: JobContext, doc: AvatarizationDocument) -> None:
    rs = ctx.resource_set
    tables = _tables_of(rs, doc.spec.schema_name)
    keys, links = _primary_keys_and_links(tables)
    relations = _engine_links(tables, links)
    strategies = _strategies(tables)
    originals: dict[str, pd.DataFrame] = {}
    formats: dict[str, str] = {}
    ctx.progress(0.0, "loading")
    for table in tables:
        originals[table.name], formats[table.name] = _load_table(ctx, table)
        _check_stop(ctx)
    identifiers = {table.name: _identifiers(table, tables) for table in tables}
    declared = {table.name: _engine_types(table, originals[table.name]) for table in tables}
    contexts = add_context(originals, relations, identifiers, declared)
    avatars: dict[str, pd.DataFrame] = {}
    metadata_of: dict[str, dict[str, Any]] = {}
    spans = list(_table_spans(len(tables)))
    for table, (start, end) in zip(tables, spans, strict=True):
        span = end - start
        context = contexts[table.name]
        types = {**declared[table.name], **context.types}
        dp_parameters = _dp_parameters(doc.spec, table.name)
        if dp_parameters is not None:
            result = _dp_avatarize(
                ctx, table, context.data, dp_parameters, identifiers[table.name], types
            )
        else:
            result = avatar_engine.avatarize(
                context.data,
                _avatarization_parameters(doc.spec.avatarization[table.name], doc.spec.seed),
                types=types,
                identifiers=identifiers[table.name],
                progress=_scaled(ctx, start + 0.05 * span, start + 0.7 * span),
                should_stop=ctx.should_stop,
            )
        _check_stop(ctx)
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
                "pseudonymized_columns": _described(strategies[table.name]),
            }
        metadata_of[table.name] = metadata
        _record_figure_inputs(
            ctx,
            table,
            _not_measured(identifiers[table.name], originals[table.name]),
            declared[table.name],
            result,
        )
        avatars[table.name] = result.unshuffled
        del result
        _check_stop(ctx)
    ctx.progress(0.95, "linking")
    linked = attach_children(originals, avatars, contexts, relations, seed=doc.spec.seed)
    del avatars, contexts
    shuffled: dict[str, pd.DataFrame] = {}
    for table in tables:
        name = table.name
        frame = linked.tables[name]
        _write_table(frame, ctx.output_dir / f"{name}.unshuffled", formats[name])
        metadata = metadata_of[name]
        metadata["links"] = {
            link.name: {
                "method": link.method,
                "own_parent_attachment": linked.attachment[link.name],
            }
            for link in relations
            if link.child == name
        }
        spec = doc.spec.avatarization.get(name)
        if spec is not None and spec.data_augmentation is not None:
            frame = _augmented(ctx, table, frame, originals[name], spec, doc.spec.seed,
                               identifiers[name], _engine_types(table, originals[name]),
                               metadata)
        _write_json(ctx.output_dir / f"{name}.run_metadata.json", metadata)
        order = np.random.default_rng(_row_seed(doc.spec.seed, name)).permutation(len(frame))
        shuffled[name] = frame.iloc[order].reset_index(drop=True)
    ctx.progress(0.97, "writing")
    if keys:
        shuffled = rekey_identifiers(shuffled, keys, links, seed=doc.spec.seed)
    for table in tables:
        unlinked = _unlinked_identifiers(table, keys, links)
        if unlinked:
            shuffled[table.name] = pseudonymize_columns(
                shuffled[table.name], unlinked, seed=doc.spec.seed
            )
    if strategies:
        shuffled = pseudonymize_tables(shuffled, strategies, links, seed=doc.spec.seed)
    for name, frame in shuffled.items():
        _write_table(frame, ctx.output_dir / f"{name}.shuffled", formats[name])


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
        for other in _tables_of(ctx.resource_set, _schema_of(ctx))
        for link in other.links
    ):
        raise JobFailure(
            f"table {table.name!r} is linked to another table: data augmentation runs on "
            "tables without links."
        )
    extra, made = augment(
        original, _avatarization_parameters(spec, seed), augmentation.augmentation_strategy,
        augmentation.target_column, types=types, identifiers=identifiers,
    )
    base = avatars if augmentation.should_anonymize_original_table else original
    metadata["data_augmentation"] = {
        "strategy": augmentation.augmentation_strategy,
        "target_column": augmentation.target_column,
        "extra_records": made,
        "original_table_anonymized": augmentation.should_anonymize_original_table,
    }
    metadata["parameters"] = {**metadata.get("parameters", {}),
                              "data_augmentation": metadata["data_augmentation"]}
    return pd.concat([base, extra[list(base.columns)]], ignore_index=True)


def _row_seed(seed: int | None, table: str) -> np.random.SeedSequence | None:
    """Seed of the release order of a table's rows (the table name enters it)."""
    if seed is None:
        return None
    return np.random.SeedSequence([int(seed) % 2**64, *f"rows:{table}".encode()])


def _engine_links(tables: list[TableSpec], links: list[tuple[str, str, str, str]]) -> list[Link]:
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


# --------------------------------------------------------------------------- metrics


def _parent_dir(ctx: JobContext, kind: str, *, required: bool = True) -> Path | None:
    directory = ctx.parent_outputs.get(kind)
    if directory is None or not Path(directory).is_dir():
        if not required:
            return None
        raise JobFailure(
            f"this {ctx.kind} job needs the results of a {kind} job; create it with "
            f"depends_on: [<the {kind} job name>]."
        )
    return Path(directory)


def _result_file(directory: Path, table: str, kind: str) -> Path:
    for ext in ("csv", "parquet"):
        path = directory / f"{table}.{kind}.{ext}"
        if path.is_file():
            return path
    raise JobFailure(
        f"the parent job has no {kind} result for table {table!r}; run the standard job of the "
        "same resource set first."
    )


def _read_result(path: Path, table: TableSpec) -> pd.DataFrame:
    return read_dataset(path, path.name, table.column_types())


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
        engine_params = _avatarization_parameters(params, parameters.spec.seed)
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


def _run_metrics(ctx: JobContext, doc: PrivacyMetricsDocument | SignalMetricsDocument) -> None:
    rs = ctx.resource_set
    standard_dir = _parent_dir(ctx, "standard")
    assert standard_dir is not None
    tables = _tables_of(rs, doc.spec.schema_name)
    privacy = isinstance(doc, PrivacyMetricsDocument)
    per_table: Mapping[str, TableMetrics] = (
        doc.spec.privacy_metrics
        if isinstance(doc, PrivacyMetricsDocument)
        else doc.spec.signal_metrics
    )
    for table, (start, end) in zip(tables, _table_spans(len(tables)), strict=True):
        ctx.progress(start, "loading")
        original, _ = _load_table(ctx, table)
        params = per_table.get(table.name, TableMetrics())
        identifiers = _not_measured(_identifiers(table, tables), original)
        # variables excluded from the avatarization are left out of the metrics when the
        # metrics parameters repeat them (use_excluded_variables_in_metrics=False)
        identifiers += [c for c in _excluded_from_metrics(params) if c not in identifiers]
        original = original.drop(columns=identifiers, errors="ignore")
        kind = "unshuffled" if privacy else "shuffled"
        avatars = _read_result(_result_file(standard_dir, table.name, kind), table)
        avatars = avatars.drop(columns=identifiers, errors="ignore")
        _check_stop(ctx)
        types = {c: t for c, t in _engine_types(table, original).items() if c not in identifiers}
        scaled = _scaled(ctx, start + 0.1 * (end - start), end)
        if privacy:
            metrics = avatar_engine.compute_privacy_metrics(
                original,
                avatars,
                types=types,
                ncp=params.ncp,
                known_variables=params.known_variables,
                target=params.target,
                seed=doc.spec.seed,
                holdout_avatarize=_holdout_avatarizer(ctx, doc, table, types),
                paired=not _is_dp_run(rs, doc.spec.avatarization_ref, table.name),
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
        if privacy and params.quantile_threshold is not None:
            metrics.setdefault("details", {})["quantile_threshold"] = closeness_below_quantile(
                original, avatars, quantile_threshold=params.quantile_threshold, types=types,
                ncp=params.ncp)
        del original, avatars
        suffix = "privacy_metrics" if privacy else "signal_metrics"
        excluded = _excluded_from_metrics(params)
        if excluded and isinstance(metrics.get("details"), dict):
            metrics["details"]["excluded_variables_left_out"] = excluded
        _write_json(ctx.output_dir / f"{table.name}.{suffix}.json", metrics)
        _check_stop(ctx)
    if privacy:
        _structure(ctx, standard_dir, tables, doc.spec.seed)


def _structure(
    ctx: JobContext, standard_dir: Path, tables: list[TableSpec], seed: int | None
) -> None:
    """Structure metrics of the links (multi-table runs only)."""
    _, links = _primary_keys_and_links(tables)
    if not links:
        return
    ctx.progress(0.98, "structure")
    originals = {t.name: _load_table(ctx, t)[0] for t in tables}
    avatars = {
        t.name: _read_result(_result_file(standard_dir, t.name, "unshuffled"), t) for t in tables
    }
    by_name = {t.name: t for t in tables}
    write_structure_metrics(
        ctx.output_dir,
        standard_dir,
        originals,
        avatars,
        links,
        lambda name: _not_measured(_identifiers(by_name[name], tables), originals[name]),
        seed=seed,
    )


# --------------------------------------------------------------------------- report


def _tables_in(directory: Path) -> list[str]:
    suffix = ".run_metadata.json"
    return sorted(p.name[: -len(suffix)] for p in directory.glob(f"*{suffix}"))


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    loaded = json.loads(path.read_text())
    return loaded if isinstance(loaded, dict) else {}


def _figures(ctx: JobContext, standard_dir: Path, table: str) -> dict[str, bytes]:
    """The figures of a table, drawn now (and kept with the standard job's results) if needed."""

    def dataset_path(name: str) -> Path:
        return Path(ctx.dataset_paths.get(name) or standard_dir / ".missing")

    try:
        return ensure_figures(standard_dir, table, dataset_path)
    except FiguresUnavailableError as exc:
        raise JobFailure(exc.detail) from None


# Plot kinds embedded in the report beside the standard figures.
_REPORT_PLOTS = ("correlation_difference", "contribution", "3d_projection")


def _write_plots(
    ctx: JobContext,
    standard_dir: Path,
    name: str,
    original: pd.DataFrame,
    avatars: pd.DataFrame,
    privacy: dict[str, Any],
    signal: dict[str, Any],
) -> dict[str, bytes]:
    """Write every plot kind of a table (``<table>.<kind>.html`` and ``.png``).

    Returns the PNGs of the kinds the report embeds.
    """
    from avatar_engine.plots import render_plots  # drawing libraries: report jobs only

    projections = [
        pd.read_csv(standard_dir / f"{name}.{kind}_projections.csv")
        for kind in ("original", "avatar")
    ]
    plots = render_plots(
        original, avatars, *projections, privacy_metrics=privacy, signal_metrics=signal
    )
    for kind, plot in plots.items():
        (ctx.output_dir / f"{name}.{kind}.html").write_text(plot.html, encoding="utf-8")
        (ctx.output_dir / f"{name}.{kind}.png").write_bytes(plot.png)
    return {kind.replace("_", " "): plots[kind].png for kind in _REPORT_PLOTS if kind in plots}


def _run_report(ctx: JobContext, doc: ReportDocument) -> None:
    from avatar_engine.report import (  # drawing libraries: loaded by report jobs only
        ReportContent,
        TableReport,
        render_pia_docx,
        render_pia_pdf,
        render_report_docx,
        render_report_html,
        render_report_pdf,
    )
    from avatar_engine.report.i18n import wording

    rs = ctx.resource_set
    standard_dir = _parent_dir(ctx, "standard")
    assert standard_dir is not None
    privacy_dir = _parent_dir(ctx, "privacy_metrics", required=False)
    signal_dir = _parent_dir(ctx, "signal_metrics", required=False)
    specs = {t.name: t for t in rs.tables()}
    names = [n for n in _tables_in(standard_dir) if n in specs]
    if not names:
        raise JobFailure("the standard job produced no table results; run it again first.")
    reports = []
    all_tables = list(specs.values())
    for i, name in enumerate(names):
        ctx.progress(0.6 * i / len(names), "loading")
        table = specs[name]
        original, _ = _load_table(ctx, table)
        identifiers = _not_measured(_identifiers(table, all_tables), original)
        avatars = _read_result(_result_file(standard_dir, name, "shuffled"), table)
        run_metadata = _read_json(standard_dir / f"{name}.run_metadata.json")
        original = original.drop(columns=identifiers, errors="ignore")
        avatars = avatars.drop(columns=identifiers, errors="ignore")
        privacy = _read_json(privacy_dir / f"{name}.privacy_metrics.json") if privacy_dir else {}
        signal = _read_json(signal_dir / f"{name}.signal_metrics.json") if signal_dir else {}
        figures = _figures(ctx, standard_dir, name)
        if doc.spec.report_type != "pia":
            figures = {
                **figures,
                **_write_plots(ctx, standard_dir, name, original, avatars, privacy, signal),
            }
        reports.append(
            TableReport(
                name=name,
                original=original,
                avatars=avatars,
                parameters=dict(run_metadata.get("parameters", {})),
                privacy_metrics=privacy,
                signal_metrics=signal,
                figures=figures,
                run_metadata=run_metadata,
            )
        )
        _check_stop(ctx)
    language = doc.spec.language or rs.language
    content = ReportContent(
        title=wording(language).text("report_title", name=rs.display_name or name),
        tables=reports,
        language=language,
        pia_metadata=rs.pia_metadata,
        generated_at=datetime.now(UTC),
    )
    ctx.progress(0.7, "report")
    annotations = dict(rs.metadata.annotations) if rs.metadata else {}
    if doc.spec.report_type == "pia":
        # The privacy impact assessment alone, in the format asked for.
        if doc.spec.output_format == "docx":
            (ctx.output_dir / "report.docx").write_bytes(render_pia_docx(content, annotations))
        else:
            (ctx.output_dir / "report.pdf").write_bytes(render_pia_pdf(content, annotations))
        return
    if doc.spec.output_format == "docx":
        (ctx.output_dir / "report.docx").write_bytes(render_report_docx(content))
    else:
        (ctx.output_dir / "report.pdf").write_bytes(render_report_pdf(content))
    _check_stop(ctx)
    # The basic report comes with its privacy impact assessment, in both formats.
    (ctx.output_dir / "pia.pdf").write_bytes(render_pia_pdf(content, annotations))
    (ctx.output_dir / "pia.docx").write_bytes(render_pia_docx(content, annotations))
    _check_stop(ctx)
    ctx.progress(0.9, "report")
    (ctx.output_dir / "report.html").write_text(render_report_html(content), encoding="utf-8")


# --------------------------------------------------------------------------- advice


def _run_advice(ctx: JobContext, doc: AdviceDocument) -> None:
    tables = _tables_of(ctx.resource_set, doc.spec.schema_name)
    for table, (start, _) in zip(tables, _table_spans(len(tables)), strict=True):
        ctx.progress(start, "advice")
        data, _ = _load_table(ctx, table)
        _check_stop(ctx)
        advice = advise_parameters(
            data,
            types=_engine_types(table, data),
            identifiers=_identifiers(table, tables),
            seed=doc.spec.seed,
            time_budget_seconds=30.0 / len(tables),
        )
        del data
        _write_json(ctx.output_dir / f"{table.name}.advice.json", advice)
        _check_stop(ctx)
