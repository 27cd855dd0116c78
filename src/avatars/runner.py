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
import json
import re
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from avatars._column_types import ColumnType, infer_column_types, read_table
from avatars._server_calls import ServerCalls, text_of
from avatars._waiting import DEFAULT_JOB_TIMEOUT, job_status, raise_for_job, wait_for_job
from avatars._yaml import (
    ADVICE,
    JOB_KINDS,
    PRIVACY_METRICS,
    REPORT,
    SIGNAL_METRICS,
    STANDARD,
    ColumnSpec,
    LinkSpec,
    ResourceSet,
    TableParameters,
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

DEFAULT_JOBS = (STANDARD, PRIVACY_METRICS, SIGNAL_METRICS, REPORT)
PlotKind = str
PLOT_KINDS = ("projection", "distributions", "correlations")
IMPUTATION_METHODS = ("knn", "mode", "median", "mean", "fast_knn")
EXCLUDE_STRATEGIES = ("row_order", "coordinate_similarity")
LINK_METHODS = (
    "bottom_projection",
    "top_projection",
    "linear_sum_assignment",
    "minimum_distance_assignment",
    "sensitive_original_order_assignment",
)
_DEPENDENCIES = {
    STANDARD: (),
    PRIVACY_METRICS: (STANDARD,),
    SIGNAL_METRICS: (STANDARD,),
    REPORT: (STANDARD, PRIVACY_METRICS, SIGNAL_METRICS),
    ADVICE: (),
}
_TABLE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,127}$")
_AVATARIZATION_KEYS = ("k", "ncp", "column_weights", "use_categorical_reduction")


class MetricsResult(dict[str, Any]):
    """Metrics of one table as returned by the server, shown as a table in notebooks.

    It is the metrics JSON (``{"metrics": {...}, "passed": ..., "details": {...}}``) with
    :meth:`to_frame` and an HTML rendering.

    Example:
        >>> m = MetricsResult({"metrics": {"hidden_rate": {"label": "Hidden rate",
        ...     "value": 95.0, "target": 90.0, "passed": True}}, "passed": True})
        >>> m.to_frame().loc["hidden_rate", "value"]
        95.0
    """

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


@dataclass
class _Source:
    """Local data of a table, uploaded at ``run``."""

    path: Path | None = None
    frame: pd.DataFrame | None = None


def _check_name(kind: str, name: str) -> None:
    if not isinstance(name, str) or not _TABLE_NAME_RE.match(name):
        raise ValueError(
            f"Invalid {kind} {name!r}: use 1 to 128 letters, digits, '_' or '-', "
            "starting with a letter or a digit."
        )


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class Runner:
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

    # -- tables ----------------------------------------------------------------------------
    def add_table(
        self,
        name: str,
        data: str | Path | pd.DataFrame,
        primary_key: str | None = None,
        foreign_keys: Sequence[str] | None = None,
        types: Mapping[str, ColumnType | str] | None = None,
        individual_level: bool | None = None,
        time_series_time: str | None = None,
    ) -> None:
        """Add a table to the run.

        Args:
            name: name of the table (letters, digits, ``_``, ``-``).
            data: a CSV or Parquet file, or a DataFrame; uploaded at :meth:`run`.
            primary_key: column identifying each row; kept out of the avatarization.
            foreign_keys: columns referring to other tables; link them with :meth:`add_link`.
            types: column types (``int``, ``float``, ``bool``, ``category``, ``datetime``,
                ``datetime_tz``) overriding those inferred from the data.
            individual_level: whether one row is one individual (``None``: server default).
            time_series_time: the time column of a time-series table.

        Raises:
            ValueError: bad name, table already added, unknown column or type.
            FileNotFoundError: ``data`` is a path that does not exist.

        Example:
            >>> runner.add_table("wbcd", "fixtures/wbcd.csv", types={"Class": "category"})
            ... # doctest: +SKIP
        """
        _check_name("table name", name)
        if name in self._rs.tables:
            raise ValueError(
                f"Table {name!r} is already in the run: call delete_table({name!r}) first."
            )
        if isinstance(data, pd.DataFrame):
            frame, source = data, _Source(frame=data)
        elif isinstance(data, str | Path):
            path = Path(data).expanduser()
            if not path.is_file():
                raise FileNotFoundError(f"No file {str(path)!r} for table {name!r}.")
            frame, source = read_table(path), _Source(path=path)
        else:
            raise TypeError(
                f"data must be a file path or a pandas DataFrame, got {type(data).__name__}"
            )
        column_types = infer_column_types(frame, {k: str(v) for k, v in (types or {}).items()})
        keys = [primary_key] if primary_key else []
        extra = [time_series_time] if time_series_time else []
        for column in [*keys, *(foreign_keys or []), *extra]:
            if column not in column_types:
                raise ValueError(
                    f"Column {column!r} is not in table {name!r}; "
                    f"its columns are {list(column_types)}."
                )
        foreign = set(foreign_keys or [])
        columns = [
            ColumnSpec(
                field=column,
                type=column_type.value,
                primary_key=column == primary_key,
                identifier=column in foreign,
                time_series_time=column == time_series_time,
            )
            for column, column_type in column_types.items()
        ]
        suffix = ".parquet" if source.path is not None and source.path.suffix in {
            ".parquet", ".pq"} else ".csv"
        self._rs.tables[name] = TableSpec(
            name=name, file=f"{name}{suffix}", columns=columns, individual_level=individual_level
        )
        self._sources[name] = source

    def add_link(
        self,
        parent_table_name: str,
        parent_field: str,
        child_table_name: str,
        child_field: str,
        method: str = "bottom_projection",
    ) -> None:
        """Link a foreign key of a child table to the primary key of its parent table.

        Example:
            >>> runner.add_link("patient", "p_id", "visit", "patient_id")  # doctest: +SKIP
        """
        parent = self._table(parent_table_name)
        child = self._table(child_table_name)
        self._check_columns(parent.name, [parent_field])
        self._check_columns(child.name, [child_field])
        if method not in LINK_METHODS:
            raise ValueError(f"Unknown link method {method!r}; use one of {list(LINK_METHODS)}.")
        for column in child.columns:
            if column.field == child_field and not column.primary_key:
                column.identifier = True
        child.links.append(LinkSpec(child_field, parent.name, parent_field, method))

    def delete_table(self, name: str) -> None:
        """Remove a table, its parameters, and the links pointing to it.

        Example:
            >>> runner.delete_table("wbcd")  # doctest: +SKIP
        """
        self._table(name)
        del self._rs.tables[name]
        self._rs.parameters.pop(name, None)
        self._sources.pop(name, None)
        for table in self._rs.tables.values():
            table.links = [link for link in table.links if link.to_table != name]

    def _table(self, name: str) -> TableSpec:
        if name not in self._rs.tables:
            raise ValueError(
                f"No table {name!r} in this run; add it with add_table({name!r}, data). "
                f"Tables: {list(self._rs.tables)}."
            )
        return self._rs.tables[name]

    def _check_columns(self, table: str, columns: Sequence[str]) -> None:
        known = self._table(table).column_names
        unknown = [c for c in columns if c not in known]
        if unknown:
            raise ValueError(
                f"Columns {unknown} are not in table {table!r}; its columns are {known}."
            )

    # -- parameters ------------------------------------------------------------------------
    def set_parameters(
        self,
        table: str,
        k: int | None = None,
        ncp: int | None = None,
        column_weights: Mapping[str, float] | None = None,
        use_categorical_reduction: bool | None = None,
        imputation_method: str | None = None,
        imputation_k: int | None = None,
        imputation_training_fraction: float | None = None,
        exclude_variable_names: Sequence[str] | None = None,
        exclude_replacement_strategy: str | None = None,
        known_variables: Sequence[str] | None = None,
        target: str | None = None,
    ) -> None:
        """Set (replace) the parameters of a table; those not given take server defaults.

        Args:
            table: the table.
            k: number of neighbours used to build each avatar (>= 2; required to run).
            ncp: number of projection dimensions.
            column_weights: weight of each column in the projection.
            use_categorical_reduction: reduce categorical variables before the projection.
            imputation_method: ``knn``, ``mode``, ``median``, ``mean`` or ``fast_knn``.
            imputation_k: neighbours of the KNN imputation.
            imputation_training_fraction: fraction of rows used to train the imputation.
            exclude_variable_names: columns kept out of the projection.
            exclude_replacement_strategy: ``row_order`` or ``coordinate_similarity``.
            known_variables: columns an attacker is assumed to know (privacy metrics).
            target: sensitive column for the privacy metrics.

        Example:
            >>> runner.set_parameters("wbcd", k=15, ncp=5)  # doctest: +SKIP
        """
        self._rs.parameters[table] = self._build_parameters(
            table,
            TableParameters(),
            locals_={
                "k": k,
                "ncp": ncp,
                "column_weights": column_weights,
                "use_categorical_reduction": use_categorical_reduction,
                "imputation_method": imputation_method,
                "imputation_k": imputation_k,
                "imputation_training_fraction": imputation_training_fraction,
                "exclude_variable_names": exclude_variable_names,
                "exclude_replacement_strategy": exclude_replacement_strategy,
                "known_variables": known_variables,
                "target": target,
            },
        )

    def update_parameters(self, table: str, **kwargs: Any) -> None:
        """Change some parameters of a table, keeping the others.

        Takes the keyword arguments of :meth:`set_parameters`.

        Example:
            >>> runner.update_parameters("wbcd", ncp=3)  # doctest: +SKIP
        """
        allowed = {
            "k", "ncp", "column_weights", "use_categorical_reduction", "imputation_method",
            "imputation_k", "imputation_training_fraction", "exclude_variable_names",
            "exclude_replacement_strategy", "known_variables", "target",
        }
        unknown = sorted(set(kwargs) - allowed)
        if unknown:
            raise TypeError(f"Unknown parameters {unknown}; use some of {sorted(allowed)}.")
        current = self._rs.parameters.get(table, TableParameters())
        self._rs.parameters[table] = self._build_parameters(
            table, copy.deepcopy(current), locals_=kwargs
        )

    def delete_parameters(self, table: str, parameters_names: Sequence[str] | None = None) -> None:
        """Delete all parameters of a table, or only those named.

        Example:
            >>> runner.delete_parameters("wbcd", ["ncp"])  # doctest: +SKIP
        """
        self._table(table)
        if parameters_names is None:
            self._rs.parameters.pop(table, None)
            return
        params = self._rs.parameters.get(table)
        if params is None:
            return
        imputation = params.avatarization.get("imputation", {})
        exclude = params.avatarization.get("exclude_variables", {})
        for name in parameters_names:
            if name in _AVATARIZATION_KEYS:
                params.avatarization.pop(name, None)
            elif name.startswith("imputation_"):
                imputation.pop({"imputation_method": "method"}.get(name, name[11:]), None)
            elif name == "exclude_variable_names":
                params.avatarization.pop("exclude_variables", None)
            elif name == "exclude_replacement_strategy":
                exclude.pop("replacement_strategy", None)
            elif name in {"known_variables", "target"}:
                params.privacy_metrics.pop(name, None)
            else:
                raise ValueError(f"Unknown parameter {name!r}.")
        if "imputation" in params.avatarization and not imputation:
            params.avatarization.pop("imputation")

    def _build_parameters(
        self, table: str, params: TableParameters, locals_: Mapping[str, Any]
    ) -> TableParameters:
        self._table(table)
        given = {key: value for key, value in locals_.items() if value is not None}
        avatarization = params.avatarization
        for key in ("k", "ncp"):
            if key in given:
                value = given[key]
                if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                    raise ValueError(f"{key} must be a positive integer, got {value!r}")
                avatarization[key] = value
        if "k" in given and given["k"] < 2:
            raise ValueError(f"k must be at least 2, got {given['k']}")
        if "column_weights" in given:
            weights = {str(c): float(w) for c, w in given["column_weights"].items()}
            self._check_columns(table, list(weights))
            avatarization["column_weights"] = weights
        if "use_categorical_reduction" in given:
            avatarization["use_categorical_reduction"] = bool(given["use_categorical_reduction"])
        imputation = dict(avatarization.get("imputation", {}))
        if "imputation_method" in given:
            method = str(getattr(given["imputation_method"], "value", given["imputation_method"]))
            if method not in IMPUTATION_METHODS:
                raise ValueError(
                    f"Unknown imputation_method {method!r}; use one of {list(IMPUTATION_METHODS)}."
                )
            imputation["method"] = method
        if "imputation_k" in given:
            imputation["k"] = int(given["imputation_k"])
        if "imputation_training_fraction" in given:
            fraction = float(given["imputation_training_fraction"])
            if not 0 < fraction <= 1:
                raise ValueError(
                    f"imputation_training_fraction must be in ]0, 1], got {fraction}"
                )
            imputation["training_fraction"] = fraction
        if imputation:
            avatarization["imputation"] = imputation
        exclude = dict(avatarization.get("exclude_variables", {}))
        if "exclude_variable_names" in given:
            names = [str(n) for n in given["exclude_variable_names"]]
            self._check_columns(table, names)
            exclude["variable_names"] = names
        if "exclude_replacement_strategy" in given:
            strategy = str(
                getattr(
                    given["exclude_replacement_strategy"],
                    "value",
                    given["exclude_replacement_strategy"],
                )
            )
            if strategy not in EXCLUDE_STRATEGIES:
                raise ValueError(
                    f"Unknown exclude_replacement_strategy {strategy!r}; "
                    f"use one of {list(EXCLUDE_STRATEGIES)}."
                )
            exclude["replacement_strategy"] = strategy
        if exclude:
            if "variable_names" not in exclude:
                raise ValueError(
                    "exclude_replacement_strategy needs exclude_variable_names (the columns to "
                    "keep out of the projection)."
                )
            avatarization["exclude_variables"] = exclude
        if "known_variables" in given:
            known = [str(n) for n in given["known_variables"]]
            self._check_columns(table, known)
            params.privacy_metrics["known_variables"] = known
        if "target" in given:
            self._check_columns(table, [str(given["target"])])
            params.privacy_metrics["target"] = str(given["target"])
        return params

    def print_parameters(self, table: str | None = None) -> None:
        """Print the parameters of one table, or of every table.

        Example:
            >>> runner.print_parameters("wbcd")  # doctest: +SKIP
            wbcd: avatarization {'k': 15}
        """
        names = [table] if table is not None else list(self._rs.tables)
        for name in names:
            self._table(name)
            params = self._rs.parameters.get(name)
            if params is None:
                print(f"{name}: no parameters (call set_parameters or advise_parameters)")
                continue
            print(f"{name}: avatarization {params.avatarization}")
            if params.privacy_metrics:
                print(f"{name}: privacy metrics {params.privacy_metrics}")
            if params.signal_metrics:
                print(f"{name}: signal metrics {params.signal_metrics}")

    # -- YAML ------------------------------------------------------------------------------
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
            ValueError: no table, a table without ``k``, or an unknown job kind.

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
        missing_k = [t for t in self._rs.tables if "k" not in self._params(t).avatarization]
        if missing_k and any(kind != ADVICE for kind in requested):
            raise ValueError(
                f"Tables {missing_k} have no k: call set_parameters(table, k=...) "
                "or advise_parameters() before run()."
            )
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

    def _params(self, table: str) -> TableParameters:
        return self._rs.parameters.get(table, TableParameters())

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
        return self._calls.read_frame(name, file)

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
        return MetricsResult(self._read_json(PRIVACY_METRICS, "privacy_metrics", table))

    def signal_metrics(self, table: str) -> MetricsResult:
        """Signal metrics of a table (waits for the ``signal_metrics`` job).

        Example:
            >>> runner.signal_metrics("wbcd").to_frame()  # doctest: +SKIP
        """
        return MetricsResult(self._read_json(SIGNAL_METRICS, "signal_metrics", table))

    def run_metadata(self, table: str) -> dict[str, Any]:
        """Metadata of the avatarization of a table (parameters, timings, ...).

        Example:
            >>> runner.run_metadata("wbcd")["parameters"]  # doctest: +SKIP
        """
        return dict(self._read_json(STANDARD, "run_metadata", table))

    def render_plot(
        self, table: str, kind: PlotKind = "projection", path: str | Path | None = None
    ) -> bytes:
        """A figure of the run as PNG: ``projection``, ``distributions`` or ``correlations``.

        In a notebook the figure is displayed; with ``path`` it is also saved there.

        Example:
            >>> runner.render_plot("wbcd", "distributions", path="wbcd.png")  # doctest: +SKIP
        """
        kind = str(getattr(kind, "value", kind))
        if kind not in PLOT_KINDS:
            raise ValueError(f"Unknown plot kind {kind!r}; use one of {list(PLOT_KINDS)}.")
        name, file = self._result_file(STANDARD, kind, table)
        png = self._calls.read_bytes(name, file)
        if path is not None:
            Path(path).write_bytes(png)
        if _in_notebook():
            from IPython.display import Image, display

            display(Image(data=png))
        return png

    def download_report(self, path: str | Path) -> Path:
        """Save the PDF report of the run (waits for the ``report`` job).

        Example:
            >>> runner.download_report("report.pdf")  # doctest: +SKIP
        """
        name, file = self._result_file(REPORT, "report", None)
        if not file.endswith(".pdf"):
            pdfs = [f for f in self._files_of(REPORT)[1].get("report", []) if f.endswith(".pdf")]
            file = pdfs[0] if pdfs else file
        destination = Path(path)
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

