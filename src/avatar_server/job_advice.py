"""The ``advice`` job: suggested avatarization parameters for every table of a schema.

Example:
    >>> run_advice(ctx, ctx.resource_set.parameters["advice"])
    >>> (ctx.output_dir / "wbcd.advice.json").is_file()
    True
"""

from __future__ import annotations

from avatar_engine import advise_parameters
from avatar_server.job_context import JobContext, check_stop, table_spans
from avatar_server.job_files import write_json
from avatar_server.job_tables import engine_types, key_columns, load_table, tables_of
from avatar_server.resource_sets import AdviceDocument


def run_advice(ctx: JobContext, doc: AdviceDocument) -> None:
    tables = tables_of(ctx.resource_set, doc.spec.schema_name)
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
