"""The ``advice`` job: suggested avatarization parameters for every table of a schema, and
with ``advisor_type: [tables_links]`` the links between its tables (:mod:`links_advice`).

Example:
    >>> run_advice(ctx, ctx.resource_set.parameters["advice"])  # doctest: +SKIP
    >>> (ctx.output_dir / "wbcd.advice.json").is_file()  # doctest: +SKIP
    True
"""

from __future__ import annotations

from avatar_engine import advise_parameters
from avatar_server.job_context import JobContext, check_stop, table_spans
from avatar_server.job_files import write_json
from avatar_server.job_tables import engine_types, key_columns, load_table, tables_of
from avatar_server.links_advice import advise_links, links_advice_file
from avatar_server.resource_sets import AdviceDocument
from avatar_server.resource_sets.documents import TableSpec


def run_advice(ctx: JobContext, doc: AdviceDocument) -> None:
    tables = tables_of(ctx.resource_set, doc.spec.schema_name)
    advisors = set(doc.spec.advice.advisor_type)
    if "tables_links" in advisors:
        _advise_links(ctx, tables)
    if advisors & {"parameters", "variables"}:
        _advise_parameters(ctx, doc, tables)


def _advise_links(ctx: JobContext, tables: list[TableSpec]) -> None:
    """Write each table's links advice, from the names of the keys and their values."""
    ctx.progress(0.0, "links advice")
    keys: dict[tuple[str, str], set[str] | None] = {}
    for table in tables:
        data, _ = load_table(ctx, table)
        check_stop(ctx)
        for column in table.columns:
            if column.primary_key or column.identifier:
                present = column.field in data.columns
                values = set(data[column.field].dropna().astype(str)) if present else None
                keys[(table.name, column.field)] = values
        del data
    advice = advise_links(tables, lambda table, column: keys.get((table, column)))
    for name, entry in advice.items():
        write_json(ctx.output_dir / links_advice_file(name), entry)


def _advise_parameters(ctx: JobContext, doc: AdviceDocument, tables: list[TableSpec]) -> None:
    for table, (start, _) in zip(tables, table_spans(len(tables)), strict=True):
        ctx.progress(start, "advice")
        data, _ = load_table(ctx, table)
        check_stop(ctx)
        advice = advise_parameters(
            data,
            types=engine_types(table, data),
            identifiers=key_columns(table, tables),
            seed=doc.spec.seed,
            time_budget_seconds=30.0 / len(tables),
        )
        del data
        write_json(ctx.output_dir / f"{table.name}.advice.json", advice)
        check_stop(ctx)
