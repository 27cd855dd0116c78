"""The ``report`` job: the report and privacy impact assessment of a run, with its plots.

Example:
    >>> run_report(ctx, ctx.resource_set.parameters["report"])  # doctest: +SKIP
    >>> (ctx.output_dir / "report.pdf").is_file()  # doctest: +SKIP
    True
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from signal import SIGKILL
from typing import Any

import pandas as pd

from avatar_server.figures_on_demand import FiguresUnavailableError, ensure_figures
from avatar_server.job_context import JobContext, check_stop
from avatar_server.job_failures import JobFailure
from avatar_server.job_files import parent_dir, read_json, read_result, result_file, tables_in
from avatar_server.job_series import individual_of
from avatar_server.job_series_metrics import sequence_tables
from avatar_server.job_tables import key_columns, load_table, not_measured
from avatar_server.job_uploaded import read_uploaded, uploaded_dataset
from avatar_server.resource_sets import AvatarizationDocument, ReportDocument
from avatar_server.worker_lifetime import die_with_parent


def _figures(ctx: JobContext, standard_dir: Path, table: str) -> dict[str, bytes]:
    """The figures of a table, drawn now (and kept with the standard job's results) if needed."""

    def dataset_path(name: str) -> Path:
        return Path(ctx.dataset_paths.get(name) or standard_dir / ".missing")

    try:
        return ensure_figures(standard_dir, table, dataset_path)
    except FiguresUnavailableError as exc:
        raise JobFailure(exc.detail) from None


# Plot kinds embedded in the report beside the standard figures.
_REPORT_PLOTS = (
    "correlation_difference", "contribution", "3d_projection", "raw_series",
    "class_projection_2d",
)


def _write_plot_files(output_dir: Path, name: str, plots: Mapping[str, Any]) -> None:
    for kind, plot in plots.items():
        (output_dir / f"{name}.{kind}.html").write_text(plot.html, encoding="utf-8")
        (output_dir / f"{name}.{kind}.png").write_bytes(plot.png)


class _PlotHelper:
    """The plot kinds the report does not embed, drawn by a forked helper process meanwhile.

    The helper shares the worker's imported libraries and data (fork), writes its files into
    the job's output folder and exits; the job waits for it before it ends. Where ``fork`` is
    not available, or when the helper fails, the job draws those kinds itself.
    """

    def __init__(self, output_dir: Path, name: str, draw: Callable[[Sequence[str]], Any]):
        from avatar_engine.plots import PLOT_KINDS

        self.output_dir = output_dir
        self.name = name
        self.draw = draw
        self.kinds = [k for k in PLOT_KINDS if k not in _REPORT_PLOTS]
        self.pid: int | None = None
        if hasattr(os, "fork") and sys.platform.startswith("linux"):
            self.pid = os.fork()
            if self.pid == 0:  # the helper: draw, write, exit without the worker's cleanup
                code = 1
                try:
                    die_with_parent()
                    _write_plot_files(output_dir, name, draw(self.kinds))
                    code = 0
                finally:
                    os._exit(code)

    def finish(self) -> None:
        """Wait for the helper; draw its kinds here if it could not."""
        if self.pid is not None:
            _pid, status = os.waitpid(self.pid, 0)
            self.pid = None
            if os.waitstatus_to_exitcode(status) == 0:
                return
        _write_plot_files(self.output_dir, self.name, self.draw(self.kinds))

    def kill(self) -> None:
        """Stop the helper now (the job was cancelled or failed)."""
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError, ChildProcessError):
                os.kill(self.pid, SIGKILL)
                os.waitpid(self.pid, 0)
            self.pid = None


def _write_plots(
    ctx: JobContext,
    standard_dir: Path,
    name: str,
    original: pd.DataFrame,
    avatars: pd.DataFrame,
    privacy: dict[str, Any],
    signal: dict[str, Any],
    helpers: list[_PlotHelper],
    series: Any = None,
    class_column: str | None = None,
) -> dict[str, bytes]:
    """Write every plot kind of a table (``<table>.<kind>.html`` and ``.png``).

    ``series`` (a ``SeriesData``) adds the time-series kinds, ``class_column`` (the target of
    a class augmentation) the class projection.

    The kinds the report embeds are drawn here; the others by a helper process appended to
    ``helpers``, to be finished before the job ends. Returns the PNGs the report embeds.
    """
    from avatar_engine.plots import render_plots  # drawing libraries: report jobs only

    projections = [
        pd.read_csv(standard_dir / f"{name}.{kind}_projections.csv")
        for kind in ("original", "avatar")
    ]

    def draw(kinds: Sequence[str]) -> dict[str, Any]:
        return render_plots(
            original, avatars, *projections, privacy_metrics=privacy, signal_metrics=signal,
            kinds=kinds, series=series, class_column=class_column,
        )

    helpers.append(_PlotHelper(ctx.output_dir, name, draw))
    plots = draw(_REPORT_PLOTS)
    _write_plot_files(ctx.output_dir, name, plots)
    return {kind.replace("_", " "): plots[kind].png for kind in _REPORT_PLOTS if kind in plots}


def _structure(privacy_dir: Path | None) -> dict[str, Any]:
    """The structure metrics of a multi-table run (empty for one table or no metrics job)."""
    if privacy_dir is None or not (privacy_dir / "structure_metrics.json").is_file():
        return {}
    payload = read_json(privacy_dir / "structure_metrics.json")
    return payload if isinstance(payload, dict) else {}


def run_report(ctx: JobContext, doc: ReportDocument) -> None:
    """Write the report files of a run into ``ctx.output_dir``.

    The plot kinds the report does not embed are drawn by helper processes meanwhile; the
    job ends once they are written (stopped at once when the job fails or is cancelled).

    Example:
        >>> run_report(ctx, ctx.resource_set.parameters["report"])  # doctest: +SKIP
    """
    helpers: list[_PlotHelper] = []
    try:
        _run_report(ctx, doc, helpers)
        for helper in helpers:
            helper.finish()
    finally:
        for helper in helpers:
            helper.kill()


def _run_report(ctx: JobContext, doc: ReportDocument, helpers: list[_PlotHelper]) -> None:
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
    standard_dir = parent_dir(ctx, "standard")
    assert standard_dir is not None
    privacy_dir = parent_dir(ctx, "privacy_metrics", required=False)
    signal_dir = parent_dir(ctx, "signal_metrics", required=False)
    specs = {t.name: t for t in rs.tables()}
    names = [n for n in tables_in(standard_dir) if n in specs]
    if not names:
        raise JobFailure("the standard job produced no table results; run it again first.")
    reports = []
    all_tables = list(specs.values())
    for i, name in enumerate(names):
        ctx.progress(0.6 * i / len(names), "loading")
        table = specs[name]
        original, _ = load_table(ctx, table)
        identifiers = not_measured(key_columns(table, all_tables), original)
        avatars = read_uploaded(ctx, table, original) if uploaded_dataset(
            ctx, name) else read_result(result_file(standard_dir, name, "shuffled"), table)
        run_metadata = read_json(standard_dir / f"{name}.run_metadata.json")
        plotted: tuple[pd.DataFrame, pd.DataFrame] | None = None
        series_data = None
        time_column = table.time_column()
        if time_column is not None:
            from avatar_engine.plots import SeriesData

            individual = individual_of(table, all_tables)
            series_data = SeriesData(
                original, avatars, individual, time_column,
                [c for c in identifiers if c not in (individual, time_column)],
            )
            # the projections are those of the sequences (one row per individual)
            reference = rs.parameters.get(str(run_metadata.get("parameters_name", "")))
            plotted = sequence_tables(
                original,
                read_result(result_file(standard_dir, name, "unshuffled"), table),
                table,
                all_tables,
                reference.spec if isinstance(reference, AvatarizationDocument) else None,
                identifiers,
            )
        original = original.drop(columns=identifiers, errors="ignore")
        avatars = avatars.drop(columns=identifiers, errors="ignore")
        privacy = read_json(privacy_dir / f"{name}.privacy_metrics.json") if privacy_dir else {}
        signal = read_json(signal_dir / f"{name}.signal_metrics.json") if signal_dir else {}
        plots: dict[str, bytes] = {}
        if doc.spec.report_type != "pia":  # first: its helper process draws meanwhile
            plots = _write_plots(
                ctx, standard_dir, name, *(plotted or (original, avatars)), privacy, signal,
                helpers, series_data,
                (run_metadata.get("data_augmentation") or {}).get("target_column"),
            )
        figures = _figures(ctx, standard_dir, name)
        series = (signal.get("details") or {}).get("time_series")
        if isinstance(series, dict) and series.get("variables"):
            from avatar_engine.timeseries.figures import render_series_curves

            figures = {**figures, "time_series": render_series_curves(series)}
        figures = {**figures, **plots}
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
        check_stop(ctx)
    language = doc.spec.language or rs.language
    content = ReportContent(
        title=wording(language).text("report_title", name=rs.display_name or name),
        tables=reports,
        language=language,
        pia_metadata=rs.pia_metadata,
        generated_at=datetime.now(UTC),
        structure=_structure(privacy_dir),
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
    check_stop(ctx)
    # The basic report comes with its privacy impact assessment, in both formats.
    (ctx.output_dir / "pia.pdf").write_bytes(render_pia_pdf(content, annotations))
    (ctx.output_dir / "pia.docx").write_bytes(render_pia_docx(content, annotations))
    check_stop(ctx)
    ctx.progress(0.9, "report")
    (ctx.output_dir / "report.html").write_text(render_report_html(content), encoding="utf-8")
