"""Parse and validate resource-set YAML (the run configuration of a set of jobs).

A resource set is a multi-document YAML file in the format of the established avatar platform:
every document is ``{kind, metadata: {name}, spec: {...}}``. Parsing is defensive (size cap, no
anchors/aliases, no explicit tags, bounded nesting and node count, no duplicate keys) and every
problem is reported as a :class:`ResourceSetError` whose ``detail`` names the document, the YAML
path and what to do.

Example:
    >>> rs = parse_resource_set(text, max_bytes=1_000_000)
    >>> validate_resource_set(rs, lambda name: ["a", "b"] if name == "t.csv" else None)
    >>> rs.job_kind("standard")
    'standard'
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = [
    "ADVICE_KIND",
    "JOB_KINDS",
    "MAX_DEPTH",
    "AdviceDocument",
    "AvatarizationDocument",
    "ColumnSpec",
    "MetadataDocument",
    "MetricsDocument",
    "ReportDocument",
    "ResourceSet",
    "ResourceSetError",
    "SchemaDocument",
    "TableAvatarization",
    "TableMetrics",
    "TableSpec",
    "parse_resource_set",
    "validate_resource_set",
]

MAX_DEPTH = 32
MAX_NODES = 200_000
MAX_DOCUMENTS = 100
ADVICE_KIND = "advice"
JOB_KINDS = ("standard", "privacy_metrics", "signal_metrics", "report", ADVICE_KIND)

_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$"
_NAME_RE = re.compile(_NAME_PATTERN)
_TABLE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,127}$"

try:  # the C loader is much faster; the pure-Python one behaves identically
    _BaseLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - libyaml missing
    _BaseLoader = yaml.SafeLoader


class ResourceSetError(Exception):
    """A resource set that cannot be accepted; the server answers 422 ``{detail, code}``.

    Attributes:
        code: Stable snake_case error code (e.g. ``unknown_field``).
        detail: What is wrong, where, and how to fix it.

    Example:
        >>> raise ResourceSetError("spec.avatarization.wbcd.k: must be >= 2", "invalid_parameter")
    """

    def __init__(self, detail: str, code: str = "invalid_resource_set") -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code


# --------------------------------------------------------------------------- models

Name = Annotated[str, Field(pattern=_NAME_PATTERN)]
TableName = Annotated[str, Field(pattern=_TABLE_PATTERN)]
ShortText = Annotated[str, Field(max_length=256)]
ColumnName = Annotated[str, Field(min_length=1, max_length=1024)]
ColumnTypeName = Literal["int", "float", "bool", "category", "datetime", "datetime_tz"]
ImputationName = Literal["knn", "mode", "median", "mean", "fast_knn"]
ExcludeStrategyName = Literal["row_order", "coordinate_similarity"]
LinkMethod = Literal[
    "bottom_projection",
    "top_projection",
    "linear_sum_assignment",
    "minimum_distance_assignment",
    "sensitive_original_order_assignment",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class DocumentMetadata(_Model):
    """``metadata`` of every document."""

    name: Name


class PiaMetadata(_Model):
    """Privacy-impact-assessment facts printed in the report."""

    datarecipient: ShortText = "unknown"
    data_type: ShortText = "unknown"
    datasubject: ShortText = "unknown"
    sensitivity_level: ShortText = "undefined"


class MetadataSpec(_Model):
    """``spec`` of ``AvatarMetadata``."""

    display_name: Annotated[str, Field(min_length=1, max_length=256)]
    pia_metadata: PiaMetadata | None = None
    max_distribution_plots: Annotated[int, Field(ge=1, le=1000)] | None = None
    language: Literal["en", "fr"] | None = None


class MetadataDocument(_Model):
    """``kind: AvatarMetadata``."""

    kind: Literal["AvatarMetadata"]
    metadata: DocumentMetadata
    spec: MetadataSpec
    annotations: dict[ShortText, ShortText] = Field(default_factory=dict)


class VolumeSpec(_Model):
    """``spec`` of ``AvatarVolume`` (accepted for compatibility; data come from uploads)."""

    url: Annotated[str, Field(max_length=2048)]


class VolumeDocument(_Model):
    """``kind: AvatarVolume``."""

    kind: Literal["AvatarVolume"]
    metadata: DocumentMetadata
    spec: VolumeSpec


class ColumnSpec(_Model):
    """One declared column of a table."""

    field: ColumnName
    type: ColumnTypeName | None = None
    primary_key: bool = False
    identifier: bool = False
    time_series_time: bool = False


class TableData(_Model):
    """Where a table's original data are: ``file`` is the name of an uploaded dataset."""

    volume: ShortText = "input"
    file: Annotated[str, Field(min_length=1, max_length=255)]


class AvatarsData(_Model):
    """Where a table's avatars are: only ``auto: true`` (produced by the standard job)."""

    auto: bool = True
    volume: ShortText | None = None
    file: ShortText | None = None


class LinkTarget(_Model):
    """The other end of a link."""

    table: TableName
    field: ColumnName


class LinkSpec(_Model):
    """A link between two tables of a schema."""

    field: ColumnName
    to: LinkTarget
    method: LinkMethod = "bottom_projection"


class TableSpec(_Model):
    """One table of a schema."""

    name: TableName
    data: TableData | None = None
    avatars_data: AvatarsData | None = None
    individual_level: bool | None = None
    columns: list[ColumnSpec] = Field(default_factory=list, max_length=10_000)
    links: list[LinkSpec] = Field(default_factory=list, max_length=1000)

    def primary_key(self) -> str | None:
        """The primary-key column, if one is declared."""
        return next((c.field for c in self.columns if c.primary_key), None)

    def identifier_columns(self) -> list[str]:
        """Primary-key, identifier and link columns: kept out of the avatarization."""
        names = [c.field for c in self.columns if c.primary_key or c.identifier]
        names += [link.field for link in self.links]
        return list(dict.fromkeys(names))

    def column_types(self) -> dict[str, str]:
        """Declared column types (columns without a type are inferred by the engine)."""
        return {c.field: c.type for c in self.columns if c.type is not None}


class SchemaSpec(_Model):
    """``spec`` of ``AvatarSchema``."""

    tables: Annotated[list[TableSpec], Field(min_length=1, max_length=100)]
    schema_ref: Name | None = None


class SchemaDocument(_Model):
    """``kind: AvatarSchema`` (original schema, or avatarized one with ``schema_ref``)."""

    kind: Literal["AvatarSchema"]
    metadata: DocumentMetadata
    spec: SchemaSpec


class ImputationSpec(_Model):
    """How missing values are imputed before the projection."""

    method: ImputationName = "knn"
    k: Annotated[int, Field(ge=1, le=1000)] = 5
    training_fraction: Annotated[float, Field(gt=0.0, le=1.0)] = 1.0
    return_data_imputed: bool = False


class ExcludeVariablesSpec(_Model):
    """Variables kept out of the projection and re-attached afterwards."""

    variable_names: Annotated[list[ColumnName], Field(min_length=1)]
    replacement_strategy: ExcludeStrategyName = "coordinate_similarity"


class TableAvatarization(_Model):
    """Avatarization parameters of one table."""

    k: Annotated[int, Field(ge=2, le=10_000)]
    ncp: Annotated[int, Field(ge=1, le=1000)] = 5
    column_weights: dict[ColumnName, Annotated[float, Field(gt=0.0, le=1e6)]] | None = None
    use_categorical_reduction: bool = False
    imputation: ImputationSpec | None = None
    exclude_variables: ExcludeVariablesSpec | None = None


class ResultsSpec(_Model):
    """Where results go (kept for compatibility; the server stores them per job)."""

    volume: ShortText = "results"
    path: ShortText | None = None


class AvatarizationSpec(_Model):
    """``spec`` of ``AvatarParameters``."""

    schema_name: Name = Field(alias="schema")
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] | None = None
    avatarization: Annotated[dict[TableName, TableAvatarization], Field(min_length=1)]
    results: ResultsSpec | None = None


class AvatarizationDocument(_Model):
    """``kind: AvatarParameters`` (a ``standard`` job)."""

    kind: Literal["AvatarParameters"]
    metadata: DocumentMetadata
    spec: AvatarizationSpec


class TableMetrics(_Model):
    """Metric parameters of one table."""

    ncp: Annotated[int, Field(ge=1, le=1000)] = 5
    known_variables: list[ColumnName] | None = None
    target: ColumnName | None = None
    use_categorical_reduction: bool = False


class _MetricsSpecBase(_Model):
    schema_name: Name = Field(alias="schema")
    avatarization_ref: Name
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] | None = None
    results: ResultsSpec | None = None


class PrivacyMetricsSpec(_MetricsSpecBase):
    """``spec`` of ``AvatarPrivacyMetricsParameters``."""

    privacy_metrics: dict[TableName, TableMetrics] = Field(default_factory=dict)


class SignalMetricsSpec(_MetricsSpecBase):
    """``spec`` of ``AvatarSignalMetricsParameters``."""

    signal_metrics: dict[TableName, TableMetrics] = Field(default_factory=dict)


class PrivacyMetricsDocument(_Model):
    """``kind: AvatarPrivacyMetricsParameters``."""

    kind: Literal["AvatarPrivacyMetricsParameters"]
    metadata: DocumentMetadata
    spec: PrivacyMetricsSpec


class SignalMetricsDocument(_Model):
    """``kind: AvatarSignalMetricsParameters``."""

    kind: Literal["AvatarSignalMetricsParameters"]
    metadata: DocumentMetadata
    spec: SignalMetricsSpec


MetricsDocument = PrivacyMetricsDocument | SignalMetricsDocument


class ReportSpec(_Model):
    """``spec`` of ``AvatarReportParameters``."""

    report_type: Literal["basic", "pia"] = "basic"
    output_format: Literal["pdf"] = "pdf"
    language: Literal["en", "fr"] | None = None
    results: ResultsSpec | None = None


class ReportDocument(_Model):
    """``kind: AvatarReportParameters``."""

    kind: Literal["AvatarReportParameters"]
    metadata: DocumentMetadata
    spec: ReportSpec


class AdviceOptions(_Model):
    """What to advise on."""

    advisor_type: Annotated[list[Literal["parameters", "variables"]], Field(min_length=1)] = Field(
        default_factory=lambda: ["parameters"]  # type: ignore[arg-type]
    )


class AdviceSpec(_Model):
    """``spec`` of ``AvatarAdviceParameters``."""

    schema_name: Name = Field(alias="schema")
    advice: AdviceOptions = Field(default_factory=AdviceOptions)
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] | None = None
    results: ResultsSpec | None = None


class AdviceDocument(_Model):
    """``kind: AvatarAdviceParameters``."""

    kind: Literal["AvatarAdviceParameters"]
    metadata: DocumentMetadata
    spec: AdviceSpec


ParametersDocument = (
    AvatarizationDocument
    | PrivacyMetricsDocument
    | SignalMetricsDocument
    | ReportDocument
    | AdviceDocument
)

_DOCUMENT_MODELS: dict[str, type[_Model]] = {
    "AvatarMetadata": MetadataDocument,
    "AvatarVolume": VolumeDocument,
    "AvatarSchema": SchemaDocument,
    "AvatarParameters": AvatarizationDocument,
    "AvatarPrivacyMetricsParameters": PrivacyMetricsDocument,
    "AvatarSignalMetricsParameters": SignalMetricsDocument,
    "AvatarReportParameters": ReportDocument,
    "AvatarAdviceParameters": AdviceDocument,
}
_JOB_KIND_OF: dict[type[_Model], str] = {
    AvatarizationDocument: "standard",
    PrivacyMetricsDocument: "privacy_metrics",
    SignalMetricsDocument: "signal_metrics",
    ReportDocument: "report",
    AdviceDocument: ADVICE_KIND,
}


# --------------------------------------------------------------------------- resource set


class ResourceSet:
    """A parsed, internally consistent resource set.

    Example:
        >>> rs = parse_resource_set(text, max_bytes=1_000_000)
        >>> rs.parameter_names()
        ['standard', 'privacy_metrics', 'signal_metrics', 'report']
    """

    def __init__(self, raw: str, documents: list[_Model]) -> None:
        self._raw = raw
        self.documents = documents
        self.metadata: MetadataDocument | None = next(
            (d for d in documents if isinstance(d, MetadataDocument)), None
        )
        self.schemas: dict[str, SchemaDocument] = {
            d.metadata.name: d for d in documents if isinstance(d, SchemaDocument)
        }
        self.parameters: dict[str, ParametersDocument] = {
            d.metadata.name: d
            for d in documents
            if isinstance(
                d,
                AvatarizationDocument
                | PrivacyMetricsDocument
                | SignalMetricsDocument
                | ReportDocument
                | AdviceDocument,
            )
        }

    @property
    def display_name(self) -> str:
        """The ``display_name`` of the ``AvatarMetadata`` document ('' when there is none)."""
        return self.metadata.spec.display_name if self.metadata else ""

    @property
    def language(self) -> str:
        """Report language: the report document's, else the metadata's, else ``en``."""
        for doc in self.parameters.values():
            if isinstance(doc, ReportDocument) and doc.spec.language:
                return doc.spec.language
        if self.metadata and self.metadata.spec.language:
            return self.metadata.spec.language
        return "en"

    @property
    def pia_metadata(self) -> dict[str, str]:
        """PIA facts for the report (defaults when the YAML gives none)."""
        pia = self.metadata.spec.pia_metadata if self.metadata else None
        return (pia or PiaMetadata()).model_dump()

    @property
    def max_distribution_plots(self) -> int | None:
        """Cap on per-variable distribution plots, if set."""
        return self.metadata.spec.max_distribution_plots if self.metadata else None

    def parameter_names(self) -> list[str]:
        """Names of the documents a job can run, in file order."""
        return list(self.parameters)

    def job_kind(self, parameters_name: str) -> str | None:
        """Job kind of the parameters document ``parameters_name``, or None if there is none.

        Example:
            >>> rs.job_kind("standard"), rs.job_kind("nope")
            ('standard', None)
        """
        doc = self.parameters.get(parameters_name)
        return _JOB_KIND_OF[type(doc)] if doc is not None else None

    def base_schema(self, name: str) -> SchemaDocument:
        """The original schema ``name`` refers to (following ``schema_ref`` once)."""
        schema = self.schemas[name]
        if schema.spec.schema_ref is not None:
            return self.schemas[schema.spec.schema_ref]
        return schema

    def tables(self) -> list[TableSpec]:
        """All tables of the original schemas."""
        return [
            table
            for schema in self.schemas.values()
            if schema.spec.schema_ref is None
            for table in schema.spec.tables
        ]

    def dataset_names(self) -> list[str]:
        """Names of the uploaded datasets the set reads, each once, in file order."""
        names = [table.data.file for table in self.tables() if table.data is not None]
        return list(dict.fromkeys(names))

    def to_yaml(self) -> str:
        """The YAML text as submitted."""
        return self._raw


# --------------------------------------------------------------------------- parsing


def _check_events(yaml_text: str) -> None:
    """Reject aliases, explicit tags, deep nesting and huge node counts before building."""
    depth = 0
    nodes = 0
    documents = 0
    for event in yaml.parse(yaml_text, Loader=_BaseLoader):
        if isinstance(event, yaml.AliasEvent):
            raise ResourceSetError(
                f"YAML anchors and aliases are not allowed in a resource set ({_where(event)}); "
                "write the values out in full.",
                "invalid_yaml",
            )
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > MAX_DOCUMENTS:
                raise ResourceSetError(
                    f"too many YAML documents (more than {MAX_DOCUMENTS}); "
                    "split the configuration into several resource sets.",
                    "invalid_yaml",
                )
        if isinstance(event, yaml.NodeEvent):
            nodes += 1
            if nodes > MAX_NODES:
                raise ResourceSetError(
                    f"the YAML has more than {MAX_NODES} values; simplify it.", "invalid_yaml"
                )
            if getattr(event, "anchor", None) is not None:
                raise ResourceSetError(
                    f"YAML anchors (&{event.anchor}) are not allowed in a resource set "
                    f"({_where(event)}); write the values out in full.",
                    "invalid_yaml",
                )
            if _explicit_tag(event):
                raise ResourceSetError(
                    f"YAML tags such as {getattr(event, 'tag', '')!s} are not allowed "
                    f"({_where(event)}); remove the tag.",
                    "invalid_yaml",
                )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise ResourceSetError(
                    f"the YAML is nested more than {MAX_DEPTH} levels deep ({_where(event)}).",
                    "invalid_yaml",
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _explicit_tag(event: yaml.Event) -> bool:
    tag = getattr(event, "tag", None)
    if tag is None:
        return False
    implicit = getattr(event, "implicit", True)
    if isinstance(event, yaml.ScalarEvent):
        return not any(typing.cast(tuple[bool, bool], implicit))
    return not implicit


def _where(event: yaml.Event | yaml.MarkedYAMLError) -> str:
    mark = getattr(event, "start_mark", None) or getattr(event, "problem_mark", None)
    if mark is None:
        return "unknown position"
    return f"line {mark.line + 1}, column {mark.column + 1}"


class _NoDuplicatesLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """Safe loader that refuses duplicate mapping keys instead of keeping the last one."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) and key is not None:
                raise ResourceSetError(
                    f"mapping keys must be plain strings ({_where(key_node)}).", "invalid_yaml"
                )
            if key in seen:
                raise ResourceSetError(
                    f"duplicate key {key!r} ({_where(key_node)}); keep only one.", "invalid_yaml"
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _load_documents(yaml_text: str, max_bytes: int) -> list[Any]:
    size = len(yaml_text.encode("utf-8", errors="surrogatepass"))
    if size > max_bytes:
        raise ResourceSetError(
            f"the resource set is {size} bytes; the limit is {max_bytes} bytes.",
            "resource_set_too_large",
        )
    if "\x00" in yaml_text:
        raise ResourceSetError(
            "the resource set contains a NUL character; send UTF-8 YAML text.", "invalid_yaml"
        )
    try:
        _check_events(yaml_text)
        documents = list(yaml.load_all(yaml_text, Loader=_NoDuplicatesLoader))
    except yaml.MarkedYAMLError as exc:
        problem = exc.problem or exc.context or "syntax error"
        raise ResourceSetError(
            f"invalid YAML at {_where(exc)}: {problem}; fix the syntax.", "invalid_yaml"
        ) from None
    except yaml.YAMLError as exc:
        raise ResourceSetError(f"invalid YAML: {exc}; fix the syntax.", "invalid_yaml") from None
    except RecursionError:
        raise ResourceSetError(
            f"the YAML is nested more than {MAX_DEPTH} levels deep.", "invalid_yaml"
        ) from None
    documents = [d for d in documents if d is not None]
    if not documents:
        raise ResourceSetError(
            "the resource set is empty; send at least an AvatarSchema and an AvatarParameters "
            "document.",
            "invalid_resource_set",
        )
    return documents


def _document_label(index: int, raw: Any) -> str:
    kind = raw.get("kind") if isinstance(raw, dict) else None
    meta = raw.get("metadata") if isinstance(raw, dict) else None
    name = meta.get("name") if isinstance(meta, dict) else None
    label = f"document {index + 1}"
    if isinstance(kind, str):
        label += f" ({kind[:64]}"
        label += f" {str(name)[:64]!r})" if name is not None else ")"
    return label


def _build_document(index: int, raw: Any) -> _Model:
    label = _document_label(index, raw)
    if not isinstance(raw, dict):
        raise ResourceSetError(
            f"{label}: each YAML document must be a mapping with kind, metadata and spec.",
            "invalid_resource_set",
        )
    kind = raw.get("kind")
    model = _DOCUMENT_MODELS.get(kind) if isinstance(kind, str) else None
    if model is None:
        shown = "missing" if kind is None else repr(str(kind)[:64])
        raise ResourceSetError(
            f"{label}: unknown kind {shown}; expected one of {', '.join(_DOCUMENT_MODELS)}.",
            "unknown_kind",
        )
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise _validation_error(label, model, exc) from None


def _validation_error(label: str, model: type[BaseModel], exc: ValidationError) -> ResourceSetError:
    messages: list[str] = []
    codes: list[str] = []
    for error in exc.errors(include_url=False)[:5]:
        loc = tuple(error["loc"])
        path = _format_loc(loc)
        if error["type"] == "extra_forbidden":
            parent = _model_at(model, loc[:-1])
            expected = ", ".join(_field_names(parent)) if parent else "?"
            messages.append(f"{path}: unknown field; expected one of {expected}")
            codes.append("unknown_field")
        elif error["type"] == "missing":
            messages.append(f"{path}: required field is missing")
            codes.append("missing_field")
        else:
            value = error.get("input")
            shown = f" (got {_short(value)})" if not isinstance(value, dict | list) else ""
            messages.append(f"{path}: {_friendly(error)}{shown}")
            codes.append("invalid_parameter")
    if exc.error_count() > 5:
        messages.append(f"... and {exc.error_count() - 5} more problems")
    code = codes[0] if len(set(codes)) == 1 else "invalid_resource_set"
    return ResourceSetError(f"{label}: " + "; ".join(messages) + ".", code)


def _friendly(error: Any) -> str:
    if error["type"] == "string_pattern_mismatch":
        return (
            "must be a simple name: 1-128 letters, digits, '_' or '-' (and '.' for dataset and "
            "document names), starting with a letter or digit, no path"
        )
    return str(error["msg"])


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _format_loc(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item)[:80])
    return "".join(parts) or "(document)"


def _field_names(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """Follow ``loc`` through the model's annotations to the model at that location."""
    current: Any = model
    for item in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = next(
                (f for n, f in current.model_fields.items() if (f.alias or n) == item), None
            )
            if field is None:
                return None
            current = field.annotation
        elif typing.get_origin(current) in (dict, list):
            current = typing.get_args(current)[-1]
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """Strip Optional/Annotated wrappers; keep the first model or container found."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0]
        else:
            return annotation


def parse_resource_set(yaml_text: str, *, max_bytes: int) -> ResourceSet:
    """Parse a multi-document resource-set YAML and check it is internally consistent.

    Args:
        yaml_text: The YAML text (UTF-8 decoded).
        max_bytes: Size cap of the UTF-8 encoded text.

    Returns:
        The parsed resource set (references between documents resolved).

    Raises:
        ResourceSetError: With a ``detail`` naming the document, YAML path and fix.

    Example:
        >>> rs = parse_resource_set(open("set.yaml").read(), max_bytes=1_000_000)
        >>> rs.dataset_names()
        ['wbcd.csv']
    """
    raw_documents = _load_documents(yaml_text, max_bytes)
    documents = [_build_document(i, raw) for i, raw in enumerate(raw_documents)]
    resource_set = ResourceSet(yaml_text, documents)
    _check_structure(documents, resource_set)
    return resource_set


# --------------------------------------------------------------------------- consistency


def _check_structure(documents: list[_Model], rs: ResourceSet) -> None:
    _check_unique_names(documents)
    if sum(isinstance(d, MetadataDocument) for d in documents) > 1:
        raise ResourceSetError(
            "more than one AvatarMetadata document; keep exactly one.", "invalid_resource_set"
        )
    for schema in rs.schemas.values():
        _check_schema(schema, rs)
    if not rs.parameters:
        raise ResourceSetError(
            "the resource set has no parameters document (AvatarParameters, "
            "AvatarPrivacyMetricsParameters, AvatarSignalMetricsParameters, "
            "AvatarReportParameters or AvatarAdviceParameters); add one to run a job.",
            "invalid_resource_set",
        )
    for name, doc in rs.parameters.items():
        _check_parameters(name, doc, rs)


def _check_unique_names(documents: list[_Model]) -> None:
    seen: dict[str, str] = {}
    for doc in documents:
        name = doc.metadata.name  # type: ignore[attr-defined]
        kind = doc.kind  # type: ignore[attr-defined]
        if name in seen:
            raise ResourceSetError(
                f"two documents are named {name!r} ({seen[name]} and {kind}); "
                "give each document a unique metadata.name.",
                "duplicate_name",
            )
        seen[name] = kind


def _check_schema(schema: SchemaDocument, rs: ResourceSet) -> None:
    label = f"AvatarSchema {schema.metadata.name!r}"
    names = [t.name for t in schema.spec.tables]
    _no_duplicates(label, "table", names)
    ref = schema.spec.schema_ref
    if ref is not None:
        base = rs.schemas.get(ref)
        if base is None or base.spec.schema_ref is not None:
            raise ResourceSetError(
                f"{label}: spec.schema_ref {ref!r} does not name an original AvatarSchema "
                f"(known: {_known(s for s, d in rs.schemas.items() if d.spec.schema_ref is None)})",
                "invalid_reference",
            )
        base_tables = {t.name for t in base.spec.tables}
        for i, table in enumerate(schema.spec.tables):
            if table.name not in base_tables:
                raise ResourceSetError(
                    f"{label}: spec.tables[{i}].name {table.name!r} is not a table of schema "
                    f"{ref!r} (known: {_known(base_tables)}).",
                    "invalid_reference",
                )
            if table.avatars_data is not None and not table.avatars_data.auto:
                raise ResourceSetError(
                    f"{label}: spec.tables[{i}].avatars_data: precomputed avatar files are not "
                    "supported; use avatars_data: {auto: true}.",
                    "invalid_parameter",
                )
        return
    for i, table in enumerate(schema.spec.tables):
        where = f"{label}: spec.tables[{i}] ({table.name})"
        if table.data is None:
            raise ResourceSetError(
                f"{where}: data is missing; add data: {{volume: input, file: <dataset name>}}.",
                "missing_field",
            )
        _check_dataset_name(where, table.data.file)
        _no_duplicates(where, "column", [c.field for c in table.columns])
        keys = [c.field for c in table.columns if c.primary_key]
        if len(keys) > 1:
            raise ResourceSetError(
                f"{where}: several primary keys ({', '.join(keys)}); declare at most one.",
                "invalid_parameter",
            )
        for j, link in enumerate(table.links):
            if link.to.table not in names:
                raise ResourceSetError(
                    f"{where}.links[{j}].to.table {link.to.table!r} is not a table of this "
                    f"schema (known: {_known(names)}).",
                    "invalid_reference",
                )
            if link.to.table == table.name:
                raise ResourceSetError(
                    f"{where}.links[{j}]: a table cannot link to itself.", "invalid_reference"
                )


def _check_dataset_name(where: str, name: str) -> None:
    if not _NAME_RE.match(name) or ".." in name:
        raise ResourceSetError(
            f"{where}: data.file {_short(name)} is not a valid dataset name; use the name of an "
            "uploaded dataset (letters, digits, '_', '-', '.', no path).",
            "invalid_parameter",
        )


def _check_parameters(name: str, doc: ParametersDocument, rs: ResourceSet) -> None:
    label = f"{doc.kind} {name!r}"
    if isinstance(doc, ReportDocument):
        return
    schema_name = doc.spec.schema_name
    if schema_name not in rs.schemas:
        raise ResourceSetError(
            f"{label}: spec.schema {schema_name!r} is not an AvatarSchema of this set "
            f"(known: {_known(rs.schemas)}).",
            "invalid_reference",
        )
    tables = {t.name for t in rs.base_schema(schema_name).spec.tables}
    if isinstance(doc, AvatarizationDocument):
        if rs.schemas[schema_name].spec.schema_ref is not None:
            raise ResourceSetError(
                f"{label}: spec.schema {schema_name!r} is an avatarized schema; an "
                "AvatarParameters document must name the original schema.",
                "invalid_reference",
            )
        _tables_exist(label, "spec.avatarization", doc.spec.avatarization, tables)
        missing = sorted(tables - set(doc.spec.avatarization))
        if missing:
            raise ResourceSetError(
                f"{label}: spec.avatarization has no parameters for table(s) "
                f"{', '.join(missing)}; add e.g. spec.avatarization.{missing[0]}: {{k: 20}}.",
                "missing_field",
            )
    elif isinstance(doc, PrivacyMetricsDocument | SignalMetricsDocument):
        ref = rs.parameters.get(doc.spec.avatarization_ref)
        if not isinstance(ref, AvatarizationDocument):
            known = [n for n, d in rs.parameters.items() if isinstance(d, AvatarizationDocument)]
            raise ResourceSetError(
                f"{label}: spec.avatarization_ref {doc.spec.avatarization_ref!r} does not name "
                f"an AvatarParameters document (known: {_known(known)}).",
                "invalid_reference",
            )
        if rs.base_schema(ref.spec.schema_name) is not rs.base_schema(schema_name):
            raise ResourceSetError(
                f"{label}: spec.schema {schema_name!r} and the schema of "
                f"{doc.spec.avatarization_ref!r} ({ref.spec.schema_name!r}) describe different "
                "tables; use the avatarized schema of the same original schema.",
                "invalid_reference",
            )
        per_table = (
            doc.spec.privacy_metrics
            if isinstance(doc, PrivacyMetricsDocument)
            else doc.spec.signal_metrics
        )
        field = "privacy_metrics" if isinstance(doc, PrivacyMetricsDocument) else "signal_metrics"
        _tables_exist(label, f"spec.{field}", per_table, tables)


def _tables_exist(label: str, path: str, per_table: Mapping[str, Any], tables: set[str]) -> None:
    for table in per_table:
        if table not in tables:
            raise ResourceSetError(
                f"{label}: {path}.{table}: no table {table!r} in the schema "
                f"(known: {_known(tables)}).",
                "unknown_table",
            )


def _no_duplicates(label: str, what: str, names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ResourceSetError(
                f"{label}: {what} {name!r} is declared twice; declare it once.",
                f"duplicate_{what}",
            )
        seen.add(name)


def _known(names: Any) -> str:
    listed = sorted(str(n) for n in names)
    return ", ".join(listed[:20]) + (" ..." if len(listed) > 20 else "") if listed else "none"


# --------------------------------------------------------------------------- datasets


def validate_resource_set(
    rs: ResourceSet, dataset_columns: Callable[[str], list[str] | None]
) -> None:
    """Check the set against the user's datasets: files exist, named columns exist.

    Args:
        rs: A set returned by :func:`parse_resource_set`.
        dataset_columns: Dataset name -> its column names, or None if the user has no such
            dataset.

    Raises:
        ResourceSetError: ``unknown_dataset`` or ``unknown_column`` with the fix.

    Example:
        >>> validate_resource_set(rs, {"wbcd.csv": ["Class", "Mitoses"]}.get)
    """
    columns_of: dict[str, list[str]] = {}
    for table in rs.tables():
        assert table.data is not None  # checked by parse_resource_set
        columns = dataset_columns(table.data.file)
        if columns is None:
            raise ResourceSetError(
                f"table {table.name!r}: dataset {table.data.file!r} not found; upload it first "
                f"(PUT /api/datasets/{table.data.file}) or fix data.file.",
                "unknown_dataset",
            )
        columns_of[table.name] = list(columns)
    for table in rs.tables():
        available = columns_of[table.name]
        for i, spec in enumerate(table.columns):
            _column_exists(f"table {table.name!r}: columns[{i}].field", spec.field, available)
        for j, link in enumerate(table.links):
            _column_exists(f"table {table.name!r}: links[{j}].field", link.field, available)
            _column_exists(
                f"table {table.name!r}: links[{j}].to.field",
                link.to.field,
                columns_of.get(link.to.table, []),
            )
    for name, doc in rs.parameters.items():
        for table_name, used in _columns_used(doc):
            available = columns_of.get(table_name, [])
            for path, column in used:
                _column_exists(f"{doc.kind} {name!r}: {path}", column, available)


def _columns_used(doc: ParametersDocument) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    if isinstance(doc, AvatarizationDocument):
        for table, params in doc.spec.avatarization.items():
            base = f"spec.avatarization.{table}"
            used = [(f"{base}.column_weights", c) for c in params.column_weights or {}]
            if params.exclude_variables:
                used += [
                    (f"{base}.exclude_variables.variable_names", c)
                    for c in params.exclude_variables.variable_names
                ]
            yield table, used
    elif isinstance(doc, PrivacyMetricsDocument | SignalMetricsDocument):
        per_table = (
            doc.spec.privacy_metrics
            if isinstance(doc, PrivacyMetricsDocument)
            else doc.spec.signal_metrics
        )
        for table, metrics in per_table.items():
            base = f"spec.{'privacy' if isinstance(doc, PrivacyMetricsDocument) else 'signal'}"
            base += f"_metrics.{table}"
            used = [(f"{base}.known_variables", c) for c in metrics.known_variables or []]
            if metrics.target is not None:
                used.append((f"{base}.target", metrics.target))
            yield table, used


def _column_exists(where: str, column: str, available: list[str]) -> None:
    if column not in available:
        shown = ", ".join(available[:30]) + (" ..." if len(available) > 30 else "")
        raise ResourceSetError(
            f"{where}: column {_short(column)} is not in the dataset (columns: {shown or 'none'}); "
            "fix the name or upload the right file.",
            "unknown_column",
        )
