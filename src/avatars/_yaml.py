"""Build and read the resource-set YAML (the run configuration sent to the server).

The format is the multi-document YAML of the established platform (API.md "Resource-set
YAML"): one ``AvatarMetadata`` document, the ``schema`` and ``schema_avatarized`` schemas, and
one parameters document per job kind (``standard``, ``privacy_metrics``, ``signal_metrics``,
``report``, ``advice``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

__all__ = [
    "ADVICE",
    "JOB_KINDS",
    "PRIVACY_METRICS",
    "REPORT",
    "SIGNAL_METRICS",
    "STANDARD",
    "ColumnSpec",
    "LinkSpec",
    "ResourceSet",
    "TableParameters",
    "TableSpec",
    "dump_resource_set",
    "load_resource_set",
]

STANDARD = "standard"
PRIVACY_METRICS = "privacy_metrics"
SIGNAL_METRICS = "signal_metrics"
REPORT = "report"
ADVICE = "advice"
JOB_KINDS = (STANDARD, PRIVACY_METRICS, SIGNAL_METRICS, REPORT, ADVICE)

_SCHEMA = "schema"
_SCHEMA_AVATARIZED = "schema_avatarized"

_KIND_OF_DOCUMENT = {
    STANDARD: "AvatarParameters",
    PRIVACY_METRICS: "AvatarPrivacyMetricsParameters",
    SIGNAL_METRICS: "AvatarSignalMetricsParameters",
    REPORT: "AvatarReportParameters",
    ADVICE: "AvatarAdviceParameters",
}
_KNOWN_KINDS = {"AvatarMetadata", "AvatarSchema", *_KIND_OF_DOCUMENT.values()}


@dataclass
class ColumnSpec:
    """One column of a table."""

    field: str
    type: str | None = None  # None: the server infers it from the data
    primary_key: bool = False
    identifier: bool = False
    time_series_time: bool = False
    # ``{"kind": "FAKER", "pii_type": "EMAIL", ...}``: replaced by pseudonyms in the avatars.
    pseudonymization: dict[str, Any] | None = None


@dataclass
class LinkSpec:
    """A foreign key of a table pointing to another table's primary key."""

    field: str
    to_table: str
    to_field: str
    method: str = "bottom_projection"


@dataclass
class TableSpec:
    """One table of the schema; ``file`` is the name of the uploaded dataset."""

    name: str
    file: str
    columns: list[ColumnSpec] = field(default_factory=list)
    individual_level: bool | None = None
    links: list[LinkSpec] = field(default_factory=list)
    # dataset of avatars made elsewhere: the run computes their metrics and report
    avatars_file: str | None = None

    @property
    def column_names(self) -> list[str]:
        """Names of the columns, in order."""
        return [c.field for c in self.columns]


AVATARIZATION_METHODS = ("avatarization", "avatarization_open_dp", "avatarization_fast_dp")


@dataclass
class TableParameters:
    """Per-table parameters of the avatarization and of the metrics.

    ``method`` names the YAML mapping ``avatarization`` lives under: the avatar method (``k``),
    or one of the differentially private variants (``epsilon``).
    """

    avatarization: dict[str, Any] = field(default_factory=dict)
    method: str = "avatarization"
    # False: the metrics leave out the variables excluded from the avatarization
    use_excluded_variables_in_metrics: bool = False
    privacy_metrics: dict[str, Any] = field(default_factory=dict)
    signal_metrics: dict[str, Any] = field(default_factory=dict)
    # {projection: {projection_type, nf}, alignment: {nb_points, method}} of a time series
    time_series: dict[str, Any] = field(default_factory=dict)

    def is_complete(self) -> bool:
        """True when the avatarization can run: ``k`` given, or ``epsilon`` for DP."""
        needed = "k" if self.method == "avatarization" else "epsilon"
        return needed in self.avatarization


@dataclass
class ResourceSet:
    """Everything a run needs, before it becomes YAML."""

    display_name: str
    pia_metadata: dict[str, str] = field(default_factory=dict)
    max_distribution_plots: int | None = None
    report_language: str = "en"
    seed: int | None = None
    dask_scheduler: str | None = None
    annotations: dict[str, str] = field(default_factory=dict)
    tables: dict[str, TableSpec] = field(default_factory=dict)
    parameters: dict[str, TableParameters] = field(default_factory=dict)

    def has_avatarization_parameters(self) -> bool:
        """True when every table has its avatarization parameters (at least ``k``)."""
        return bool(self.tables) and all(
            self.parameters.get(name, TableParameters()).is_complete() or table.avatars_file
            for name, table in self.tables.items()
        )


def _document(kind: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"kind": kind, "metadata": {"name": name}, "spec": spec}


def _column_document(column: ColumnSpec) -> dict[str, Any]:
    doc: dict[str, Any] = {"field": column.field}
    if column.type is not None:
        doc["type"] = column.type
    if column.primary_key:
        doc["primary_key"] = True
    if column.identifier:
        doc["identifier"] = True
    if column.time_series_time:
        doc["time_series_time"] = True
    if column.pseudonymization:
        doc["pseudonymization"] = dict(column.pseudonymization)
    return doc


def _table_document(table: TableSpec) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "name": table.name,
        "data": {"volume": "input", "file": table.file},
    }
    if table.individual_level is not None:
        doc["individual_level"] = table.individual_level
    doc["columns"] = [_column_document(c) for c in table.columns]
    if table.links:
        doc["links"] = [
            {
                "field": link.field,
                "to": {"table": link.to_table, "field": link.to_field},
                "method": link.method,
            }
            for link in table.links
        ]
    return doc


def _avatars_document(table: TableSpec) -> dict[str, Any]:
    """A table of the avatarized schema: made by the run, or uploaded (made elsewhere)."""
    if table.avatars_file:
        return {"name": table.name,
                "avatars_data": {"volume": "input", "file": table.avatars_file}}
    return {"name": table.name, "avatars_data": {"auto": True}}


def _results(path: str) -> dict[str, str]:
    return {"volume": "results", "path": path}


def _metadata_document(rs: ResourceSet) -> dict[str, Any]:
    spec: dict[str, Any] = {"display_name": rs.display_name}
    if rs.pia_metadata:
        spec["pia_metadata"] = dict(rs.pia_metadata)
    if rs.max_distribution_plots is not None:
        spec["max_distribution_plots"] = rs.max_distribution_plots
    safe = re.sub(r"[^A-Za-z0-9_.\-]", "-", rs.display_name)[:100]
    doc = _document("AvatarMetadata", f"avatar-metadata-{safe}", spec)
    if rs.annotations:
        doc["annotations"] = dict(rs.annotations)
    return doc


def _parameter_documents(rs: ResourceSet) -> list[dict[str, Any]]:
    params = {name: rs.parameters.get(name, TableParameters()) for name in rs.tables}
    standard: dict[str, Any] = {"schema": _SCHEMA}
    if rs.seed is not None:
        standard["seed"] = rs.seed
    if rs.dask_scheduler is not None:
        standard["dask_scheduler"] = rs.dask_scheduler
    for method in AVATARIZATION_METHODS:
        chosen = {name: dict(p.avatarization) for name, p in params.items()
                  if p.method == method and (p.is_complete() or not rs.tables[name].avatars_file)}
        if chosen or method == "avatarization":
            standard[method] = chosen
    series = {name: dict(p.time_series) for name, p in params.items() if p.time_series}
    if series:
        standard["time_series"] = series
    standard["results"] = _results(STANDARD)
    metrics = []
    for kind, key in ((PRIVACY_METRICS, "privacy_metrics"), (SIGNAL_METRICS, "signal_metrics")):
        per_table = {}
        for name, p in params.items():
            values = dict(getattr(p, key))
            values.setdefault("ncp", p.avatarization.get("ncp", 5))
            excluded = p.avatarization.get("exclude_variables")
            values.pop("exclude_variables", None)
            if excluded and not p.use_excluded_variables_in_metrics:
                values["exclude_variables"] = dict(excluded)
            per_table[name] = values
        spec = {
            "schema": _SCHEMA_AVATARIZED,
            "avatarization_ref": STANDARD,
            key: per_table,
            "results": _results(kind),
        }
        metrics.append(_document(_KIND_OF_DOCUMENT[kind], kind, spec))
    report = {
        "report_type": "basic",
        "output_format": "pdf",
        "language": rs.report_language,
        "results": _results(REPORT),
    }
    return [
        _document(_KIND_OF_DOCUMENT[STANDARD], STANDARD, standard),
        *metrics,
        _document(_KIND_OF_DOCUMENT[REPORT], REPORT, report),
    ]


def build_documents(rs: ResourceSet) -> list[dict[str, Any]]:
    """Return the YAML documents of a resource set, as plain dicts.

    The avatarization, metrics and report documents are only emitted once every table has its
    avatarization parameters; the advice document is always there.
    """
    if not rs.tables:
        raise ValueError("The run has no table: call runner.add_table(name, data) first.")
    docs = [
        _metadata_document(rs),
        _document(
            "AvatarSchema",
            _SCHEMA,
            {"tables": [_table_document(t) for t in rs.tables.values()]},
        ),
        _document(
            "AvatarSchema",
            _SCHEMA_AVATARIZED,
            {
                "schema_ref": _SCHEMA,
                "tables": [_avatars_document(t) for t in rs.tables.values()],
            },
        ),
    ]
    if rs.has_avatarization_parameters():
        docs.extend(_parameter_documents(rs))
    docs.append(
        _document(
            _KIND_OF_DOCUMENT[ADVICE],
            ADVICE,
            {
                "schema": _SCHEMA,
                "advice": {"advisor_type": ["parameters"]},
                "results": _results(ADVICE),
            },
        )
    )
    return docs


def dump_resource_set(rs: ResourceSet) -> str:
    """Serialize a resource set to its multi-document YAML text.

    Example:
        >>> rs = ResourceSet("demo", tables={"t": TableSpec("t", "t.csv")})
        >>> "kind: AvatarSchema" in dump_resource_set(rs)
        True
    """
    return yaml.safe_dump_all(
        build_documents(rs), sort_keys=False, default_flow_style=False, allow_unicode=True
    )


def _require(doc: dict[str, Any], key: str, where: str) -> Any:
    if key not in doc:
        raise ValueError(f"Invalid resource-set YAML: {where} has no {key!r} field.")
    return doc[key]


def _parse_table(raw: dict[str, Any]) -> TableSpec:
    name = str(_require(raw, "name", "a table of the schema"))
    data = _require(raw, "data", f"table {name!r}")
    columns = [
        ColumnSpec(
            field=str(_require(c, "field", f"a column of table {name!r}")),
            type=None if c.get("type") is None else str(c["type"]),
            primary_key=bool(c.get("primary_key", False)),
            identifier=bool(c.get("identifier", False)),
            time_series_time=bool(c.get("time_series_time", False)),
            pseudonymization=(
                dict(c["pseudonymization"]) if isinstance(c.get("pseudonymization"), dict) else None
            ),
        )
        for c in raw.get("columns") or []
    ]
    links = [
        LinkSpec(
            field=str(link["field"]),
            to_table=str(link["to"]["table"]),
            to_field=str(link["to"]["field"]),
            method=str(link.get("method", "bottom_projection")),
        )
        for link in raw.get("links") or []
    ]
    return TableSpec(
        name=name,
        file=str(_require(data, "file", f"the data of table {name!r}")),
        columns=columns,
        individual_level=raw.get("individual_level"),
        links=links,
    )


def _split_documents(text: str) -> Iterable[dict[str, Any]]:
    try:
        documents = list(yaml.safe_load_all(text))
    except yaml.YAMLError as exc:
        raise ValueError(f"Invalid resource-set YAML: {exc}") from None
    for doc in documents:
        if doc is None:
            continue
        if not isinstance(doc, dict):
            raise ValueError("Invalid resource-set YAML: every document must be a mapping.")
        kind = _require(doc, "kind", "a document")
        if kind not in _KNOWN_KINDS:
            raise ValueError(
                f"Invalid resource-set YAML: unknown kind {kind!r}; "
                f"known kinds are {sorted(_KNOWN_KINDS)}."
            )
        yield doc


def load_resource_set(text: str, display_name: str | None = None) -> ResourceSet:
    """Parse a resource-set YAML into a :class:`ResourceSet`.

    Args:
        text: the multi-document YAML.
        display_name: overrides the display name written in the YAML.

    Raises:
        ValueError: the YAML is not a valid resource set (the message says what is wrong).

    Example:
        >>> rs = load_resource_set(dump_resource_set(ResourceSet("d", tables={
        ...     "t": TableSpec("t", "t.csv")})))
        >>> list(rs.tables)
        ['t']
    """
    rs = ResourceSet(display_name=display_name or "")
    for doc in _split_documents(text):
        kind, spec = doc["kind"], doc.get("spec") or {}
        name = (doc.get("metadata") or {}).get("name")
        if kind == "AvatarMetadata":
            rs.display_name = display_name or str(spec.get("display_name", ""))
            rs.pia_metadata = {str(k): str(v) for k, v in (spec.get("pia_metadata") or {}).items()}
            rs.max_distribution_plots = spec.get("max_distribution_plots")
            rs.annotations = {str(k): str(v) for k, v in (doc.get("annotations") or {}).items()}
        elif kind == "AvatarSchema" and name == _SCHEMA:
            for raw in _require(spec, "tables", "the schema"):
                table = _parse_table(raw)
                rs.tables[table.name] = table
        elif kind == "AvatarSchema":
            for raw in spec.get("tables") or []:
                avatars = raw.get("avatars_data") or {}
                avatarized = rs.tables.get(str(raw.get("name")))
                if avatarized is not None and avatars.get("file") and not avatars.get("auto"):
                    avatarized.avatars_file = str(avatars["file"])
        elif kind == _KIND_OF_DOCUMENT[STANDARD]:
            rs.seed = spec.get("seed")
            rs.dask_scheduler = spec.get("dask_scheduler")
            plots = (spec.get("results") or {}).get("max_distribution_plots")
            if rs.max_distribution_plots is None and plots is not None:
                rs.max_distribution_plots = int(plots)
            for method in AVATARIZATION_METHODS:
                for table, values in (spec.get(method) or {}).items():
                    params = rs.parameters.setdefault(table, TableParameters())
                    params.avatarization, params.method = dict(values), method
            for table, values in (spec.get("time_series") or {}).items():
                series = rs.parameters.setdefault(table, TableParameters()).time_series
                series.update(
                    {key: dict(value) for key, value in (values or {}).items() if value}
                )
        elif kind == _KIND_OF_DOCUMENT[PRIVACY_METRICS]:
            for table, values in (spec.get("privacy_metrics") or {}).items():
                rs.parameters.setdefault(table, TableParameters()).privacy_metrics = dict(values)
        elif kind == _KIND_OF_DOCUMENT[SIGNAL_METRICS]:
            for table, values in (spec.get("signal_metrics") or {}).items():
                rs.parameters.setdefault(table, TableParameters()).signal_metrics = dict(values)
        elif kind == _KIND_OF_DOCUMENT[REPORT]:
            rs.report_language = str(spec.get("language", "en"))
    for params in rs.parameters.values():
        if params.avatarization.get("exclude_variables"):
            repeated = "exclude_variables" in params.privacy_metrics or (
                "exclude_variables" in params.signal_metrics)
            params.use_excluded_variables_in_metrics = not repeated
    unknown = sorted(set(rs.parameters) - set(rs.tables))
    if unknown:
        raise ValueError(
            f"Invalid resource-set YAML: parameters given for tables {unknown} "
            "that the schema does not declare."
        )
    if not rs.display_name:
        raise ValueError(
            "Invalid resource-set YAML: no display name (AvatarMetadata spec.display_name)."
        )
    return rs
