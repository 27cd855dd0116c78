"""The report as plain, already-worded data, shared by the PDF and HTML renderers.

Everything the report says is decided here (verdicts, formatted numbers, translated labels);
the renderers only lay it out, so both formats always carry the same content.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import pandas as pd

from avatar_engine.errors import InvalidDataError, InvalidParameterError
from avatar_engine.figures import ColumnKind, column_kinds
from avatar_engine.metrics.verdict import privacy_verdict
from avatar_engine.report.content import ReportContent, TableReport
from avatar_engine.report.i18n import Wording, wording
from avatar_engine.report.structure_section import structure_entries, structure_heading

__all__ = [
    "ColumnRow",
    "Document",
    "FigureItem",
    "MetricRow",
    "Section",
    "Status",
    "Verdict",
    "build_document",
]

Status = Literal["pass", "fail", "info"]
Verdict = Literal["ok", "privacy_fail", "signal_fail", "not_assessed"]

PIA_KEYS = ("datarecipient", "data_type", "datasubject", "sensitivity_level")
_PERCENT_METRICS = frozenset(
    {
        "hidden_rate",
        "categorical_hidden_rate",
        "column_direct_match_protection",
        "row_direct_match_protection",
        "correlation_difference_ratio",
        "identifier_carry_over",
        "dcr_share",
    }
)
_FIGURE_ORDER = ("projection", "distributions", "correlations", "time_series")
_MAX_DETAILS = 24
_MAX_PER_VARIABLE = 4
_SKIPPED_DETAILS = frozenset({"n_rows", "n_original_rows", "n_avatar_rows"})
_TYPE_KEYS = ("column_types", "types")


@dataclass(frozen=True)
class MetricRow:
    """One metric, worded: label, explanation, value, target and result."""

    key: str
    label: str
    explanation: str
    value: str
    target: str
    status: Status
    status_text: str


@dataclass(frozen=True)
class ColumnRow:
    """Summary of one variable in the original data and in the avatars."""

    name: str
    type_text: str
    missing_original: str
    missing_avatars: str
    original: str
    avatars: str


@dataclass(frozen=True)
class FigureItem:
    """A PNG figure and its caption."""

    name: str
    caption: str
    png: bytes


@dataclass(frozen=True)
class MetricsBlock:
    """All the metrics of one kind (privacy or signal) for one table."""

    rows: tuple[MetricRow, ...]
    computed: bool
    met: int
    total: int
    leaks: tuple[str, ...] = ()  # the verdict's messages, one per failed privacy target

    @property
    def passed(self) -> bool | None:
        """True when every target is met, None when nothing was computed."""
        if not self.computed:
            return None
        return all(row.status != "fail" for row in self.rows)

    @property
    def missed(self) -> tuple[str, ...]:
        """Labels of the metrics whose target is not met."""
        return tuple(row.label for row in self.rows if row.status == "fail")

    def summary(self, words: Wording) -> str:
        """E.g. "7 of 7 targets met", or "not computed"."""
        if not self.computed:
            return words.text("summary_not_computed")
        return words.text("summary_targets_met", met=self.met, total=self.total)

    def status(self) -> Status:
        """pass / fail / info (not computed) for the whole block."""
        passed = self.passed
        return "info" if passed is None else ("pass" if passed else "fail")


@dataclass(frozen=True)
class PerVariable:
    """Per-variable figures from the metrics' details: one column per measure."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Section:
    """Everything the report says about one table."""

    name: str
    heading: str
    facts: tuple[tuple[str, str], ...]
    columns: tuple[ColumnRow, ...]
    parameters: tuple[tuple[str, str], ...]
    privacy: MetricsBlock
    signal: MetricsBlock
    details: tuple[tuple[str, str], ...]
    per_variable: PerVariable
    figures: tuple[FigureItem, ...]


@dataclass(frozen=True)
class Document:
    """The whole report, worded in one language."""

    words: Wording
    title: str
    date_text: str
    generated_at: datetime
    pia: tuple[tuple[str, str], ...]
    verdict: Verdict
    sections: tuple[Section, ...]
    methodology: tuple[str, ...] = ()

    @property
    def language(self) -> str:
        """"en" or "fr"."""
        return self.words.language

    def status_text(self, status: Status) -> str:
        """"Pass" / "Fail" / "Information" in the report's language."""
        return self.words.text(status)


def build_document(content: ReportContent) -> Document:
    """Check ``content`` and turn it into worded, renderer-ready data.

    Raises:
        InvalidParameterError: unsupported language, no table, or a malformed field.
        InvalidDataError: a table that is not a DataFrame.
    """
    if not isinstance(content, ReportContent):
        raise InvalidParameterError(
            "content", f"Expected a ReportContent, got {type(content).__name__}."
        )
    words = wording(content.language)
    if not content.tables:
        raise InvalidParameterError(
            "tables", "The report has no table: add at least one TableReport to tables."
        )
    names = [table.name for table in content.tables]
    if len(set(names)) != len(names):
        raise InvalidParameterError("tables", "Two tables of the report have the same name.")
    generated_at = _utc(content.generated_at)
    sections = tuple(
        _section(words, index + 1, table) for index, table in enumerate(content.tables)
    ) + _structure_sections(words, len(content.tables), content.structure)
    return Document(
        words=words,
        title=str(content.title or words.text("subtitle")),
        date_text=(
            f"{words.date(generated_at.year, generated_at.month, generated_at.day)}, "
            f"{generated_at:%H:%M} UTC"
        ),
        generated_at=generated_at,
        pia=_pia(words, content.pia_metadata),
        verdict=_verdict(sections),
        sections=sections,
        methodology=words.paragraphs("methodology") + tuple(
            _batches_paragraph(words, table.name, table.run_metadata["batches"])
            for table in content.tables if isinstance(table.run_metadata.get("batches"), dict)
        ),
    )


def _batches_paragraph(words: Wording, name: str, batches: dict[str, object]) -> str:
    """How a table avatarized in batches was made (see ``avatar_engine.batches``)."""
    sizes = batches.get("batch_rows") or []
    rows = [int(n) for n in sizes] if isinstance(sizes, list) else []
    return words.text(
        "methodology_batches", table=name, batches=len(rows),
        rows=words.number(min(rows), 0) if rows else "-",
        largest=words.number(max(rows), 0) if rows else "-",
        reference=words.number(int(str(batches.get("reference_rows", 0))), 0),
    )


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(UTC).replace(microsecond=0)
    if not isinstance(moment, datetime):
        raise InvalidParameterError(
            "generated_at", "generated_at must be a datetime (or None for now)."
        )
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _pia(words: Wording, metadata: Mapping[str, str] | None) -> tuple[tuple[str, str], ...]:
    metadata = dict(metadata or {})
    defaults = {"sensitivity_level": "undefined"}
    rows = [
        (
            words.text(f"pia_{key}"),
            words.value(str(metadata.get(key) or defaults.get(key, "unknown"))),
        )
        for key in PIA_KEYS
    ]
    for key in sorted(set(metadata) - set(PIA_KEYS)):
        rows.append((_humanize(key), words.value(str(metadata[key]))))
    return tuple(rows)


def _verdict(sections: Sequence[Section]) -> Verdict:
    privacy = [section.privacy.passed for section in sections]
    signal = [section.signal.passed for section in sections]
    if any(passed is False for passed in privacy):
        return "privacy_fail"
    if any(passed is None for passed in privacy + signal):
        return "not_assessed"
    if any(passed is False for passed in signal):
        return "signal_fail"
    return "ok"


def _section(words: Wording, number: int, table: TableReport) -> Section:
    if not isinstance(table, TableReport):
        raise InvalidParameterError(
            "tables", f"Every entry of tables must be a TableReport, got {type(table).__name__}."
        )
    for label, frame in (("original", table.original), ("avatars", table.avatars)):
        if not isinstance(frame, pd.DataFrame):
            raise InvalidDataError(
                f"Table {table.name!r}: {label} must be a pandas DataFrame, "
                f"not {type(frame).__name__}."
            )
    metadata = dict(table.run_metadata or {})
    kinds = _kinds(table.original, metadata)
    return Section(
        name=str(table.name),
        heading=f"{number}. " + words.text("table_heading", name=table.name),
        facts=_facts(words, table.original, table.avatars),
        columns=_columns(words, table.original, table.avatars, kinds, metadata),
        parameters=_parameters(words, dict(table.parameters or {}), metadata),
        privacy=_metrics(words, table.privacy_metrics, "privacy_metrics"),
        signal=_metrics(words, table.signal_metrics, "signal_metrics"),
        details=_details(words, table.privacy_metrics, table.signal_metrics),
        per_variable=_per_variable(
            words, table.original, table.privacy_metrics, table.signal_metrics
        ),
        figures=_figures(words, table.figures),
    )


def _structure_sections(
    words: Wording, before: int, structure: Mapping[str, Any] | None
) -> tuple[Section, ...]:
    if not structure:
        return ()
    if not isinstance(structure, Mapping):
        raise InvalidParameterError("structure", "structure must map link names to metrics.")
    sections = []
    for offset, (link, measures) in enumerate(structure.items()):
        if not isinstance(measures, Mapping):
            raise InvalidParameterError(
                "structure", f"structure[{link!r}] must be the link's metrics (a dict)."
            )
        entries, facts = structure_entries(words, measures, lambda v: _number(words, v))
        joined = measures.get("joined_privacy_metrics")
        sections.append(
            Section(
                name=str(link),
                heading=f"{before + offset + 1}. " + structure_heading(words, str(link)),
                facts=facts,
                columns=(),
                parameters=(),
                privacy=_metrics(
                    words,
                    {"metrics": joined if isinstance(joined, Mapping) else {}},
                    "joined_privacy_metrics",
                ),
                signal=_metrics(words, entries, "structure_metrics"),
                details=(),
                per_variable=PerVariable((), ()),
                figures=(),
            )
        )
    return tuple(sections)


def _kinds(original: pd.DataFrame, metadata: Mapping[str, Any]) -> dict[str, ColumnKind]:
    declared: dict[str, str] = {}
    for key in _TYPE_KEYS:
        candidate = metadata.get(key)
        if isinstance(candidate, Mapping):
            declared = {
                str(name): str(kind)
                for name, kind in candidate.items()
                if name in original.columns
            }
            break
    try:
        return column_kinds(original, declared)
    except InvalidParameterError:
        return column_kinds(original)


# Dataset summary ----------------------------------------------------------------------------


def _facts(
    words: Wording, original: pd.DataFrame, avatars: pd.DataFrame
) -> tuple[tuple[str, str], ...]:
    rows = f"{words.number(len(original), 0)} / {words.number(len(avatars), 0)}"
    missing = (
        f"{words.number(int(original.isna().sum().sum()), 0)} / "
        f"{words.number(int(avatars.isna().sum().sum()), 0)}"
    )
    return (
        (words.text("dataset_rows"), rows),
        (words.text("dataset_columns"), words.number(original.shape[1], 0)),
        (words.text("dataset_missing_cells"), missing),
    )


def _columns(
    words: Wording,
    original: pd.DataFrame,
    avatars: pd.DataFrame,
    kinds: Mapping[str, ColumnKind],
    metadata: Mapping[str, Any],
) -> tuple[ColumnRow, ...]:
    declared = _declared_types(metadata)
    identifiers = {str(name) for name in metadata.get("identifiers", []) or []}
    rows = []
    for name in original.columns:
        kind = kinds[name]
        if str(name) in identifiers:
            type_text = words.text("type_identifier")
        elif str(name) in declared:
            type_text = words.text(f"type_{declared[str(name)]}")
        else:
            type_text = words.text(_fallback_type_key(original[name], kind))
        in_avatars = name in avatars.columns
        rows.append(
            ColumnRow(
                name=str(name),
                type_text=type_text,
                missing_original=_missing(words, original[name]),
                missing_avatars=_missing(words, avatars[name]) if in_avatars else "—",
                original=_describe(words, original[name], kind),
                avatars=_describe(words, avatars[name], kind) if in_avatars else "—",
            )
        )
    return tuple(rows)


def _declared_types(metadata: Mapping[str, Any]) -> dict[str, str]:
    allowed = {"int", "float", "bool", "category", "datetime", "datetime_tz"}
    for key in _TYPE_KEYS:
        candidate = metadata.get(key)
        if isinstance(candidate, Mapping):
            return {str(k): str(v) for k, v in candidate.items() if str(v) in allowed}
    return {}


def _fallback_type_key(series: pd.Series, kind: ColumnKind) -> str:
    if kind == "datetime":
        return "type_datetime"
    if kind == "categorical":
        return "type_bool" if pd.api.types.is_bool_dtype(series.dtype) else "type_category"
    return "type_int" if pd.api.types.is_integer_dtype(series.dtype) else "type_float"


def _missing(words: Wording, series: pd.Series) -> str:
    count = int(series.isna().sum())
    if count == 0:
        return "0"
    share = 100.0 * count / max(len(series), 1)
    return f"{words.number(count, 0)} ({words.number(share, 1)}\u00a0%)"


def _describe(words: Wording, series: pd.Series, kind: ColumnKind) -> str:
    values = series.dropna()
    if values.empty:
        return words.text("stat_none")
    if kind == "categorical":
        return words.text("stat_categories", n=words.number(values.astype(str).nunique(), 0))
    if kind == "datetime":
        moments = pd.to_datetime(values, errors="coerce", utc=True).dropna()
        if moments.empty:
            return words.text("stat_none")
        mean = moments.mean()
        return words.text(
            "stat_mean_sd",
            mean=words.date(mean.year, mean.month, mean.day),
            sd=f"{words.number(moments.std() / pd.Timedelta(days=1), 1)} d",
        )
    numbers = pd.to_numeric(values, errors="coerce").dropna().astype(float)
    if numbers.empty:
        return words.text("stat_none")
    return words.text(
        "stat_mean_sd",
        mean=_number(words, float(numbers.mean())),
        sd=_number(words, float(numbers.std(ddof=0))),
    )


# Parameters ---------------------------------------------------------------------------------


def _parameters(
    words: Wording, parameters: dict[str, Any], metadata: Mapping[str, Any]
) -> tuple[tuple[str, str], ...]:
    shown: list[tuple[str, str]] = []
    used: set[str] = set()

    def take(key: str) -> Any:
        used.add(key)
        return parameters.get(key)

    shown.append((words.text("param_k"), _value(words, take("k"))))
    shown.append((words.text("param_ncp"), _value(words, take("ncp"))))
    shown.append((words.text("param_imputation"), _imputation(words, parameters, take)))
    shown.append((words.text("param_exclude_variables"), _exclusion(words, parameters, take)))
    if metadata.get("passed_through"):
        passed = _value(words, metadata["passed_through"])
        shown.append((words.text("param_passed_through"), passed))
    shown.append((words.text("param_seed"), _value(words, take("seed"))))
    for key in ("column_weights", "use_categorical_reduction"):
        if key in parameters:
            shown.append((words.text(f"param_{key}"), _value(words, take(key))))
    if isinstance(parameters.get("pseudonymized_columns"), Mapping):
        shown.append(
            (words.text("param_pseudonymized_columns"), _pseudonyms(take("pseudonymized_columns")))
        )
    for key in sorted(set(parameters) - used):
        shown.append((_humanize(key), _value(words, parameters[key])))
    if isinstance(metadata.get("dp"), Mapping):
        shown.append((words.text("param_dp"), _dp_statement(words, metadata["dp"])))
    kept = _variance_kept(metadata)
    if kept is not None:
        shown.append((words.text("param_variance_kept"), _number(words, 100 * kept) + "\u00a0%"))
    version = metadata.get("engine_version")
    if version:
        shown.append((words.text("param_engine_version"), str(version)))
    duration = _duration(metadata)
    if duration is not None:
        shown.append(
            (words.text("param_duration"), words.text("seconds", value=_number(words, duration)))
        )
    return tuple(shown)


def _imputation(words: Wording, parameters: Mapping[str, Any], take: Any) -> str:
    nested = parameters.get("imputation")
    if isinstance(nested, Mapping):
        take("imputation")
        method, k, fraction = (
            nested.get("method"), nested.get("k"), nested.get("training_fraction")
        )
    else:
        method = take("imputation_method")
        k = take("imputation_k")
        fraction = take("imputation_training_fraction")
    if method is None and k is None and fraction is None:
        return "—"
    parts = [_value(words, method) if method is not None else "—"]
    if k is not None:
        parts.append(f"k = {_value(words, k)}")
    share = _finite(fraction)
    if share is not None and 0 < share <= 1:
        parts.append(f"{words.text('param_imputation_training_fraction').lower()} "
                     f"{_number(words, 100 * share)}\u00a0%")
    elif fraction is not None:
        parts.append(f"{words.text('param_imputation_training_fraction').lower()} "
                     f"{_value(words, fraction)}")
    return ", ".join(parts)


def _exclusion(words: Wording, parameters: Mapping[str, Any], take: Any) -> str:
    nested = parameters.get("exclude_variables")
    strategy: Any
    if isinstance(nested, Mapping):
        take("exclude_variables")
        names, strategy = nested.get("variable_names"), nested.get("replacement_strategy")
    else:
        names = take("exclude_variables")
        strategy = take("exclude_replacement_strategy")
    if not names:
        return words.text("none")
    text = _value(words, names)
    if strategy:
        text += f" ({words.text('param_exclude_replacement_strategy').lower()}: {strategy})"
    return text


def _dp_statement(words: Wording, dp: Mapping[str, Any]) -> str:
    """What the differential privacy guarantees, at which epsilon, and where the budget went."""
    raw_budget = dp.get("budget")
    budget: Mapping[str, Any] = raw_budget if isinstance(raw_budget, Mapping) else {}
    spent = ", ".join(
        f"{_humanize(step).lower()} {_number(words, float(share))}"
        for step, share in budget.items()
        if isinstance(share, int | float) and share > 0
    )
    key = "dp_statement_approximate" if dp.get("guarantee") == "approximate" else "dp_statement"
    return words.text(
        key,
        epsilon=_number(words, float(dp.get("epsilon", 0.0))),
        budget=spent or "—",
        anchor=_dp_anchor(words, dp),
    )


def _dp_anchor(words: Wording, dp: Mapping[str, Any]) -> str:
    """The anchor column and how it was chosen (declared, noisy max or from the types)."""
    anchor = str(dp.get("anchor_column", "—"))
    chosen_by = dp.get("anchor_chosen_by")
    if chosen_by not in ("declared", "noisy max", "column types"):
        return anchor
    return words.text(f"dp_anchor_{chosen_by}", anchor=anchor)


def _pseudonyms(strategies: Mapping[str, Any]) -> str:
    """``email: FAKER (EMAIL, fr_FR); id: SPECIFIC_ID (P-###)``: each column and its strategy."""
    parts = []
    for column, strategy in strategies.items():
        if not isinstance(strategy, Mapping):
            continue
        details = [
            str(strategy[key])
            for key in ("pii_type", "locale", "pattern", "value", "salted")
            if strategy.get(key) is not None
        ]
        if strategy.get("consistent") is False:
            details.append("per row")
        suffix = f" ({', '.join(details)})" if details else ""
        parts.append(f"{column}: {strategy.get('kind')}{suffix}")
    return "; ".join(parts)


def _variance_kept(metadata: Mapping[str, Any]) -> float | None:
    projection = metadata.get("projection")
    if not isinstance(projection, Mapping):
        return None
    share = _finite(projection.get("cumulative_explained_variance_ratio"))
    if share is None:
        ratios = projection.get("explained_variance_ratio")
        if isinstance(ratios, list) and ratios and all(_finite(r) is not None for r in ratios):
            share = float(sum(ratios))
    return share if share is not None and 0 <= share <= 1 else None


def _duration(metadata: Mapping[str, Any]) -> float | None:
    for key in ("duration_seconds", "elapsed_seconds", "total_seconds"):
        value = metadata.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    for key in ("timings", "timings_seconds"):
        timings = metadata.get(key)
        if isinstance(timings, Mapping):
            numbers = [
                float(v)
                for v in timings.values()
                if isinstance(v, int | float) and not isinstance(v, bool)
            ]
            if numbers:
                return float(timings.get("total", sum(numbers)))
    return None


def _value(words: Wording, value: Any) -> str:
    if value is None:
        return words.text("none")
    if isinstance(value, bool):
        return words.text("yes" if value else "no")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number(words, value)
    if isinstance(value, Mapping):
        if not value:
            return words.text("none")
        return ", ".join(f"{key}: {_value(words, item)}" for key, item in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        if not value:
            return words.text("none")
        return ", ".join(_value(words, item) for item in value)
    return str(getattr(value, "value", value))


# Metrics ------------------------------------------------------------------------------------


def _metrics(words: Wording, result: Mapping[str, Any] | None, field: str) -> MetricsBlock:
    if result is None or not isinstance(result, Mapping):
        raise InvalidParameterError(field, f"{field} must be the dict returned by the engine.")
    metrics = result.get("metrics") or {}
    if not isinstance(metrics, Mapping):
        raise InvalidParameterError(
            field, f"{field}['metrics'] must map metric names to their value/target dicts."
        )
    rows = []
    for key, entry in metrics.items():
        if not isinstance(entry, Mapping):
            raise InvalidParameterError(
                field, f"{field}['metrics'][{key!r}] must be a dict with value, target, passed."
            )
        rows.append(_metric_row(words, str(key), entry))
    with_target = [row for row in rows if row.status != "info"]
    met = sum(1 for row in with_target if row.status == "pass")
    leaks: Any = result.get("failures") or ()
    if leaks and isinstance(metrics, Mapping) and isinstance(leaks, list | tuple):
        # the leaks named in the report's language, from the same figures and the same rule
        details = result.get("details")
        leaks = privacy_verdict(metrics, details if isinstance(details, Mapping) else None,
                                language=words.language)[1] or leaks
    return MetricsBlock(
        rows=tuple(rows), computed=bool(rows), met=met, total=len(with_target),
        leaks=tuple(str(leak) for leak in leaks) if isinstance(leaks, list | tuple) else (),
    )


def _metric_row(words: Wording, key: str, entry: Mapping[str, Any]) -> MetricRow:
    metric_words = words.metric(key, entry.get("label"), entry.get("description"))
    unit = "\u00a0%" if key in _PERCENT_METRICS else ""
    value = _finite(entry.get("value"))
    target = _finite(entry.get("target"))
    passed = entry.get("passed")
    status: Status = "info"
    if value is not None and target is not None and passed is not None:
        status = "pass" if bool(passed) else "fail"
    direction = str(entry.get("direction") or "higher")
    if target is None:
        target_text = words.text("no_target")
    else:
        target_text = f"{'>' if direction == 'higher' else '<'} {_number(words, target)}{unit}"
    return MetricRow(
        key=key,
        label=metric_words.label,
        explanation=metric_words.explanation,
        value=words.text("not_available") if value is None else (
            _number(words, value) + unit + _interval(words, entry.get("ci"), unit)),
        target=target_text,
        status=status,
        status_text=words.text(status),
    )


def _interval(words: Wording, ci: Any, unit: str) -> str:
    """" (95 % CI a-b)" when the entry has a confidence interval."""
    if not isinstance(ci, list | tuple) or len(ci) != 2:
        return ""
    low, high = _finite(ci[0]), _finite(ci[1])
    if low is None or high is None:
        return ""
    return f" [{_number(words, low)}\u2013{_number(words, high)}{unit}]"


def _detail_entries(*results: Mapping[str, Any] | None) -> list[tuple[str, Any]]:
    entries: list[tuple[str, Any]] = []
    for result in results:
        details = result.get("details") if isinstance(result, Mapping) else None
        if isinstance(details, Mapping):
            entries.extend((str(key), value) for key, value in details.items())
    return entries


def _details(
    words: Wording, privacy: Mapping[str, Any] | None, signal: Mapping[str, Any] | None
) -> tuple[tuple[str, str], ...]:
    rows: list[tuple[str, str]] = []
    for key, value in _detail_entries(privacy, signal):
        number = _finite(value)
        if number is None or key in _SKIPPED_DETAILS:
            continue
        label, unit = words.detail(key)
        rows.append((label, _number(words, number) + unit))
    return tuple(rows[:_MAX_DETAILS])


def _per_variable(
    words: Wording,
    original: pd.DataFrame,
    privacy: Mapping[str, Any] | None,
    signal: Mapping[str, Any] | None,
) -> PerVariable:
    columns = [str(name) for name in original.columns]
    measures: list[tuple[str, Mapping[str, Any]]] = []
    for key, value in _detail_entries(privacy, signal):
        if (
            isinstance(value, Mapping)
            and value
            and set(map(str, value)) <= set(columns)
            and any(_finite(item) is not None for item in value.values())
        ):
            measures.append((key, {str(name): item for name, item in value.items()}))
    measures = measures[:_MAX_PER_VARIABLE]
    if not measures:
        return PerVariable(headers=(), rows=())
    headers = [words.text("col_variable")]
    units = []
    for key, _ in measures:
        label, unit = words.detail(key)
        headers.append(label)
        units.append(unit)
    rows = []
    for name in columns:
        cells = [name]
        for (_, values), unit in zip(measures, units, strict=True):
            number = _finite(values.get(name))
            cells.append("—" if number is None else _number(words, number) + unit)
        rows.append(tuple(cells))
    return PerVariable(headers=tuple(headers), rows=tuple(rows))


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _number(words: Wording, value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e12:
        return words.number(value, 0)
    magnitude = abs(value)
    decimals = 1 if magnitude >= 10 else 2 if magnitude >= 1 else 3
    text = words.number(value, decimals)
    separator = "," if words.language == "fr" else "."
    if separator in text:
        text = text.rstrip("0").rstrip(separator)
    return text


def _humanize(key: str) -> str:
    text = key.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


# Figures ------------------------------------------------------------------------------------


def _figures(words: Wording, figures: Mapping[str, bytes] | None) -> tuple[FigureItem, ...]:
    figures = dict(figures or {})
    for name, png in figures.items():
        if not isinstance(png, bytes | bytearray) or not bytes(png).startswith(b"\x89PNG"):
            raise InvalidParameterError(
                "figures", f"Figure {name!r} is not PNG bytes: pass what render_figures returns."
            )
    ordered = [name for name in _FIGURE_ORDER if name in figures]
    ordered += sorted(name for name in figures if name not in _FIGURE_ORDER)
    items = []
    for name in ordered:
        key = f"figure_{name}"
        caption = (
            words.text(key) if name in _FIGURE_ORDER else words.text("figure_other", name=name)
        )
        items.append(FigureItem(name=name, caption=caption, png=bytes(figures[name])))
    return tuple(items)
