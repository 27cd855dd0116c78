"""The privacy impact assessment (PIA) as worded data, shared by its PDF and Word renderers.

The PIA is filled from what the run knows: the PIA metadata (recipient, data type, data
subjects, sensitivity), the run's annotations (``purpose``, ``controller``, ``dpo``), the
tables and their avatarization parameters, and the privacy metrics, read against the three
re-identification risks of the Article 29 Working Party's Opinion 05/2014 (singling out,
linkability, inference). The metric rows (values, targets, results) come from the report's own
document, so the PIA and the report always agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from avatar_engine.report._document import MetricRow, Section, build_document
from avatar_engine.report.content import ReportContent
from avatar_engine.report.pia_wording import describe, normalize_value, pia_text

__all__ = ["CRITERIA", "PiaDocument", "PiaItem", "PiaSection", "build_pia"]

Risk = Literal["low", "medium", "high", "not_assessed"]
CRITERIA: dict[str, frozenset[str]] = {
    "singling_out": frozenset(
        {"hidden_rate", "local_cloaking", "row_direct_match_protection", "singling_out_risk"}
    ),
    "linkability": frozenset(
        {"distance_to_closest", "closest_distances_ratio", "column_direct_match_protection",
         "identifier_carry_over", "dcr_share", "linkability_risk"}
    ),
    "inference": frozenset({"categorical_hidden_rate", "inference_risk"}),
}
PIA_FIELDS = ("datarecipient", "data_type", "datasubject", "sensitivity_level")
_SENSITIVE = frozenset({"high", "very_high"})
_WIDE_RELEASE = frozenset({"opendata", "public", "outside_eu"})
_RECIPIENT_MEASURE = {
    "opendata": "o_recipient_opendata",
    "public": "o_recipient_opendata",
    "contractual_thirdparty": "o_recipient_contract",
    "trusted_thirdparty": "o_recipient_contract",
    "partner": "o_recipient_contract",
    "research": "o_recipient_contract",
    "internal": "o_recipient_internal",
    "outside_eu": "o_recipient_outside_eu",
}
_MAX_NAMES = 12


@dataclass(frozen=True)
class PiaItem:
    """One element of a section: a paragraph, a sub-heading, a bullet list or a table."""

    kind: Literal["paragraph", "subheading", "bullets", "table"]
    text: str = ""
    lines: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class PiaSection:
    """A numbered section of the PIA."""

    heading: str
    items: tuple[PiaItem, ...]


@dataclass(frozen=True)
class PiaDocument:
    """The whole PIA in one language.

    Attributes:
        fields: the filled fields by key (``purpose``, ``datarecipient``, ...), as printed.
        risks: residual risk per criterion (``singling_out``, ``linkability``,
            ``inference``) and ``overall``: ``low``, ``medium``, ``high`` or ``not_assessed``.
    """

    language: str
    title: str
    subtitle: str
    generated: str
    intro: str
    sections: tuple[PiaSection, ...]
    fields: dict[str, str] = field(default_factory=dict)
    risks: dict[str, Risk] = field(default_factory=dict)


def _annotation(annotations: Mapping[str, str], key: str) -> str | None:
    for name, value in annotations.items():
        if name.strip().lower() == key and str(value).strip():
            return str(value).strip()
    return None


def _criterion_of(key: str) -> str:
    for criterion, keys in CRITERIA.items():
        if key in keys:
            return criterion
    for criterion in CRITERIA:
        if key.startswith(criterion):
            return criterion
    if "inference" in key or "attack" in key:
        return "inference"
    return "other"


def _risk_of(rows: Sequence[MetricRow]) -> Risk:
    statuses = {row.status for row in rows}
    if "fail" in statuses:
        return "high"
    if "pass" in statuses:
        return "low"
    return "not_assessed"


def _overall(risks: Mapping[str, Risk], sensitivity: str, recipient: str) -> Risk:
    main = [risks[c] for c in CRITERIA]
    if "high" in main:
        return "high"
    if "not_assessed" in main:
        return "not_assessed"
    if sensitivity in _SENSITIVE and recipient in _WIDE_RELEASE:
        return "medium"
    return "low"


def _k_text(content: ReportContent) -> str:
    ks = {str(t.parameters.get("k")) for t in content.tables if t.parameters.get("k")}
    if len(ks) == 1:
        return ks.pop()
    return ", ".join(f"{t.name}: {t.parameters.get('k', '?')}" for t in content.tables)


def build_pia(
    content: ReportContent, annotations: Mapping[str, str] | None = None
) -> PiaDocument:
    """Fill the PIA of a run from its report content and annotations.

    Args:
        content: the run's report content (tables, metrics, parameters, PIA metadata).
        annotations: the run's annotations; ``purpose``, ``controller`` and ``dpo`` fill the
            fields of the same names (left "to be completed" otherwise).

    Raises:
        InvalidParameterError: unsupported language or malformed content (as the report).

    Example:
        >>> import pandas as pd
        >>> from avatar_engine.report.content import TableReport
        >>> table = TableReport("t", pd.DataFrame({"a": [1.0, 2.0]}),
        ...                     pd.DataFrame({"a": [2.0, 1.0]}), {"k": 5}, {}, {}, {}, {})
        >>> pia = build_pia(ReportContent("Run", [table], "fr", {"datarecipient": "internal"}))
        >>> pia.fields["datarecipient"], pia.risks["overall"]
        ('Interne', 'not_assessed')
    """
    document = build_document(content)
    language = document.language
    annotations = dict(annotations or {})
    metadata = {k: str(v) for k, v in (content.pia_metadata or {}).items()}

    def t(key: str, **values: object) -> str:
        return pia_text(language, key, **values)

    fields: dict[str, str] = {"processing": content.title}
    context_rows: list[tuple[str, ...]] = [(t("f_processing"), content.title, "")]
    for key in ("controller", "dpo", "purpose"):
        value = _annotation(annotations, key)
        fields[key] = value or t("to_complete")
        context_rows.append((t(f"f_{key}"), fields[key], ""))
    for key in PIA_FIELDS:
        default = "undefined" if key == "sensitivity_level" else "unknown"
        label, description = describe(language, key, metadata.get(key) or default)
        fields[key] = label
        context_rows.append((t(f"f_{key}"), label, description))
    context_rows.append((t("f_legal_basis"), t("legal_basis"), ""))

    recipient = normalize_value(metadata.get("datarecipient") or "unknown")
    sensitivity = normalize_value(metadata.get("sensitivity_level") or "undefined")

    data_rows = tuple(
        (
            table.name,
            str(len(table.original)),
            str(table.original.shape[1]),
            ", ".join(map(str, table.original.columns[:_MAX_NAMES]))
            + (" …" if table.original.shape[1] > _MAX_NAMES else ""),
        )
        for table in content.tables
    )
    parameter_rows = tuple(
        (section.name, label, value)
        for section in document.sections
        for label, value in section.parameters
    )

    by_criterion: dict[str, list[tuple[Section, MetricRow]]] = {
        c: [] for c in (*CRITERIA, "other")
    }
    for section in document.sections:
        for row in section.privacy.rows:
            by_criterion[_criterion_of(row.key)].append((section, row))
    risks: dict[str, Risk] = {
        c: _risk_of([row for _, row in by_criterion[c]]) for c in CRITERIA
    }
    risks["overall"] = _overall(risks, sensitivity, recipient)

    risk_items: list[PiaItem] = []
    for criterion in (*CRITERIA, "other"):
        entries = by_criterion[criterion]
        if criterion == "other" and not entries:
            continue
        risk_items.append(PiaItem("subheading", t(f"criterion_{criterion}")))
        risk_items.append(PiaItem("paragraph", t(f"def_{criterion}")))
        if not entries:
            risk_items.append(PiaItem("paragraph", t("no_metric")))
            continue
        risk_items.append(PiaItem(
            "table",
            headers=(t("col_table"), t("col_metric"), t("col_value"), t("col_target"),
                     t("col_result")),
            rows=tuple(
                (section.name, row.label, row.value, row.target, t(row.status))
                for section, row in entries
            ),
        ))
        if criterion in CRITERIA:
            risk_items.append(PiaItem(
                "paragraph", f"{t('col_risk')} : {t('risk_' + risks[criterion])}"
                if language == "fr" else f"{t('col_risk')}: {t('risk_' + risks[criterion])}"
            ))

    level_rows = (
        *((t(f"criterion_{c}"), t(f"risk_{risks[c]}")) for c in CRITERIA),
        (t("overall"), t(f"risk_{risks['overall']}")),
    )

    organisational = [t("o_default")]
    organisational.append(t(_RECIPIENT_MEASURE.get(recipient, "o_recipient_unknown")))
    organisational.append(t("o_review"))

    missed = sorted({row.label for rows in by_criterion.values() for _, row in rows
                     if row.status == "fail"})
    overall = risks["overall"]
    conclusion = t(f"conclusion_{overall}", missed=", ".join(missed))

    sections = (
        PiaSection(t("h_context"), (
            PiaItem("table", headers=(t("col_field"), t("col_value"), t("col_description")),
                    rows=tuple(context_rows)),
        )),
        PiaSection(t("h_data"), (
            PiaItem("paragraph", t("data_intro")),
            PiaItem("table", headers=(t("col_table"), t("col_individuals"), t("col_variables"),
                                      t("col_names")), rows=data_rows),
        )),
        PiaSection(t("h_measure"), (
            PiaItem("paragraph", t("measure_intro")),
            PiaItem("table", headers=(t("col_table"), t("col_parameter"), t("col_value")),
                    rows=parameter_rows),
            PiaItem("paragraph", t("measure_release")),
        )),
        PiaSection(t("h_risks"), tuple(risk_items)),
        PiaSection(t("h_level"), (
            PiaItem("paragraph", t("level_intro")),
            PiaItem("table", headers=(t("col_criterion"), t("col_risk")), rows=level_rows),
        )),
        PiaSection(t("h_measures"), (
            PiaItem("subheading", t("technical")),
            PiaItem("bullets", lines=(t("t_avatar", k=_k_text(content)), t("t_metrics"),
                                      t("t_originals"))),
            PiaItem("subheading", t("organisational")),
            PiaItem("bullets", lines=tuple(organisational)),
        )),
        PiaSection(t("h_opinion"), (
            PiaItem("paragraph", conclusion),
            PiaItem("table", headers=(t("col_field"), t("col_value")), rows=(
                (t("o_opinion"), t("o_opinion_value")),
                (t("o_name"), fields["dpo"] if _annotation(annotations, "dpo") else ""),
                (t("o_date"), ""),
                (t("o_signature"), ""),
            )),
        )),
    )
    fields["overall_risk"] = t(f"risk_{overall}")
    fields["conclusion"] = conclusion
    return PiaDocument(
        language=language,
        title=t("title"),
        subtitle=t("subtitle", name=content.title),
        generated=t("generated", date=document.date_text),
        intro=t("intro"),
        sections=sections,
        fields=fields,
        risks=risks,
    )
