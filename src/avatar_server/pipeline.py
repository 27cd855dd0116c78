"""Run one job of a resource set through the engine and write its result files.

The worker calls :func:`run_job` with a :class:`JobContext`; the job reads the user's datasets
(and the results of its parent jobs), calls the engine and writes ``<table>.<kind>.<ext>`` files
into ``ctx.output_dir``. Each job kind has its module: ``job_standard``, ``job_metrics``,
``job_report`` and ``job_advice`` (table preparation in ``job_tables``, result files in
``job_files``). Anything the user can fix (bad data, bad parameters) ends as a
:class:`JobFailure` whose ``user_message`` says what to do.

Example:
    >>> ctx = JobContext(kind="standard", parameters_name="standard", resource_set=rs,
    ...                  dataset_paths={"wbcd.csv": Path("wbcd.csv")}, parent_outputs={},
    ...                  output_dir=Path("out"), progress=lambda f, p: None,  # doctest: +SKIP
    ...                  should_stop=lambda: False)
    >>> run_job(ctx)  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from avatar_engine import AvatarizationCancelled, EngineError
from avatar_server.dataset_files import read_columns, read_dataset
from avatar_server.job_advice import run_advice
from avatar_server.job_context import JobContext, MonotonicProgress, check_stop
from avatar_server.job_failures import JobCancelled, JobFailure
from avatar_server.job_metrics import run_metrics
from avatar_server.job_report import run_report
from avatar_server.job_standard import run_standard
from avatar_server.resource_sets import (
    AdviceDocument,
    AvatarizationDocument,
    PrivacyMetricsDocument,
    ReportDocument,
    SignalMetricsDocument,
)

__all__ = [
    "JobCancelled",
    "JobContext",
    "JobFailure",
    "read_columns",
    "read_dataset",
    "run_job",
]


def run_job(ctx: JobContext) -> None:
    """Run the job described by ``ctx`` and write its result files into ``ctx.output_dir``.

    Args:
        ctx: The job's context.

    Raises:
        JobFailure: With a user-facing message (``JobCancelled`` when stopped).

    Example:
        >>> run_job(ctx)  # doctest: +SKIP
        >>> sorted(p.name for p in ctx.output_dir.iterdir())[:2]  # doctest: +SKIP
        ['wbcd.avatar_projections.csv', 'wbcd.original_projections.csv']
    """
    doc = ctx.resource_set.parameters.get(ctx.parameters_name)
    if doc is None or ctx.resource_set.job_kind(ctx.parameters_name) != ctx.kind:
        raise JobFailure(
            f"the resource set has no {ctx.kind} parameters named {ctx.parameters_name!r}."
        )
    runners: dict[type, Callable[[JobContext, Any], None]] = {
        AvatarizationDocument: run_standard,
        PrivacyMetricsDocument: run_metrics,
        SignalMetricsDocument: run_metrics,
        ReportDocument: run_report,
        AdviceDocument: run_advice,
    }
    ctx = dataclasses.replace(ctx, progress=MonotonicProgress(ctx.progress))
    try:
        check_stop(ctx)
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
