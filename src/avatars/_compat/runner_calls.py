"""Runner methods that only the established client has (part of :class:`avatars.runner.Runner`).

``statuses``, ``cancel``, ``delete``, ``get_specific_result``, ``get_specific_result_urls``,
``delete_link``, ``add_annotations``, ``table_summary``, ``metrics_summary`` and the
``render_*_metrics_summary`` calls, built on this SDK's own results.

Example:
    >>> runner.statuses()  # doctest: +SKIP
    {'standard': 'finished', 'privacy_metrics': 'finished', ...}
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pandas as pd

from avatars._compat.enums import JobStatus, Results, plain
from avatars._compat.jobs import cancel_unfinished, delete_in_batches
from avatars._compat.links_advice import (
    LINKS_ADVICE_NAME,
    TablesLinksAdvice,
    links_advice_yaml,
    parse_links_advice,
)
from avatars._compat.metrics import metrics_records
from avatars._runner_results import RunnerResults
from avatars._table_reading import read_table
from avatars._yaml import JOB_KINDS, PRIVACY_METRICS, SIGNAL_METRICS

if TYPE_CHECKING:
    from avatar_api_client.models import BulkDeleteResponse, JobResponse

    from avatars.client import ApiClient

__all__ = ["EstablishedRunnerCalls"]

_FRAMES = {
    Results.SHUFFLED: "shuffled",
    Results.UNSHUFFLED: "unshuffled",
    Results.PROJECTIONS_ORIGINAL: "original_projections",
    Results.PROJECTIONS_AVATARS: "avatar_projections",
}
_METRICS = {Results.PRIVACY_METRICS: PRIVACY_METRICS, Results.SIGNAL_METRICS: SIGNAL_METRICS}
_FIGURES = ("projection", "distributions", "correlations")


class EstablishedRunnerCalls(RunnerResults):
    """The established client's Runner calls that this SDK's Runner has no name for."""

    client: ApiClient

    if TYPE_CHECKING:

        def _upload_tables(self) -> None: ...

        def get_yaml(self, path: str | None = None) -> str: ...

    # -- links advice ----------------------------------------------------------------------
    def advise_links(self, *, apply: bool = True) -> TablesLinksAdvice:
        """Ask the server which parent table each foreign key not linked yet points at.

        Declare the primary and foreign keys with ``add_table`` first. An advice job reads the
        tables (uploading them) and advises a link per foreign key, with a confidence
        (``high``, ``medium``, ``low``); keys it cannot link come with their candidate tables.

        Args:
            apply: add each advised link with ``add_link`` (False: review it first).

        Returns:
            ``links`` (``parent_table``, ``parent_field``, ``child_table``, ``child_field``,
            ``method``, ``confidence``) and ``unlinked_foreign_keys``.

        Example:
            >>> runner.advise_links().links[0].confidence  # doctest: +SKIP
            'high'
        """
        if len(self._rs.tables) < 2:
            raise ValueError(
                f"Expected at least two tables to advise links, got {len(self._rs.tables)}: "
                "add the tables with their primary_key and foreign_keys first."
            )
        self._upload_tables()
        set_name = self._calls.put_resources(self.display_name, links_advice_yaml(self.get_yaml()))
        job = self._calls.create_job(set_name, LINKS_ADVICE_NAME, [])
        self.jobs[LINKS_ADVICE_NAME] = job
        name, files = self._files_of(LINKS_ADVICE_NAME)
        contents = []
        for file in files.get("advice", []):
            if file.endswith(".links.advice.json"):
                entry = json.loads(self._calls.read_bytes(name, file))
                contents.append(
                    json.dumps({**entry, "table": file.removesuffix(".links.advice.json")}).encode()
                )
        advice = parse_links_advice(contents)
        if apply:
            for link in advice.links:
                self.add_link(
                    link.parent_table,
                    link.parent_field,
                    link.child_table,
                    link.child_field,
                    method=link.method,
                )
        return advice

    # -- jobs ------------------------------------------------------------------------------
    def _names_of(self, job_names: str | Sequence[str] | None) -> list[str]:
        if job_names is None:
            return list(self.jobs.values())
        listed = [job_names] if isinstance(job_names, str) else list(job_names)
        return [self._job_name(plain(job)) for job in listed]

    def statuses(self) -> dict[str, JobStatus | str]:
        """Status of every job of the run, in the order the work happens.

        Example:
            >>> runner.statuses()  # doctest: +SKIP
            {'standard': 'finished', 'privacy_metrics': 'running'}
        """
        ordered = sorted(
            self.jobs, key=lambda k: JOB_KINDS.index(k) if k in JOB_KINDS else len(JOB_KINDS)
        )
        result: dict[str, JobStatus | str] = {}
        for kind in ordered:
            status = self.get_status(kind)
            result[kind] = JobStatus(status) if status in JobStatus._value2member_map_ else status
        return result

    def cancel(self, job_names: str | Sequence[str] | None = None) -> list[JobResponse]:
        """Cancel jobs of the run (default: all); those already over are left alone.

        The jobs waiting on a cancelled job are cancelled with it.

        Returns:
            The jobs a cancel was sent for, as the server answered.

        Example:
            >>> runner.cancel()  # doctest: +SKIP
            >>> runner.cancel("standard")  # doctest: +SKIP
        """
        return cancel_unfinished(self.client, self._names_of(job_names))

    def kill(self) -> None:
        """Stop the run: cancel every job of it still queued or running (see :meth:`cancel`).

        Example:
            >>> runner.kill()  # doctest: +SKIP
        """
        self.cancel()

    def delete(self, job_names: str | Sequence[str] | None = None) -> BulkDeleteResponse:
        """Delete jobs of the run (default: all) with their results.

        Example:
            >>> runner.delete().deleted_jobs  # doctest: +SKIP
        """
        names = self._names_of(job_names)
        response = delete_in_batches(self.client, names)
        deleted = {str(name) for name in response.deleted_jobs}
        self.jobs = {kind: name for kind, name in self.jobs.items() if name not in deleted}
        for name in deleted:
            self._files.pop(name, None)
        return response

    # -- results ---------------------------------------------------------------------------
    def get_specific_result_urls(
        self, job_name: str, result: Results | str = Results.SHUFFLED
    ) -> list[str]:
        """URLs of the files of one result of a job (waits for the job); ``[]`` when none.

        Example:
            >>> runner.get_specific_result_urls("standard", "shuffled")  # doctest: +SKIP
            ['http://localhost:8000/api/results/3f2b.../wbcd.shuffled.csv']
        """
        name, files = self._files_of(self._job_name(plain(job_name)))
        base = self.client.base_url.rstrip("/")
        return [
            f"{base}/results/{quote(name, safe='')}/{quote(file, safe='')}"
            for file in files.get(plain(result), [])
        ]

    def get_specific_result(
        self, table_name: str, job_name: str, result: Results | str = Results.SHUFFLED
    ) -> Any:
        """One result of one table: a DataFrame, the metrics as a list of dicts, a dict, ...

        ``figures`` gives ``{figure kind: [PNG bytes]}``.

        Example:
            >>> runner.get_specific_result("wbcd", "standard", "shuffled").head()
            ... # doctest: +SKIP
        """
        job, kind = plain(job_name), plain(result)
        self._table(table_name)
        if kind in _FRAMES.values():
            return self._read_frame(job, kind, table_name)
        if kind in _METRICS.values():
            return metrics_records(self._read_json(job, kind, table_name), table_name)
        if kind in (Results.METADATA, Results.ADVICE):
            return dict(self._read_json(job, kind, table_name))
        if kind == Results.FIGURES:
            figures: dict[str, list[bytes]] = {}
            for figure in _FIGURES:
                name, file = self._result_file(job, figure, table_name)
                figures[figure] = [self._calls.read_bytes(name, file)]
            return figures
        if kind == Results.PRIVACY_METRICS_SUMMARY:
            return self.render_privacy_metrics_summary()
        if kind == Results.SIGNAL_METRICS_SUMMARY:
            return self.render_signal_metrics_summary()
        known = [*_FRAMES.values(), *_METRICS.values(), "run_metadata", "advice", "figures"]
        raise ValueError(
            f"No result {kind!r} per table on this server; use one of {known} "
            "(the report: download_report(path))."
        )

    def render_privacy_metrics_summary(self, open_in_browser: bool = False) -> dict[str, Any]:
        """Privacy meta metric of every table and reference: ``{table: {reference: meta}}``.

        As on the established platform: each table has the reference ``standalone`` (the
        table alone); a child table one more per parent table, the joined child-parent view
        of that link (its privacy metrics and the own-parent attachment). The meta metric is
        the share (%) of the reference's judged metrics that meet their targets. The metric
        values themselves: ``metric_values_summary()``.

        Example:
            >>> runner.render_privacy_metrics_summary()["visit"]  # doctest: +SKIP
            {'standalone': 100.0, 'patient': 100.0, 'doctor': 100.0}
        """
        return self._summary(PRIVACY_METRICS)

    def render_signal_metrics_summary(self) -> dict[str, Any]:
        """Signal meta metric of every table and reference: ``{table: {reference: meta}}``.

        The joined reference of a link judges its children-per-parent Hellinger (<= 0.05).

        Example:
            >>> runner.render_signal_metrics_summary()["visit"]["patient"]  # doctest: +SKIP
            100.0
        """
        return self._summary(SIGNAL_METRICS)

    def _summary(self, kind: str) -> dict[str, Any]:
        summary: dict[str, Any] = self._read_json(kind, f"{kind}_summary", None)
        return summary

    def metrics_summary(self) -> pd.DataFrame:
        """Privacy and signal meta metrics: one row per table, columns ``(reference, kind)``.

        ``kind`` is ``privacy`` or ``signal``, as the established client's ``metrics_summary``.

        Example:
            >>> runner.metrics_summary().loc["visit", ("patient", "privacy")]  # doctest: +SKIP
            100.0
        """
        parts = {
            "privacy": pd.DataFrame(self.render_privacy_metrics_summary()).T,
            "signal": pd.DataFrame(self.render_signal_metrics_summary()).T,
        }
        frame = pd.concat(parts, axis=1).swaplevel(axis=1).sort_index(axis=1)
        frame.index.name = "table_name"
        return frame.sort_index()

    def metric_values_summary(self) -> pd.DataFrame:
        """Privacy and signal metric values of every table: columns ``(kind, metric)``.

        Example:
            >>> runner.metric_values_summary().loc["wbcd", ("privacy", "hidden_rate")]
            ... # doctest: +SKIP
            96.1
        """
        parts = {}
        for label, kind in (("privacy", PRIVACY_METRICS), ("signal", SIGNAL_METRICS)):
            values = {}
            for table in self._rs.tables:
                metrics = self._read_json(kind, kind, table).get("metrics") or {}
                values[table] = {name: item.get("value") for name, item in metrics.items()}
            parts[label] = pd.DataFrame(values).T
        frame = pd.concat(parts, axis=1)
        frame.index.name = "table_name"
        return frame

    def table_summary(self, table_name: str) -> pd.DataFrame:
        """Statistics of each column of a table: type, count, missing, distinct, mean, ...

        Computed from the table's data (the local file or DataFrame, else the uploaded copy).

        Example:
            >>> runner.table_summary("wbcd").loc["Class", "distinct"]  # doctest: +SKIP
            2
        """
        table = self._table(table_name)
        source = self._sources.get(table_name)
        if source is not None and source.frame is not None:
            frame = source.frame
        elif source is not None and source.path is not None:
            frame = read_table(source.path)
        else:
            frame = self.client.datasets.read_dataset(table.file)
        types = {column.field: column.type for column in table.columns}
        rows = {}
        for column in frame.columns:
            values = frame[column]
            numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(
                values
            )
            rows[column] = {
                "type": types.get(str(column)),
                "count": int(values.notna().sum()),
                "missing": int(values.isna().sum()),
                "distinct": int(values.nunique()),
                "mean": float(values.mean()) if numeric else None,
                "std": float(values.std()) if numeric else None,
                "min": values.min() if numeric else None,
                "max": values.max() if numeric else None,
            }
        return pd.DataFrame.from_dict(rows, orient="index")

    # -- configuration ---------------------------------------------------------------------
    def delete_link(self, parent_table_name: str, child_table_name: str) -> None:
        """Remove the link from a child table to its parent table.

        Raises:
            ValueError: no such table, or no link between them.

        Example:
            >>> runner.delete_link("patient", "visit")  # doctest: +SKIP
        """
        parent = self._table(parent_table_name)
        child = self._table(child_table_name)
        # A link is written on the child (ours) or on the parent (the established client's).
        child_links = [link for link in child.links if link.to_table != parent.name]
        parent_links = [link for link in parent.links if link.to_table != child.name]
        if len(child_links) == len(child.links) and len(parent_links) == len(parent.links):
            raise ValueError(
                f"No link between {parent_table_name!r} and {child_table_name!r}; "
                f"{child_table_name!r} links to {[link.to_table for link in child.links]}."
            )
        child.links, parent.links = child_links, parent_links

    def add_annotations(self, annotations: dict[str, str]) -> None:
        """Add annotations (free ``key: value`` text) to the run's metadata.

        Example:
            >>> runner.add_annotations({"project": "cohort-2024"})  # doctest: +SKIP
        """
        for key, value in annotations.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise TypeError(f"annotations are text: got {key!r}: {value!r}")
        self._rs.annotations.update(annotations)

