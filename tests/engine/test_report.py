"""The report: PDF and HTML, English and French, on real avatarizations of the fixtures."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from avatar_engine import (
    AvatarizationParameters,
    ColumnType,
    InvalidParameterError,
    avatarize,
    compute_privacy_metrics,
    compute_signal_metrics,
)
from avatar_engine.figures import render_figures
from avatar_engine.report import (
    ReportContent,
    TableReport,
    render_report_html,
    render_report_pdf,
)
from avatar_engine.report.i18n import wording

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
GENERATED_AT = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
PIA = {
    "datarecipient": "research",
    "data_type": "health",
    "datasubject": "patients",
    "sensitivity_level": "very_high",
}
STATUS_WORDS = {
    "en": {"pass": r"\bPass\b", "fail": r"\bFail\b"},
    "fr": {"pass": r"(?<!Non )\bConforme\b", "fail": r"\bNon conforme\b"},
}


def _table_report(
    name: str,
    data: pd.DataFrame,
    *,
    k: int,
    ncp: int,
    types: dict[str, ColumnType] | None = None,
    identifiers: tuple[str, ...] = (),
    max_distribution_plots: int | None = None,
) -> TableReport:
    parameters = AvatarizationParameters(k=k, ncp=ncp, seed=11)
    result = avatarize(data, parameters, types=types, identifiers=identifiers)
    original = data.drop(columns=list(identifiers))
    shuffled = result.shuffled.drop(columns=list(identifiers))
    unshuffled = result.unshuffled.drop(columns=list(identifiers))
    return TableReport(
        name=name,
        original=original,
        avatars=shuffled,
        parameters=result.metadata["parameters"],
        privacy_metrics=compute_privacy_metrics(
            original, unshuffled, types=types, ncp=ncp, seed=11
        ),
        signal_metrics=compute_signal_metrics(original, shuffled, types=types, ncp=ncp, seed=11),
        figures=render_figures(
            original, shuffled, result.original_projections, result.avatar_projections,
            types=types,
            max_distribution_plots=max_distribution_plots,
        ),
        run_metadata=result.metadata,
    )


@pytest.fixture(scope="module")
def wbcd_table() -> TableReport:
    data = pd.read_csv(FIXTURES / "wbcd.csv")
    return _table_report("wbcd", data, k=20, ncp=5, types={"Class": ColumnType.CATEGORY})


@pytest.fixture(scope="module")
def patient_table() -> TableReport:
    data = pd.read_csv(FIXTURES / "patient.csv")
    return _table_report("patient", data, k=10, ncp=3, identifiers=("p_id",))


def _content(tables: list[TableReport], language: str = "en") -> ReportContent:
    return ReportContent(
        title="Avatarization report: hospital study",
        tables=tables,
        language=language,
        pia_metadata=PIA,
        generated_at=GENERATED_AT,
    )


def _pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def _expected_statuses(tables: list[TableReport]) -> dict[str, int]:
    counts = {"pass": 0, "fail": 0}
    for table in tables:
        for result in (table.privacy_metrics, table.signal_metrics):
            entries = result["metrics"].values()
            rows = [
                entry["passed"]
                for entry in entries
                if entry["value"] is not None and entry["target"] is not None
            ]
            for passed in rows:
                counts["pass" if passed else "fail"] += 1
            # the executive summary shows one status per table and kind of metrics
            counts["pass" if all(rows) else "fail"] += 1
    return counts


def _target_text(entry: dict, language: str) -> str:
    if entry["target"] is None:
        return wording(language).text("no_target")
    sign = ">" if entry["direction"] == "higher" else "<"
    target = float(entry["target"])
    number = f"{target:g}".replace(".", "," if language == "fr" else ".")
    return f"{sign} {number}"


@pytest.mark.parametrize("language", ["en", "fr"])
def test_pdf_states_every_metric_with_target_and_result(
    wbcd_table: TableReport, patient_table: TableReport, language: str
) -> None:
    tables = [wbcd_table, patient_table]
    pdf = render_report_pdf(_content(tables, language))

    assert pdf.startswith(b"%PDF-")
    text = _pdf_text(pdf)
    words = wording(language)
    for table in tables:
        for result in (table.privacy_metrics, table.signal_metrics):
            for key, entry in result["metrics"].items():
                label = words.metric(key, entry["label"], entry["description"]).label
                assert label in text, f"metric {key} missing from the {language} PDF"
                assert _target_text(entry, language) in text
    expected = _expected_statuses(tables)
    for status, pattern in STATUS_WORDS[language].items():
        assert len(re.findall(pattern, text)) == expected[status], status
    for column in wbcd_table.original.columns:
        assert column in text
    for value in ("research", "health") if language == "en" else ("recherche", "santé"):
        assert value in text
    assert "Guillaudeux" in text
    assert "npj Digital Medicine 6, 37 (2023)" in text


def test_pdf_is_in_french_when_asked(wbcd_table: TableReport) -> None:
    text = _pdf_text(render_report_pdf(_content([wbcd_table], "fr")))

    for phrase in (
        "Synthèse",
        "Métriques de confidentialité",
        "Méthodologie",
        "Validation par le délégué à la protection des données",
        "14 mars 2026",
        "très élevé",
    ):
        assert phrase in text
    assert "Executive summary" not in text


def test_pdf_pages_metadata_and_signature_block(wbcd_table: TableReport) -> None:
    pdf = render_report_pdf(_content([wbcd_table]))
    reader = PdfReader(io.BytesIO(pdf))

    pages = len(reader.pages)
    assert pages >= 4
    assert f"Page {pages} of {pages}" in reader.pages[-1].extract_text()
    assert reader.metadata is not None
    assert reader.metadata.title == "Avatarization report: hospital study"
    assert reader.metadata.creation_date is not None
    assert reader.metadata.creation_date.replace(tzinfo=None) == GENERATED_AT.replace(tzinfo=None)
    last_page = " ".join(reader.pages[-1].extract_text().split())
    for field in ("Name", "Function", "Date", "Decision", "Signature", "Approved for sharing"):
        assert field in last_page
    images = sum(len(page.images) for page in reader.pages)
    assert images == len(wbcd_table.figures) == 3


def test_same_content_gives_identical_bytes(wbcd_table: TableReport) -> None:
    content = _content([wbcd_table])

    assert render_report_pdf(content) == render_report_pdf(content)
    assert render_report_html(content) == render_report_html(content)
    later = replace(content, generated_at=datetime(2026, 3, 15, tzinfo=UTC))
    assert render_report_pdf(later) != render_report_pdf(content)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_html_carries_the_same_content(
    wbcd_table: TableReport, patient_table: TableReport, language: str
) -> None:
    tables = [wbcd_table, patient_table]
    page = render_report_html(_content(tables, language))

    assert page.startswith("<!DOCTYPE html>")
    assert f'<html lang="{language}">' in page
    words = wording(language)
    for table in tables:
        for result in (table.privacy_metrics, table.signal_metrics):
            for key, entry in result["metrics"].items():
                label = words.metric(key, entry["label"], entry["description"]).label
                assert label in page
                target = _target_text(entry, language).replace(">", "&gt;").replace("<", "&lt;")
                assert target in page.replace("\u00a0", " ")
    expected = _expected_statuses(tables)
    for status, pattern in STATUS_WORDS[language].items():
        assert len(re.findall(pattern, page)) == expected[status], status
        assert page.count(f'class="status {status}"') == expected[status]
    assert page.count('src="data:image/png;base64,') == 6
    assert "http://" not in page  # nothing is fetched from outside
    assert "https://" not in page


def test_html_escapes_user_text(wbcd_table: TableReport) -> None:
    hostile = "<script>alert('x')</script>"
    original = wbcd_table.original.rename(columns={"Mitoses": hostile})
    avatars = wbcd_table.avatars.rename(columns={"Mitoses": hostile})
    table = replace(wbcd_table, name=hostile, original=original, avatars=avatars)
    content = replace(_content([table]), title=hostile, pia_metadata={"datarecipient": hostile})

    page = render_report_html(content)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert hostile in _pdf_text(render_report_pdf(content))


def test_forty_columns_fit_and_every_column_is_listed() -> None:
    rng = np.random.default_rng(3)
    rows = 160
    data = pd.DataFrame(
        {
            f"measurement_{index:02d}_{'score' if index % 4 else 'group'}": (
                rng.choice(["low", "mid", "high"], rows) if index % 4 == 0
                else rng.normal(50, 10, rows).round(1)
            )
            for index in range(40)
        }
    )
    data.iloc[::9, 5] = np.nan
    table = _table_report("wide", data, k=10, ncp=5, max_distribution_plots=8)

    pdf = render_report_pdf(_content([table]))
    text = re.sub(r"\s+", "", _pdf_text(pdf))
    for column in data.columns:
        assert column in text
    page = render_report_html(_content([table]))
    for column in data.columns:
        assert f">{column}</th>" in page


def _with_all(result: dict, passed: bool) -> dict:
    metrics = {
        key: {**entry, "passed": passed, "value": entry["value"] or 1.0}
        for key, entry in result["metrics"].items()
    }
    return {**result, "metrics": metrics, "passed": passed}


def test_missing_metrics_make_an_incomplete_verdict(wbcd_table: TableReport) -> None:
    table = replace(
        wbcd_table,
        privacy_metrics=_with_all(wbcd_table.privacy_metrics, True),
        signal_metrics={},
        figures={},
    )
    text = _pdf_text(render_report_pdf(_content([table])))

    assert "Not fully assessed" in text
    assert "These metrics were not computed for this table." in text
    assert "No figure was provided for this table." in text


def test_verdict_follows_the_metrics(wbcd_table: TableReport) -> None:
    safe = replace(
        wbcd_table,
        privacy_metrics=_with_all(wbcd_table.privacy_metrics, True),
        signal_metrics=_with_all(wbcd_table.signal_metrics, True),
    )
    lossy = replace(safe, signal_metrics=_with_all(wbcd_table.signal_metrics, False))
    unsafe = replace(safe, privacy_metrics=_with_all(wbcd_table.privacy_metrics, False))

    verdicts = {
        "ok": "All privacy targets are met and the statistical signal is kept",
        "signal": "Privacy targets met, but part of the statistical signal is lost",
        "privacy": "Privacy targets NOT met",
    }
    for table, expected in ((safe, "ok"), (lossy, "signal"), (unsafe, "privacy")):
        page = render_report_html(_content([table]))
        found = [name for name, sentence in verdicts.items() if sentence in page]
        assert found == [expected]
        assert ("Missed: " in page) == (expected != "ok")
    unsafe_page = render_report_html(_content([unsafe]))
    assert "Missed: Hidden rate, Local cloaking" in unsafe_page


@pytest.mark.parametrize(
    ("change", "parameter"),
    [
        ({"language": "de"}, "language"),
        ({"tables": []}, "tables"),
    ],
)
def test_bad_content_is_refused_with_the_parameter_named(
    wbcd_table: TableReport, change: dict, parameter: str
) -> None:
    content = replace(_content([wbcd_table]), **change)

    with pytest.raises(InvalidParameterError) as error:
        render_report_pdf(content)
    assert error.value.parameter == parameter
    with pytest.raises(InvalidParameterError):
        render_report_html(content)


def test_figures_must_be_png(wbcd_table: TableReport) -> None:
    table = replace(wbcd_table, figures={"projection": b"not a png"})

    with pytest.raises(InvalidParameterError, match="render_figures"):
        render_report_pdf(_content([table]))


def test_leaks_are_named_in_the_report_language(wbcd_table: TableReport) -> None:
    copies = wbcd_table.original.copy()
    leaky = replace(wbcd_table, avatars=copies,
                    privacy_metrics=compute_privacy_metrics(wbcd_table.original, copies,
                                                            paired=False, seed=0))
    assert leaky.privacy_metrics["passed"] is False
    english = render_report_html(_content([leaky]))
    french = render_report_html(_content([leaky], language="fr"))
    assert "exact copies of original rows" in english
    assert "copies exactes de lignes d’origine" in french
    assert "exact copies of original rows" not in french
    assert "lower values protect better" in english
    assert "plus basse protège" in french
