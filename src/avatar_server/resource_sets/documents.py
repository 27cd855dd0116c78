"""The documents of a resource set, as frozen pydantic models (one per ``kind``)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

ADVICE_KIND = "advice"
JOB_KINDS = ("standard", "privacy_metrics", "signal_metrics", "report", ADVICE_KIND)

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$"
NAME_RE = re.compile(NAME_PATTERN)
TABLE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,127}$"

# --------------------------------------------------------------------------- models

Name = Annotated[str, Field(pattern=NAME_PATTERN)]
TableName = Annotated[str, Field(pattern=TABLE_PATTERN)]
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
    "time_series",
]
ProjectionTypeName = Literal["fpca", "flatten"]
AlignmentMethodName = Literal["specified", "max", "min", "mean"]


class DocumentModel(BaseModel):
    """Base of every document model: unknown fields refused, values frozen."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class DocumentMetadata(DocumentModel):
    """``metadata`` of every document."""

    name: Name


class PiaMetadata(DocumentModel):
    """Privacy-impact-assessment facts printed in the report."""

    datarecipient: ShortText = "unknown"
    data_type: ShortText = "unknown"
    datasubject: ShortText = "unknown"
    sensitivity_level: ShortText = "undefined"


class MetadataSpec(DocumentModel):
    """``spec`` of ``AvatarMetadata``."""

    display_name: Annotated[str, Field(min_length=1, max_length=256)]
    pia_metadata: PiaMetadata | None = None
    max_distribution_plots: Annotated[int, Field(ge=1, le=1000)] | None = None
    language: Literal["en", "fr"] | None = None


class MetadataDocument(DocumentModel):
    """``kind: AvatarMetadata``."""

    kind: Literal["AvatarMetadata"]
    metadata: DocumentMetadata
    spec: MetadataSpec
    annotations: dict[ShortText, ShortText] = Field(default_factory=dict)


class VolumeSpec(DocumentModel):
    """``spec`` of ``AvatarVolume`` (accepted for compatibility; data come from uploads)."""

    url: Annotated[str, Field(max_length=2048)]


class VolumeDocument(DocumentModel):
    """``kind: AvatarVolume``."""

    kind: Literal["AvatarVolume"]
    metadata: DocumentMetadata
    spec: VolumeSpec


PseudonymizationKind = Literal[
    "FAKER", "HASH_SHA256", "UUID4", "CONSTANT", "INTEGER", "SPECIFIC_ID"
]
PiiTypeName = Literal[
    "EMAIL", "FIRST_NAME", "LAST_NAME", "FULL_NAME", "PHONE", "SSN", "ADDRESS", "FREE_TEXT"
]


class PseudonymizationSpec(DocumentModel):
    """How an identifier column is replaced by pseudonyms in the shared avatars.

    ``FAKER`` needs ``pii_type``, ``CONSTANT`` needs ``value``, ``SPECIFIC_ID`` needs
    ``pattern``; the other fields are ignored by the kinds that do not use them.
    """

    kind: PseudonymizationKind
    pii_type: PiiTypeName | None = None
    locale: Annotated[str, Field(pattern=r"^[A-Za-z]{2,3}(_[A-Za-z]{2,4})?$")] = "en_US"
    high_variability: bool = False
    salt: Annotated[str, Field(max_length=256)] | None = None
    value: ShortText | None = None
    pattern: Annotated[str, Field(min_length=1, max_length=256)] | None = None
    letter_case: Literal["upper", "lower", "both"] = "both"
    consistent: bool = True

    @model_validator(mode="after")
    def _needs(self) -> PseudonymizationSpec:
        needed = {"FAKER": "pii_type", "CONSTANT": "value", "SPECIFIC_ID": "pattern"}
        name = needed.get(self.kind)
        if name is not None and getattr(self, name) is None:
            raise ValueError(f"a {self.kind} pseudonymization needs {name}")
        return self


class ColumnSpec(DocumentModel):
    """One declared column of a table."""

    field: ColumnName
    type: ColumnTypeName | None = None
    primary_key: bool = False
    identifier: bool = False
    time_series_time: bool = False
    pseudonymization: PseudonymizationSpec | None = None


class TableData(DocumentModel):
    """Where a table's original data are: ``file`` is the name of an uploaded dataset."""

    volume: ShortText = "input"
    file: Annotated[str, Field(min_length=1, max_length=255)]


class AvatarsData(DocumentModel):
    """Where a table's avatars are: ``auto: true`` (produced by the standard job), or
    ``file``: an uploaded dataset of avatars made elsewhere, whose metrics and report are
    computed instead of an avatarization."""

    auto: bool | None = None
    volume: ShortText | None = None
    file: ShortText | None = None

    @property
    def uploaded(self) -> str | None:
        """The dataset of uploaded avatars, or None when the standard job makes them."""
        return self.file if self.file and not self.auto else None


class LinkTarget(DocumentModel):
    """The other end of a link."""

    table: TableName
    field: ColumnName


class LinkSpec(DocumentModel):
    """A link between two tables of a schema."""

    field: ColumnName
    to: LinkTarget
    method: LinkMethod = "bottom_projection"


class TableSpec(DocumentModel):
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
        """Primary-key, identifier, pseudonymized and link columns: kept out of avatarization."""
        names = [
            c.field
            for c in self.columns
            if c.primary_key or c.identifier or c.pseudonymization is not None
        ]
        names += [link.field for link in self.links]
        return list(dict.fromkeys(names))

    def pseudonymized_columns(self) -> dict[str, PseudonymizationSpec]:
        """Column -> its pseudonymization, for the columns that declare one."""
        return {c.field: c.pseudonymization for c in self.columns if c.pseudonymization}

    def time_column(self) -> str | None:
        """The column declared ``time_series_time`` (a time-series table), if any."""
        return next((c.field for c in self.columns if c.time_series_time), None)

    def column_types(self) -> dict[str, str]:
        """Declared column types (columns without a type are inferred by the engine)."""
        return {c.field: c.type for c in self.columns if c.type is not None}


class SchemaSpec(DocumentModel):
    """``spec`` of ``AvatarSchema``."""

    tables: Annotated[list[TableSpec], Field(min_length=1, max_length=100)]
    schema_ref: Name | None = None
    # False: the tables are not linked yet (a schema for the links advice; only an advice
    # job runs on it). None or True: the usual schema.
    check_links_between_tables: bool | None = None


class SchemaDocument(DocumentModel):
    """``kind: AvatarSchema`` (original schema, or avatarized one with ``schema_ref``)."""

    kind: Literal["AvatarSchema"]
    metadata: DocumentMetadata
    spec: SchemaSpec


class ImputationSpec(DocumentModel):
    """How missing values are imputed before the projection."""

    method: ImputationName = "knn"
    k: Annotated[int, Field(ge=1, le=1000)] = 5
    training_fraction: Annotated[float, Field(gt=0.0, le=1.0)] = 1.0
    return_data_imputed: bool = False

    @field_validator("training_fraction", mode="before")
    @classmethod
    def _unset_fraction(cls, value: object) -> object:
        """``training_fraction: null`` (written for "not set") means the default, 1.0."""
        return 1.0 if value is None else value


class ExcludeVariablesSpec(DocumentModel):
    """Variables kept out of the projection and re-attached afterwards."""

    variable_names: Annotated[list[ColumnName], Field(min_length=1)]
    replacement_strategy: ExcludeStrategyName = "coordinate_similarity"


class DataAugmentationSpec(DocumentModel):
    """More avatars than originals: a ratio, ``minority``, ``not_majority`` or {class: ratio}."""

    augmentation_strategy: (
        Annotated[float, Field(gt=0.0, le=10.0)]
        | Literal["minority", "not_majority"]
        | dict[Annotated[str, Field(max_length=1024)], Annotated[float, Field(gt=0.0, le=10.0)]]
    )
    target_column: ColumnName | None = None
    should_anonymize_original_table: bool = True

    @field_validator("should_anonymize_original_table", mode="before")
    @classmethod
    def _unset_anonymize(cls, value: object) -> object:
        return True if value is None else value


class TimeSeriesProjection(DocumentModel):
    """How the sequences of a time-series table are projected."""

    projection_type: ProjectionTypeName | None = None
    nf: Annotated[int, Field(ge=1, le=1000)] | None = None


class TimeSeriesAlignment(DocumentModel):
    """How many points the common grid of the sequences has."""

    nb_points: Annotated[int, Field(ge=1, le=100_000)] | None = None
    method: AlignmentMethodName | None = None

    @model_validator(mode="after")
    def _specified_needs_points(self) -> TimeSeriesAlignment:
        if self.method == "specified" and self.nb_points is None:
            raise ValueError("alignment method 'specified' needs nb_points")
        return self


class TimeSeriesSpec(DocumentModel):
    """``time_series`` parameters of one table (the table has a ``time_series_time`` column)."""

    projection: TimeSeriesProjection | None = None
    alignment: TimeSeriesAlignment | None = None
    exclude_variables: ExcludeVariablesSpec | None = None


class TableAvatarization(DocumentModel):
    """Avatarization parameters of one table."""

    k: Annotated[int, Field(ge=2, le=10_000)]
    ncp: Annotated[int, Field(ge=1, le=1000)] = 5
    column_weights: dict[ColumnName, Annotated[float, Field(gt=0.0, le=1e6)]] | None = None
    use_categorical_reduction: bool = False
    imputation: ImputationSpec | None = None
    exclude_variables: ExcludeVariablesSpec | None = None
    data_augmentation: DataAugmentationSpec | None = None
    # rows per batch: the table is avatarized in batches sharing one projection, whatever
    # its size (default: only above the server's batch_threshold_rows)
    batch_rows: Annotated[int, Field(ge=100, le=100_000_000)] | None = None


def _ordered_bounds(pair: tuple[float, float]) -> tuple[float, float]:
    if not pair[0] < pair[1]:
        raise ValueError(f"bounds must be [low, high] with low < high, got {list(pair)}")
    return pair


FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
# [low, high] of a numeric column, declared by the user
DpBounds = Annotated[tuple[FiniteFloat, FiniteFloat], AfterValidator(_ordered_bounds)]


class DpColumns(DocumentModel):
    """What both DP variants accept about the columns, public knowledge (no budget spent)."""

    # the anchor: the column whose relations with every other column are kept (unset: chosen
    # among the categorical columns with a share of the budget)
    target: ColumnName | None = None
    # bounds of numeric columns (values outside are clipped)
    bounds: dict[ColumnName, DpBounds] | None = None


class OpenDpAvatarization(DpColumns):
    """``avatarization_open_dp`` of one table: epsilon-DP synthetic records (OpenDP).

    Missing values are a bin of their own, so ``imputation`` is accepted and not needed.
    """

    epsilon: Annotated[float, Field(gt=0.0, le=100.0)]
    preprocess_budget_ratio: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.3
    bins: Annotated[int, Field(ge=2, le=1000)] = 10
    ncp: Annotated[int, Field(ge=1, le=1000)] = 5
    imputation: ImputationSpec | None = None

    @field_validator("preprocess_budget_ratio", mode="before")
    @classmethod
    def _unset_ratio(cls, value: object) -> object:
        return 0.3 if value is None else value


class FastDpAvatarization(DpColumns):
    """``avatarization_fast_dp`` of one table: the approximate variant (bounds from the data)."""

    epsilon: Annotated[float, Field(gt=0.0, le=100.0)]
    mechanism: Literal["histogram", "gaussian", "gmm"] | None = None
    histogram_n_bins: Annotated[int, Field(ge=2, le=1000)] | None = None
    bounds_percentile: Annotated[float, Field(ge=0.0, lt=50.0)] | None = None
    ncp: Annotated[int, Field(ge=1, le=1000)] = 5
    imputation: ImputationSpec | None = None


class ResultsSpec(DocumentModel):
    """Where results go (kept for compatibility; the server stores them per job)."""

    volume: ShortText = "results"
    path: ShortText | None = None
    # Where the established client writes the metadata's cap on distribution plots.
    max_distribution_plots: Annotated[int, Field(ge=1, le=1000)] | None = None


class AvatarizationSpec(DocumentModel):
    """``spec`` of ``AvatarParameters``."""

    schema_name: Name = Field(alias="schema")
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] | None = None
    avatarization: dict[TableName, TableAvatarization] = Field(default_factory=dict)
    avatarization_open_dp: dict[TableName, OpenDpAvatarization] = Field(default_factory=dict)
    avatarization_fast_dp: dict[TableName, FastDpAvatarization] = Field(default_factory=dict)
    time_series: dict[TableName, TimeSeriesSpec] = Field(default_factory=dict)
    results: ResultsSpec | None = None
    # Dask scheduler (tcp://host:8786) that runs this job's batches (default: the server's)
    dask_scheduler: Annotated[str, Field(pattern=r"^(tcp|tls|inproc)://\S+$",
                                         max_length=300)] | None = None

    @model_validator(mode="after")
    def _one_method_per_table(self) -> AvatarizationSpec:
        # "no table at all" is checked with the schemas (uploaded avatars need none)
        methods = (self.avatarization, self.avatarization_open_dp, self.avatarization_fast_dp)
        seen: dict[str, int] = {}
        for method in methods:
            for table in method:
                seen[table] = seen.get(table, 0) + 1
        twice = sorted(t for t, n in seen.items() if n > 1)
        if twice:
            raise ValueError(
                f"table(s) {', '.join(twice)} have parameters of more than one method; keep "
                "one of avatarization, avatarization_open_dp and avatarization_fast_dp"
            )
        return self

    def tables(self) -> set[str]:
        """Every table that has parameters, whatever the method."""
        return {*self.avatarization, *self.avatarization_open_dp, *self.avatarization_fast_dp}


class AvatarizationDocument(DocumentModel):
    """``kind: AvatarParameters`` (a ``standard`` job)."""

    kind: Literal["AvatarParameters"]
    metadata: DocumentMetadata
    spec: AvatarizationSpec


class TableMetrics(DocumentModel):
    """Metric parameters of one table."""

    ncp: Annotated[int, Field(ge=1, le=1000)] = 5
    known_variables: list[ColumnName] | None = None
    target: ColumnName | None = None
    # share of avatars nearer an original than this percentile of originals' own distances
    quantile_threshold: Annotated[int, Field(ge=1, le=99)] | None = None
    use_categorical_reduction: bool = False
    # Copies of the avatarization's settings that the established client repeats here. The
    # variables of exclude_variables are left out of the metrics; imputation is checked only.
    imputation: ImputationSpec | None = None
    exclude_variables: ExcludeVariablesSpec | None = None


class _MetricsSpecBase(DocumentModel):
    schema_name: Name = Field(alias="schema")
    avatarization_ref: Name
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] | None = None
    # the established client repeats the avatarization's time_series parameters here
    time_series: dict[TableName, TimeSeriesSpec] = Field(default_factory=dict)
    results: ResultsSpec | None = None


class PrivacyMetricsSpec(_MetricsSpecBase):
    """``spec`` of ``AvatarPrivacyMetricsParameters``."""

    privacy_metrics: dict[TableName, TableMetrics] = Field(default_factory=dict)


class SignalMetricsSpec(_MetricsSpecBase):
    """``spec`` of ``AvatarSignalMetricsParameters``."""

    signal_metrics: dict[TableName, TableMetrics] = Field(default_factory=dict)


class PrivacyMetricsDocument(DocumentModel):
    """``kind: AvatarPrivacyMetricsParameters``."""

    kind: Literal["AvatarPrivacyMetricsParameters"]
    metadata: DocumentMetadata
    spec: PrivacyMetricsSpec


class SignalMetricsDocument(DocumentModel):
    """``kind: AvatarSignalMetricsParameters``."""

    kind: Literal["AvatarSignalMetricsParameters"]
    metadata: DocumentMetadata
    spec: SignalMetricsSpec


MetricsDocument = PrivacyMetricsDocument | SignalMetricsDocument


class ReportSpec(DocumentModel):
    """``spec`` of ``AvatarReportParameters``."""

    report_type: Literal["basic", "pia"] = "basic"
    output_format: Literal["pdf", "docx"] = "pdf"
    language: Literal["en", "fr"] | None = None
    results: ResultsSpec | None = None


class ReportDocument(DocumentModel):
    """``kind: AvatarReportParameters``."""

    kind: Literal["AvatarReportParameters"]
    metadata: DocumentMetadata
    spec: ReportSpec


class AdviceOptions(DocumentModel):
    """What to advise on."""

    advisor_type: Annotated[
        list[Literal["parameters", "variables", "tables_links"]], Field(min_length=1)
    ] = Field(
        default_factory=lambda: ["parameters"]  # type: ignore[arg-type]
    )


class AdviceSpec(DocumentModel):
    """``spec`` of ``AvatarAdviceParameters``."""

    schema_name: Name = Field(alias="schema")
    advice: AdviceOptions = Field(default_factory=AdviceOptions)
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] | None = None
    results: ResultsSpec | None = None


class AdviceDocument(DocumentModel):
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

DOCUMENT_MODELS: dict[str, type[DocumentModel]] = {
    "AvatarMetadata": MetadataDocument,
    "AvatarVolume": VolumeDocument,
    "AvatarSchema": SchemaDocument,
    "AvatarParameters": AvatarizationDocument,
    "AvatarPrivacyMetricsParameters": PrivacyMetricsDocument,
    "AvatarSignalMetricsParameters": SignalMetricsDocument,
    "AvatarReportParameters": ReportDocument,
    "AvatarAdviceParameters": AdviceDocument,
}
JOB_KIND_OF: dict[type[DocumentModel], str] = {
    AvatarizationDocument: "standard",
    PrivacyMetricsDocument: "privacy_metrics",
    SignalMetricsDocument: "signal_metrics",
    ReportDocument: "report",
    AdviceDocument: ADVICE_KIND,
}
