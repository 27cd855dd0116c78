"""Configure and run an avatarization, then read its results: :class:`Runner`.

A Runner holds the tables and parameters of one run under a *display name* (the ``set_name``
given to ``Manager.create_runner``). ``run()`` uploads the tables, stores the configuration on
the server as a new resource-set version, whose server-generated UUID becomes
``runner.set_name``, and starts the jobs. Result accessors wait for their job.

Example:
    >>> runner = manager.create_runner(set_name="demo")  # doctest: +SKIP
    >>> runner.add_table("wbcd", "fixtures/wbcd.csv")  # doctest: +SKIP
    >>> runner.set_parameters("wbcd", k=15)  # doctest: +SKIP
    >>> runner.run()  # doctest: +SKIP
    >>> runner.shuffled("wbcd").head()  # doctest: +SKIP
"""

from __future__ import annotations

import copy
import hashlib
import html
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from avatars._compat.arguments import accept_established_runner_calls
from avatars._compat.runner_calls import EstablishedRunnerCalls
from avatars._runner_parameters import RunnerParameters
from avatars._runner_results import DEFAULT_JOBS, MetricsResult, PlotKind
from avatars._runner_tables import _Source
from avatars._server_calls import ServerCalls, text_of
from avatars._table_reading import read_table
from avatars._waiting import DEFAULT_JOB_TIMEOUT
from avatars._yaml import (
    ADVICE,
    JOB_KINDS,
    PRIVACY_METRICS,
    REPORT,
    SIGNAL_METRICS,
    STANDARD,
    ResourceSet,
    TableSpec,
    dump_resource_set,
    load_resource_set,
)
from avatars.constants import (
    DataRecipient,
    DataSubject,
    DataType,
    ReportLanguage,
    SensitivityLevel,
)

if TYPE_CHECKING:
    from avatars.client import ApiClient

__all__ = ["DEFAULT_JOBS", "MetricsResult", "PlotKind", "Runner"]

_DEPENDENCIES = {
    STANDARD: (),
    PRIVACY_METRICS: (STANDARD,),
    SIGNAL_METRICS: (STANDARD,),
    REPORT: (STANDARD, PRIVACY_METRICS, SIGNAL_METRICS),
    ADVICE: (),
}


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@accept_established_runner_calls
class Runner(RunnerParameters, EstablishedRunnerCalls):
    """Builds a resource set (tables + parameters), runs its jobs and reads the results.

    Create it with :meth:`avatars.manager.Manager.create_runner` rather than directly.

    Attributes:
        client: the authenticated :class:`~avatars.client.ApiClient`.
        display_name: the human-readable name of the run (``create_runner(set_name=...)``).
        set_name: the server's UUID of the resource-set version, known after :meth:`run`.
        jobs: ``{parameters_name: job name}`` of the jobs started (``standard``, ...).
        job_timeout: deadline, in seconds, of every wait for a job.
        show_progress: progress bar while waiting (``None``: in terminals and notebooks).

    Example:
        >>> runner = manager.create_runner(set_name="demo")  # doctest: +SKIP
        >>> runner.add_table("wbcd", "fixtures/wbcd.csv")  # doctest: +SKIP
        >>> runner.set_parameters("wbcd", k=15)  # doctest: +SKIP
        >>> runner.run()  # doctest: +SKIP
    """

    def __init__(
        self,
        api_client: ApiClient,
        display_name: str,
        seed: int | None = None,
        max_distribution_plots: int | None = None,
        pia_data_recipient: DataRecipient = DataRecipient.UNKNOWN,
        pia_data_type: DataType = DataType.UNKNOWN,
        pia_data_subject: DataSubject = DataSubject.UNKNOWN,
        pia_sensitivity_level: SensitivityLevel = SensitivityLevel.UNDEFINED,
        report_language: ReportLanguage = ReportLanguage.EN,
        *,
        job_timeout: float = DEFAULT_JOB_TIMEOUT,
        show_progress: bool | None = None,
        dask_scheduler: str | None = None,
    ) -> None:
        if not isinstance(display_name, str) or not display_name.strip():
            raise ValueError("The run needs a non-empty name: create_runner(set_name='my-run').")
        if seed is not None and (not isinstance(seed, int) or not 0 <= seed < 2**32):
            raise ValueError(f"seed must be an integer between 0 and 2**32 - 1, got {seed!r}")
        if max_distribution_plots is not None and not 1 <= int(max_distribution_plots) <= 1000:
            raise ValueError(
                f"max_distribution_plots must be between 1 and 1000, got {max_distribution_plots}"
            )
        self.client = api_client
        self._calls = ServerCalls(api_client)
        self._rs = ResourceSet(
            display_name=display_name,
            pia_metadata={
                "datarecipient": DataRecipient(pia_data_recipient).value,
                "data_type": DataType(pia_data_type).value,
                "datasubject": DataSubject(pia_data_subject).value,
                "sensitivity_level": SensitivityLevel(pia_sensitivity_level).value,
            },
            max_distribution_plots=max_distribution_plots,
            report_language=ReportLanguage(report_language).value,
            seed=seed,
            dask_scheduler=dask_scheduler,
        )
        self._sources: dict[str, _Source] = {}
        self.set_name: str | None = None
        self.jobs: dict[str, str] = {}
        self.job_timeout = job_timeout
        self.show_progress = show_progress
        self._loaded_from: str | None = None
        self._advice: dict[str, dict[str, Any]] = {}
        self._files: dict[str, dict[str, list[str]]] = {}

    # -- identity --------------------------------------------------------------------------
    @property
    def display_name(self) -> str:
        """The human-readable name of the run (``create_runner(set_name=...)``)."""
        return self._rs.display_name

    @property
    def tables(self) -> dict[str, TableSpec]:
        """The tables of the run, by name (a copy)."""
        return copy.deepcopy(self._rs.tables)

    def __repr__(self) -> str:
        return (
            f"Runner(display_name={self.display_name!r}, set_name={self.set_name!r}, "
            f"tables={list(self._rs.tables)}, jobs={self.jobs})"
        )

    # -- YAML ------------------------------------------------------------------------------
    @property
    def dask_scheduler(self) -> str | None:
        """Dask scheduler (``tcp://host:8786``) on which the server runs the batches of this
        run's large tables; None: the server's own setting.

        Example:
            >>> runner.dask_scheduler = "tcp://scheduler:8786"  # doctest: +SKIP
        """
        return self._rs.dask_scheduler

    @dask_scheduler.setter
    def dask_scheduler(self, address: str | None) -> None:
        self._rs.dask_scheduler = address

    def get_yaml(self, path: str | Path | None = None) -> str:
        """The resource-set YAML of the run; also written to ``path`` when given.

        Example:
            >>> print(runner.get_yaml())  # doctest: +SKIP
        """
        text = dump_resource_set(self._rs)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def from_yaml(self, yaml_path: str | Path) -> None:
        """Load tables and parameters from a resource-set YAML file (replacing the current ones).

        A table's ``data.file`` that names a file next to the YAML is uploaded at :meth:`run`;
        otherwise it must name a dataset already uploaded to the server.

        Example:
            >>> runner.from_yaml("config.yaml")  # doctest: +SKIP
        """
        path = Path(yaml_path)
        loaded = load_resource_set(path.read_text(encoding="utf-8"), self.display_name)
        self._load(loaded, base_dir=path.parent)

    def _load(self, loaded: ResourceSet, base_dir: Path | None) -> None:
        self._rs = loaded
        self._sources = {}
        for name, table in loaded.tables.items():
            candidate = base_dir / table.file if base_dir is not None else None
            if candidate is not None and candidate.is_file():
                self._sources[name] = _Source(path=candidate)
                avatars = base_dir / table.avatars_file if (
                    base_dir is not None and table.avatars_file) else None
                if avatars is not None and avatars.is_file():
                    self._sources[name].avatars = read_table(avatars)

    # -- running ---------------------------------------------------------------------------
    def _upload_tables(self) -> None:
        with tempfile.TemporaryDirectory(prefix="avatars-upload-") as tmp:
            for name, source in self._sources.items():
                table = self._rs.tables[name]
                path = source.path
                if source.frame is not None:
                    path = Path(tmp) / f"{name}.csv"
                    source.frame.to_csv(path, index=False)
                if path is None:
                    continue
                sha = _sha256_of(path)
                suffix = ".parquet" if path.suffix in {".parquet", ".pq"} else ".csv"
                dataset = f"{name}-{sha[:16]}{suffix}"
                if self._calls.dataset_sha256(dataset) != sha:
                    self._calls.upload(dataset, path)
                table.file = dataset
                if source.avatars is not None:
                    avatars_path = Path(tmp) / f"{name}_avatars.csv"
                    source.avatars.to_csv(avatars_path, index=False)
                    sha = _sha256_of(avatars_path)
                    table.avatars_file = f"{name}_avatars-{sha[:16]}.csv"
                    if self._calls.dataset_sha256(table.avatars_file) != sha:
                        self._calls.upload(table.avatars_file, avatars_path)

    def _store_resource_set(self) -> str:
        self._upload_tables()
        return self._calls.put_resources(self.display_name, self.get_yaml())

    def run(
        self, jobs_to_run: Sequence[str] | None = None, ignore_warnings: bool = False
    ) -> dict[str, str]:
        """Upload the tables, store the configuration and start the jobs.

        Every call stores a new resource-set version: ``runner.set_name`` becomes its UUID.
        Jobs wait on the server for those they depend on (``report`` on the three others).

        Args:
            jobs_to_run: among ``standard``, ``privacy_metrics``, ``signal_metrics``,
                ``report``, ``advice`` (default: the first four). Jobs they depend on are
                added.
            ignore_warnings: do not warn when jobs are added for their dependants, or when a
                runner loaded from an earlier run starts a new one.

        Returns:
            ``{parameters_name: job name}`` of the started jobs.

        Raises:
            ValueError: no table, a table without ``k`` or with no more rows than ``k``, or an
                unknown job kind.

        Example:
            >>> runner.run()  # doctest: +SKIP
            >>> runner.run(jobs_to_run=["standard"])  # doctest: +SKIP
        """
        requested = list(jobs_to_run) if jobs_to_run is not None else list(DEFAULT_JOBS)
        unknown = [kind for kind in requested if kind not in JOB_KINDS]
        if unknown:
            raise ValueError(f"Unknown jobs {unknown}; use some of {list(JOB_KINDS)}.")
        if not self._rs.tables:
            raise ValueError("The run has no table: call add_table(name, data) first.")
        missing_k = [t for t, spec in self._rs.tables.items()
                     if not self._params(t).is_complete() and not spec.avatars_file]
        if missing_k and any(kind != ADVICE for kind in requested):
            raise ValueError(
                f"Tables {missing_k} have no k: call set_parameters(table, k=...) (or "
                "open_dp_epsilon= / fast_dp_epsilon=) or advise_parameters() before run()."
            )
        if any(kind != ADVICE for kind in requested):
            self._check_rows_for_k()
        ordered = self._with_dependencies(requested, ignore_warnings)
        if self._loaded_from is not None and not ignore_warnings:
            warnings.warn(
                f"run() starts a NEW run with a new set_name; the results loaded from "
                f"set_name {self._loaded_from!r} stay available with "
                f"manager.create_runner_from_id({self._loaded_from!r}). "
                "Pass ignore_warnings=True to silence this warning.",
                UserWarning,
                stacklevel=2,
            )
        set_name = self._store_resource_set()
        jobs: dict[str, str] = {}
        for kind in ordered:
            depends_on = [jobs[d] for d in _DEPENDENCIES[kind]]
            jobs[kind] = self._calls.create_job(set_name, kind, depends_on)
        self.set_name = set_name
        self.jobs = jobs
        self._files = {}
        self._loaded_from = None
        return dict(jobs)

    def _with_dependencies(self, requested: Sequence[str], ignore_warnings: bool) -> list[str]:
        wanted = set(requested)
        for kind in requested:
            wanted.update(_DEPENDENCIES[kind])
        added = sorted(wanted - set(requested))
        if added and not ignore_warnings:
            warnings.warn(
                f"run() also starts {added}, which {requested} depend on.",
                UserWarning,
                stacklevel=3,
            )
        return [kind for kind in JOB_KINDS if kind in wanted]

    # -- advice ----------------------------------------------------------------------------
    def advise_parameters(self, table: str | None = None) -> dict[str, dict[str, Any]]:
        """Ask the server to advise ``k`` and ``ncp``, apply the advice and return it.

        Runs an ``advice`` job on the tables (uploading them), waits for it, and sets the
        advised ``k`` and ``ncp`` on each table (other parameters are kept).

        Returns:
            ``{table: {"k": ..., "ncp": ..., "reasons": {...}}}``.

        Example:
            >>> runner.advise_parameters("wbcd")["wbcd"]["k"]  # doctest: +SKIP
            12
        """
        names = [table] if table is not None else list(self._rs.tables)
        for name in names:
            self._table(name)
        if not names:
            raise ValueError("The run has no table: call add_table(name, data) first.")
        set_name = self._store_resource_set()
        job = self._calls.create_job(set_name, ADVICE, [])
        self.jobs[ADVICE] = job
        for name in names:
            advice = self._read_json(ADVICE, "advice", name)
            self._advice[name] = dict(advice)
            self.update_parameters(name, k=int(advice["k"]), ncp=int(advice["ncp"]))
        return {name: self._advice[name] for name in names}

    # -- notebooks -------------------------------------------------------------------------
    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(kind)}</td><td>{html.escape(name)}</td></tr>"
            for kind, name in self.jobs.items()
        )
        return (
            f"<p>Runner <b>{html.escape(self.display_name)}</b> "
            f"(set_name {html.escape(str(self.set_name))}), tables "
            f"{html.escape(', '.join(self._rs.tables))}</p>"
            f"<table><tr><th>job</th><th>name</th></tr>{rows}</table>"
        )

    # -- reconstruction (used by the Manager) ----------------------------------------------
    def _restore(self, set_name: str, yaml_text: str, jobs: Sequence[Any]) -> None:
        self._load(load_resource_set(yaml_text), base_dir=None)
        self.set_name = set_name
        self._loaded_from = set_name
        self.jobs = {}
        for job in sorted(jobs, key=lambda j: str(text_of(j.created_at) or "")):
            kind = text_of(job.parameters_name) or text_of(job.kind) or str(job.name)
            self.jobs[kind] = str(job.name)
