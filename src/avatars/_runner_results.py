"""Jobs of a run and their results (part of :class:`avatars.runner.Runner`)."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from avatars._compat.metrics import metrics_records
from avatars._runner_tables import RunnerTables
from avatars._waiting import job_status, raise_for_job, wait_for_job
from avatars._yaml import JOB_KINDS, PRIVACY_METRICS, REPORT, SIGNAL_METRICS, STANDARD

DEFAULT_JOBS = (STANDARD, PRIVACY_METRICS, SIGNAL_METRICS, REPORT)
PlotKind = str
PLOT_KINDS = ("projection", "distributions", "correlations")
# Plots drawn by the report job, each as <table>.<kind>.png and <table>.<kind>.html.
REPORT_PLOT_KINDS = (
    "correlation",
    "correlation_difference",
    "contribution",
    "2d_projection",
    "3d_projection",
    "distribution",
    "aggregate_stats",
    "metrics_summary",
    "raw_series",
    "normalized_series",
    "class_projection_2d",
)
# Kinds drawn only for some tables, and which.
_DRAWN_FOR = {
    "raw_series": "time-series tables (a column with time_series_time)",
    "normalized_series": "time-series tables (a column with time_series_time)",
    "class_projection_2d": (
        "tables augmented by class (data_augmentation_strategy with "
        "data_augmentation_target_column)"
    ),
}
_INTERACTIVE_OF = {
    "projection": "2d_projection",
    "distributions": "distribution",
    "correlations": "correlation",
}


class MetricsResult(dict[str, Any]):
    """Metrics of one table as returned by the server, shown as a table in notebooks.

    It is the metrics JSON (``{"metrics": {...}, "passed": ..., "details": {...}}``) with
    :meth:`to_frame` and an HTML rendering. ``m[0]`` gives the metrics as the established
    client's list shape has them: ``{metric: value, ..., "targets", "passed", "metadata"}``.

    Example:
        >>> m = MetricsResult({"metrics": {"hidden_rate": {"label": "Hidden rate",
        ...     "value": 95.0, "target": 90.0, "passed": True}}, "passed": True})
        >>> float(m.to_frame().loc["hidden_rate", "value"])
        95.0
    """

    def __init__(self, metrics: Mapping[str, Any] | None = None, table: str | None = None) -> None:
        super().__init__(metrics or {})
        self.table = table

    def __getitem__(self, key: Any) -> Any:
        """``m["metrics"]``; ``m[0]`` is the flat dict of the established client's list shape."""
        if isinstance(key, int) and not isinstance(key, bool):
            return metrics_records(self, self.table or "")[key]
        return super().__getitem__(key)

    def to_frame(self) -> pd.DataFrame:
        """One row per metric: label, value, target, direction, passed."""
        rows = {
            name: {
                "label": values.get("label", name),
                "value": values.get("value"),
                "target": values.get("target"),
                "direction": values.get("direction"),
                "passed": values.get("passed"),
            }
            for name, values in (self.get("metrics") or {}).items()
        }
        columns = ["label", "value", "target", "direction", "passed"]
        return pd.DataFrame.from_dict(rows, orient="index", columns=columns)

    def _repr_html_(self) -> str:
        verdict = "all targets met" if self.get("passed") else "some targets missed"
        return f"<p><b>{html.escape(verdict)}</b></p>" + self.to_frame().to_html()


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class RunnerResults(RunnerTables):
    """Following the jobs of a run and reading their results."""

    _files: dict[str, dict[str, list[str]]]

    # -- jobs ------------------------------------------------------------------------------
    def _job_name(self, job: str) -> str:
        if job in self.jobs:
            return self.jobs[job]
        if job in self.jobs.values():
            return job
        if job in JOB_KINDS:
            raise ValueError(
                f"No {job} job in this run yet: call run() (it starts {list(DEFAULT_JOBS)}) "
                f"or run(jobs_to_run=[{job!r}])."
            )
        raise ValueError(f"Unknown job {job!r}; this run has {self.jobs}.")

    def get_job(self, job_name: str) -> Any:
        """The server's state of a job (``JobResponse``), by kind (``"standard"``) or name.

        Example:
            >>> runner.get_job("standard").status  # doctest: +SKIP
        """
        return self._calls.get_job(self._job_name(job_name))

    def get_status(self, job_name: str) -> str:
        """Status of a job: ``queued``, ``running``, ``finished``, ``error``, ...

        Example:
            >>> runner.get_status("standard")  # doctest: +SKIP
            'finished'
        """
        return job_status(self.get_job(job_name))

    def _wait_one(self, job: str, timeout: float | None) -> Any:
        name = self._job_name(job)
        kind = next((k for k, v in self.jobs.items() if v == name), name)
        return wait_for_job(
            self._calls.get_job,
            name,
            timeout=timeout if timeout is not None else self.job_timeout,
            show_progress=self.show_progress,
            description=f"{self.display_name}: {kind}",
        )

    def wait(
        self, jobs: str | Sequence[str] | None = None, timeout: float | None = None
    ) -> dict[str, Any]:
        """Wait for jobs (default: all of this run) and return them by kind.

        Raises:
            JobFailedError: a job failed (with the server's reason).
            JobCancelledError: a job was cancelled or lost.
            TimeoutError: a job is not done before ``timeout`` (default ``job_timeout``).

        Example:
            >>> runner.wait()  # doctest: +SKIP
        """
        if not self.jobs:
            raise ValueError("No job to wait for: call run() first.")
        names = [jobs] if isinstance(jobs, str) else list(jobs or self.jobs)
        return {job: self._wait_one(job, timeout) for job in names}

    # -- results ---------------------------------------------------------------------------
    def _files_of(self, job: str) -> tuple[str, dict[str, list[str]]]:
        name = self._job_name(job)
        if name not in self._files:
            raise_for_job(self._wait_one(name, None))
            self._files[name] = self._calls.result_files(name)
        return name, self._files[name]

    def _result_file(self, job: str, kind: str, table: str | None) -> tuple[str, str]:
        if table is not None:
            self._table(table)
        name, files = self._files_of(job)
        prefix = f"{table}.{kind}." if table is not None else f"{kind}."
        candidates = [f for f in files.get(kind, []) if f.startswith(prefix)]
        if not candidates:
            candidates = [f for group in files.values() for f in group if f.startswith(prefix)]
        if not candidates:
            raise ValueError(
                f"The {job} job has no {kind} result"
                + (f" for table {table!r}" if table else "")
                + f"; its files are {sorted(f for g in files.values() for f in g)}."
            )
        return name, candidates[0]

    def _read_frame(self, job: str, kind: str, table: str) -> pd.DataFrame:
        name, file = self._result_file(job, kind, table)
        frame = self._calls.read_frame(name, file)
        return self._restore_formats(table, frame) if kind in ("shuffled", "unshuffled") else frame

    def _read_json(self, job: str, kind: str, table: str | None) -> Any:
        name, file = self._result_file(job, kind, table)
        return json.loads(self._calls.read_bytes(name, file))

    def shuffled(self, table: str) -> pd.DataFrame:
        """The avatars of a table, rows shuffled: the table you may share.

        Waits for the ``standard`` job.

        Example:
            >>> runner.shuffled("wbcd").head()  # doctest: +SKIP
        """
        return self._read_frame(STANDARD, "shuffled", table)

    def sensitive_unshuffled(self, table: str) -> pd.DataFrame:
        """The avatars in the original row order (row i is the avatar of row i).

        Sensitive: linking it to the original table is easy. Never share it.

        Example:
            >>> runner.sensitive_unshuffled("wbcd")  # doctest: +SKIP
        """
        return self._read_frame(STANDARD, "unshuffled", table)

    def projections(self, table: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Projections ``(original, avatars)`` of a table in the avatarization space.

        Example:
            >>> original, avatars = runner.projections("wbcd")  # doctest: +SKIP
        """
        return (
            self._read_frame(STANDARD, "original_projections", table),
            self._read_frame(STANDARD, "avatar_projections", table),
        )

    def privacy_metrics(self, table: str) -> MetricsResult:
        """Privacy metrics of a table (waits for the ``privacy_metrics`` job).

        Example:
            >>> runner.privacy_metrics("wbcd")["metrics"]["hidden_rate"]["value"]
            ... # doctest: +SKIP
        """
        return MetricsResult(self._read_json(PRIVACY_METRICS, "privacy_metrics", table), table)

    def signal_metrics(self, table: str) -> MetricsResult:
        """Signal metrics of a table (waits for the ``signal_metrics`` job).

        Example:
            >>> runner.signal_metrics("wbcd").to_frame()  # doctest: +SKIP
        """
        return MetricsResult(self._read_json(SIGNAL_METRICS, "signal_metrics", table), table)

    def run_metadata(self, table: str) -> dict[str, Any]:
        """Metadata of the avatarization of a table (parameters, timings, ...).

        Example:
            >>> runner.run_metadata("wbcd")["parameters"]  # doctest: +SKIP
        """
        return dict(self._read_json(STANDARD, "run_metadata", table))

    def render_plot(
        self,
        table: str,
        kind: PlotKind = "projection",
        path: str | Path | None = None,
        interactive: bool | None = None,
    ) -> bytes:
        """A plot of the run, as PNG or as an interactive HTML page.

        ``projection``, ``distributions`` and ``correlations`` are the avatarization's figures
        (PNG, waits for the ``standard`` job). ``correlation``, ``correlation_difference``,
        ``contribution``, ``2d_projection``, ``3d_projection``, ``distribution``,
        ``aggregate_stats`` and ``metrics_summary`` are drawn by the ``report`` job, each as a
        PNG and as an interactive page (plotly), and so are ``raw_series`` and
        ``normalized_series`` for a time-series table and ``class_projection_2d`` for a table
        augmented by class. In a notebook the plot is displayed; with
        ``path`` it is also saved there.

        Args:
            table: the table.
            kind: the plot kind.
            path: where to save it; a ``.html`` path asks for the interactive page.
            interactive: the interactive HTML page (default: PNG unless ``path`` ends in
                ``.html``).

        Returns:
            The PNG bytes, or the HTML page as UTF-8 bytes.

        Raises:
            ValueError: an unknown kind, or the interactive page of a figure that has none.

        Example:
            >>> runner.render_plot("wbcd", "distributions", path="wbcd.png")  # doctest: +SKIP
            >>> runner.render_plot("wbcd", "3d_projection", interactive=True)  # doctest: +SKIP
        """
        kind = str(getattr(kind, "value", kind))
        if interactive is None:
            interactive = path is not None and str(path).lower().endswith(".html")
        if interactive and kind in PLOT_KINDS:
            kind = _INTERACTIVE_OF[kind]
        if kind in PLOT_KINDS:
            name, file = self._result_file(STANDARD, kind, table)
        elif kind in REPORT_PLOT_KINDS:
            self._table(table)
            name, files = self._files_of(REPORT)
            file = f"{table}.{kind}.{'html' if interactive else 'png'}"
            if file not in files.get(kind, []) and kind in _DRAWN_FOR:
                raise ValueError(
                    f"The report job {name} has no {kind} plot for table {table!r}: it is "
                    f"drawn for {_DRAWN_FOR[kind]} only."
                )
            if file not in files.get(kind, []):
                raise ValueError(
                    f"The report job {name} has no {kind} plot for table {table!r} (it ran on a "
                    "server that does not draw it): run the report job again."
                )
        else:
            raise ValueError(
                f"Unknown plot kind {kind!r}; use one of {[*PLOT_KINDS, *REPORT_PLOT_KINDS]}."
            )
        data = self._calls.read_bytes(name, file)
        if path is not None:
            Path(path).write_bytes(data)
        if _in_notebook():
            from IPython.display import HTML, Image, display

            display(HTML(data.decode("utf-8")) if interactive else Image(data=data))
        return data

    def download_report(
        self, path: str | Path | None = None, report_type: str = "basic"
    ) -> Path:
        """Save a report of the run (waits for the ``report`` job).

        Args:
            path: where to save it; its suffix picks the format of the privacy impact
                assessment (``.pdf`` or ``.docx``). Default: ``report.pdf``, or ``pia.docx``
                for the assessment.
            report_type: ``"basic"`` (the PDF report) or ``"pia"`` (the privacy impact
                assessment, filled from the metrics and the run's PIA metadata and
                annotations ``purpose``, ``controller``, ``dpo``).

        Raises:
            ValueError: another report type, or a PIA path that is neither .pdf nor .docx.

        Example:
            >>> runner.download_report("report.pdf")  # doctest: +SKIP
            >>> runner.download_report("pia.docx", report_type="pia")  # doctest: +SKIP
        """
        kind = str(getattr(report_type, "value", report_type)).lower()
        if kind not in {"basic", "pia"}:
            raise ValueError(f"report_type must be 'basic' or 'pia', got {report_type!r}.")
        destination = Path(path if path is not None else
                           ("pia.docx" if kind == "pia" else "report.pdf"))
        if kind == "pia":
            suffix = destination.suffix.lower()
            if suffix not in {".pdf", ".docx"}:
                raise ValueError(
                    f"The privacy impact assessment is a .pdf or a .docx; got {str(destination)!r}."
                )
            name, files = self._files_of(REPORT)
            file = f"pia{suffix}"
            if file not in files.get("pia", []):
                raise ValueError(
                    f"The report job {name} has no privacy impact assessment (it ran on a server "
                    "that does not write one): run the report job again."
                )
            return self._calls.download(name, file, destination)
        name, file = self._result_file(REPORT, "report", None)
        if not file.endswith(".pdf"):
            pdfs = [f for f in self._files_of(REPORT)[1].get("report", []) if f.endswith(".pdf")]
            file = pdfs[0] if pdfs else file
        return self._calls.download(name, file, destination)

    def get_all_results(self) -> dict[str, dict[str, Any]]:
        """Every result of every table of the jobs started: ``{table: {result: value}}``.

        Example:
            >>> results = runner.get_all_results()  # doctest: +SKIP
            >>> results["wbcd"]["shuffled"].head()  # doctest: +SKIP
        """
        results: dict[str, dict[str, Any]] = {}
        for table in self._rs.tables:
            entry: dict[str, Any] = {}
            if STANDARD in self.jobs:
                entry["shuffled"] = self.shuffled(table)
                entry["unshuffled"] = self.sensitive_unshuffled(table)
                entry["original_projections"], entry["avatar_projections"] = self.projections(
                    table
                )
                entry["run_metadata"] = self.run_metadata(table)
            if PRIVACY_METRICS in self.jobs:
                entry["privacy_metrics"] = self.privacy_metrics(table)
            if SIGNAL_METRICS in self.jobs:
                entry["signal_metrics"] = self.signal_metrics(table)
            results[table] = entry
        return results
