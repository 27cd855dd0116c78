"""The ``report`` job: the report and privacy impact assessment of a run, with its plots.

A basic PDF report job makes ``report.pdf`` and the plots it embeds (what ``avatars run``
downloads); the standard figures are drawn by a forked helper process meanwhile. The other
files of the report (the plot kinds it does not embed, ``report.html``, ``pia.pdf``,
``pia.docx``) are listed with its results at once and drawn together the first time one of
them is asked for (:func:`render_rest`, through ``figures_on_demand``), from the job's own
inputs, with the report's own date.

Example:
    >>> run_report(ctx, ctx.resource_set.parameters["report"])  # doctest: +SKIP
    >>> (ctx.output_dir / "report.pdf").is_file()  # doctest: +SKIP
    True
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from signal import SIGKILL
from typing import Any

import pandas as pd

from avatar_server.figures_on_demand import (
    FIGURE_NAMES,
    REST_FILE,
    FiguresUnavailableError,
    ensure_figures,
    figure_file_name,
    file_fingerprint,
    read_rest,
)
from avatar_server.job_context import JobContext, check_stop
from avatar_server.job_failures import JobFailure
from avatar_server.job_files import parent_dir, read_json, read_result, result_file, tables_in
from avatar_server.job_series import individual_of
from avatar_server.job_series_metrics import sequence_tables
from avatar_server.job_tables import key_columns, load_table, not_measured
from avatar_server.job_uploaded import read_uploaded, uploaded_dataset
from avatar_server.resource_sets import (
    AvatarizationDocument,
    ReportDocument,
    parse_resource_set,
)
from avatar_server.worker_lifetime import die_with_parent


def _figures(ctx: JobContext, standard_dir: Path, table: str) -> dict[str, bytes]:
    """The figures of a table, drawn now (and kept with the standard job's results) if needed."""

    def dataset_path(name: str) -> Path:
        return Path(ctx.dataset_paths.get(name) or standard_dir / ".missing")

    try:
        return ensure_figures(standard_dir, table, dataset_path)
    except FiguresUnavailableError as exc:
        raise JobFailure(exc.detail) from None


def _dataset_path(ctx: JobContext, standard_dir: Path) -> Callable[[str], Path]:
    def dataset_path(name: str) -> Path:
        return Path(ctx.dataset_paths.get(name) or standard_dir / ".missing")

    return dataset_path


class _Helper:
    """A forked helper process of the job (``pid`` None once waited for, or not forked)."""

    pid: int | None = None

    def kill(self) -> None:
        """Stop the helper now (the job was cancelled or failed)."""
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError, ChildProcessError):
                os.kill(self.pid, SIGKILL)
                os.waitpid(self.pid, 0)
            self.pid = None


class _FiguresHelper(_Helper):
    """The standard figures of a table, drawn by a forked helper process meanwhile.

    The helper writes them into the standard job's results (as a first download would);
    :meth:`figures` waits for it and reads them, or draws them here if it could not.
    """

    def __init__(self, ctx: JobContext, standard_dir: Path, table: str) -> None:
        self.ctx = ctx
        self.standard_dir = standard_dir
        self.table = table
        self.pid = None
        if hasattr(os, "fork") and sys.platform.startswith("linux"):
            worker = os.getpid()
            self.pid = os.fork()
            if self.pid == 0:
                code = 1
                try:
                    die_with_parent(worker)
                    ensure_figures(standard_dir, table, _dataset_path(ctx, standard_dir))
                    code = 0
                finally:
                    os._exit(code)

    def figures(self) -> dict[str, bytes]:
        """The three figures (the helper's, or drawn now)."""
        if self.pid is not None:
            os.waitpid(self.pid, 0)
            self.pid = None
        return _figures(self.ctx, self.standard_dir, self.table)


@dataclass
class _Rest:
    """How a report run treats the files drawn on demand.

    ``folder`` None: the job itself (draws what the PDF needs, promises the rest); else the
    on-demand run for the job's results ``folder``, with the job's date ``generated_at``.
    ``deferred`` (job): table -> plot kinds promised for later.
    """

    folder: Path | None = None
    generated_at: datetime | None = None
    lazy: bool = True
    deferred: dict[str, list[str]] = field(default_factory=dict)


# Plot kinds embedded in the report beside the standard figures.
_REPORT_PLOTS = (
    "correlation_difference", "contribution", "3d_projection", "raw_series",
    "class_projection_2d",
)


# Plot kinds of a table without time series or class augmentation, drawn on demand when the
# projection has the dimensions they need.
_DEFERRABLE_PLOTS = {
    "correlation": 0, "2d_projection": 2, "distribution": 0, "aggregate_stats": 0,
    "metrics_summary": 0,
}
_REST_REPORTS = ("pia.docx", "pia.pdf", "report.html")


def _write_plot_files(output_dir: Path, name: str, plots: Mapping[str, Any]) -> None:
    for kind, plot in plots.items():
        (output_dir / f"{name}.{kind}.html").write_text(plot.html, encoding="utf-8")
        (output_dir / f"{name}.{kind}.png").write_bytes(plot.png)


class _PlotHelper(_Helper):
    """The plot kinds the report does not embed, drawn by a forked helper process meanwhile.

    The helper shares the worker's imported libraries and data (fork), writes its files into
    the job's output folder and exits; the job waits for it before it ends. Where ``fork`` is
    not available, or when the helper fails, the job draws those kinds itself.
    """

    def __init__(
        self,
        output_dir: Path,
        name: str,
        draw: Callable[[Sequence[str]], Any],
        kinds: Sequence[str],
    ):
        self.output_dir = output_dir
        self.name = name
        self.draw = draw
        self.kinds = list(kinds)
        self.pid = None
        if hasattr(os, "fork") and sys.platform.startswith("linux"):
            worker = os.getpid()
            self.pid = os.fork()
            if self.pid == 0:  # the helper: draw, write, exit without the worker's cleanup
                code = 1
                try:
                    die_with_parent(worker)
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


def _write_plots(
    ctx: JobContext,
    standard_dir: Path,
    name: str,
    original: pd.DataFrame,
    avatars: pd.DataFrame,
    privacy: dict[str, Any],
    signal: dict[str, Any],
    helpers: list[_PlotHelper],
    rest: _Rest,
    series: Any = None,
    class_column: str | None = None,
) -> dict[str, bytes]:
    """Write the plot kinds of a table (``<table>.<kind>.html`` and ``.png``).

    ``series`` (a ``SeriesData``) adds the time-series kinds, ``class_column`` (the target of
    a class augmentation) the class projection.

    The job draws the kinds the report embeds here; of the others, those of a plain table
    are promised for later (``rest.deferred``), the rest drawn by a helper process appended
    to ``helpers``, to be finished before the job ends. The on-demand run draws the promised
    kinds and reads the embedded ones back. Returns the PNGs the report embeds.
    """
    from avatar_engine.plots import PLOT_KINDS, render_plots  # drawing libraries: reports only

    projections = [
        pd.read_csv(standard_dir / f"{name}.{kind}_projections.csv")
        for kind in ("original", "avatar")
    ]

    def draw(kinds: Sequence[str]) -> dict[str, Any]:
        return render_plots(
            original, avatars, *projections, privacy_metrics=privacy, signal_metrics=signal,
            kinds=kinds, series=series, class_column=class_column,
        )

    def label(kind: str) -> str:
        return kind.replace("_", " ")

    if rest.folder is not None:  # on demand: the promised kinds; the embedded ones are drawn
        done = rest.folder
        _write_plot_files(ctx.output_dir, name, draw(read_rest(done)["plots"].get(name, [])))
        return {label(k): (done / f"{name}.{k}.png").read_bytes()
                for k in _REPORT_PLOTS if (done / f"{name}.{k}.png").is_file()}
    dims = sum(str(c).startswith("Dim.") for c in projections[0].columns)
    plain = rest.lazy and series is None and class_column is None
    deferred = [] if not plain else [
        kind for kind, needed in _DEFERRABLE_PLOTS.items() if dims >= needed]
    rest.deferred[name] = deferred
    others = [k for k in PLOT_KINDS if k not in _REPORT_PLOTS and k not in _DEFERRABLE_PLOTS]
    if not deferred:
        others += [k for k in _DEFERRABLE_PLOTS if k in PLOT_KINDS]
    if others:
        helpers.append(_PlotHelper(ctx.output_dir, name, draw, others))
    plots = draw(_REPORT_PLOTS)
    # the report embeds the PNGs; their interactive pages are drawn by a helper meanwhile
    helpers.append(_PlotHelper(ctx.output_dir, name, lambda kinds: {k: plots[k] for k in kinds},
                               list(plots)))
    return {label(kind): plots[kind].png for kind in _REPORT_PLOTS if kind in plots}


def _structure(privacy_dir: Path | None) -> dict[str, Any]:
    """The structure metrics of a multi-table run (empty for one table or no metrics job)."""
    if privacy_dir is None or not (privacy_dir / "structure_metrics.json").is_file():
        return {}
    payload = read_json(privacy_dir / "structure_metrics.json")
    return payload if isinstance(payload, dict) else {}


def run_report(ctx: JobContext, doc: ReportDocument) -> None:
    """Write the report files of a run into ``ctx.output_dir``.

    A basic PDF report writes ``report.pdf`` and the plots it embeds; its other files are
    promised in ``.report_rest.json`` and drawn when first asked for (:func:`render_rest`).
    Other reports (PIA, DOCX) write all their files. Plot kinds drawn by helper processes
    meanwhile are finished before the job ends (stopped at once when it fails or is
    cancelled).

    Example:
        >>> run_report(ctx, ctx.resource_set.parameters["report"])  # doctest: +SKIP
    """
    lazy = doc.spec.report_type != "pia" and doc.spec.output_format != "docx"
    rest = _Rest(lazy=lazy)
    helpers: list[_PlotHelper] = []
    try:
        _run_report(ctx, doc, helpers, rest)
        for helper in helpers:
            helper.finish()
    finally:
        for helper in helpers:
            helper.kill()
    if lazy:
        _promise_rest(ctx, rest)


def _promise_rest(ctx: JobContext, rest: _Rest) -> None:
    """Record what the on-demand run needs and the files it will write."""
    names = [*_REST_REPORTS, *(
        f"{table}.{kind}.{suffix}"
        for table, kinds in rest.deferred.items() for kind in kinds for suffix in ("html", "png")
    )]
    assert rest.generated_at is not None
    payload = {
        "files": sorted(names),
        "plots": rest.deferred,
        "generated_at": rest.generated_at.isoformat(),
        "parameters_name": ctx.parameters_name,
        "resource_set": ctx.resource_set.to_yaml(),
        "parents": {kind: path.name for kind, path in ctx.parent_outputs.items()},
        "datasets": {
            name: {"fingerprint": file_fingerprint(Path(path))}
            for name, path in ctx.dataset_paths.items() if Path(path).is_file()
        },
    }
    (ctx.output_dir / REST_FILE).write_text(json.dumps(payload, indent=2))


def render_rest(
    folder: Path, dataset_path: Callable[[str], Path], results_dir: Callable[[str], Path]
) -> None:
    """Draw the files a report job promised (see :func:`run_report`) into its ``folder``.

    Uses the job's own inputs: its resource set, its parents' results (``results_dir``: job
    name -> folder) and the uploaded datasets (checked to be the very files the job read);
    the report date is the job's. Once every file is in place the promise is removed.

    Raises:
        FiguresUnavailableError: A dataset was replaced or deleted, or a parent job's
            results were deleted, since the report job ran.

    Example:
        >>> render_rest(results / job, lambda n: datasets / n, lambda n: results / n)
        ... # doctest: +SKIP
    """
    spec = read_rest(folder)
    if not spec:
        return
    again = "run the report job again to get them."
    datasets: dict[str, Path] = {}
    for name, entry in spec["datasets"].items():
        path = dataset_path(name)
        if not path.is_file() or file_fingerprint(path) != entry["fingerprint"]:
            raise FiguresUnavailableError(
                f"the dataset {name!r} this report read was deleted or replaced since, so its "
                f"other files ({', '.join(spec['files'][:3])}, ...) cannot be drawn; {again}"
            )
        datasets[name] = path
    parents = {kind: results_dir(name) for kind, name in spec["parents"].items()}
    if not all(path.is_dir() for path in parents.values()):
        raise FiguresUnavailableError(
            f"the results this report was made from were deleted since; {again}")
    text = str(spec["resource_set"])
    rs = parse_resource_set(text, max_bytes=len(text.encode()) + 1)
    doc = rs.parameters[str(spec["parameters_name"])]
    assert isinstance(doc, ReportDocument)
    temp = folder.parent / f".rest-{folder.name}-{uuid.uuid4().hex[:8]}"
    temp.mkdir()
    try:
        ctx = JobContext(
            kind="report", parameters_name=str(spec["parameters_name"]), resource_set=rs,
            dataset_paths=datasets, parent_outputs=parents, output_dir=temp,
        )
        rest = _Rest(folder=folder, generated_at=datetime.fromisoformat(spec["generated_at"]))
        try:
            _run_report(ctx, doc, [], rest)
        except JobFailure as exc:
            raise FiguresUnavailableError(f"{exc}; {again}") from None
        for name in spec["files"]:
            if (temp / name).is_file():
                os.replace(temp / name, folder / name)
        (folder / REST_FILE).unlink(missing_ok=True)
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def _run_report(
    ctx: JobContext, doc: ReportDocument, helpers: list[_PlotHelper], rest: _Rest
) -> None:
    from avatar_engine import render_figures  # noqa: F401 - imported before helpers fork
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
        drawn = all((standard_dir / figure_file_name(name, f)).is_file() for f in FIGURE_NAMES)
        # the standard figures are drawn by a helper process while this one draws the plots
        figures_helper = None if drawn or rest.folder is not None else _FiguresHelper(
            ctx, standard_dir, name)
        try:
            if doc.spec.report_type != "pia":
                plots = _write_plots(
                    ctx, standard_dir, name, *(plotted or (original, avatars)), privacy,
                    signal, helpers, rest, series_data,
                    (run_metadata.get("data_augmentation") or {}).get("target_column"),
                )
            figures = (figures_helper.figures() if figures_helper is not None
                       else _figures(ctx, standard_dir, name))
        finally:
            if figures_helper is not None:
                figures_helper.kill()
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
    rest.generated_at = rest.generated_at or datetime.now(UTC)
    content = ReportContent(
        title=wording(language).text("report_title", name=rs.display_name or name),
        tables=reports,
        language=language,
        pia_metadata=rs.pia_metadata,
        generated_at=rest.generated_at,
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
    elif rest.folder is None:
        (ctx.output_dir / "report.pdf").write_bytes(render_report_pdf(content))
    if rest.lazy and rest.folder is None:
        return  # the basic report comes with the files below, drawn when first asked for
    check_stop(ctx)
    # The basic report comes with its privacy impact assessment, in both formats.
    (ctx.output_dir / "pia.pdf").write_bytes(render_pia_pdf(content, annotations))
    (ctx.output_dir / "pia.docx").write_bytes(render_pia_docx(content, annotations))
    check_stop(ctx)
    ctx.progress(0.9, "report")
    (ctx.output_dir / "report.html").write_text(render_report_html(content), encoding="utf-8")
