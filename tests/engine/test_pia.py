"""The privacy impact assessment (PIA): filled from real runs, opened as .docx and as PDF text."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import docx
import pandas as pd
import pytest
from palmerpenguins import load_penguins
from pypdf import PdfReader

from avatar_engine import compute_privacy_metrics, compute_signal_metrics
from avatar_engine.avatarization import AvatarizationParameters, avatarize
from avatar_engine.report import ReportContent, TableReport, render_pia_docx, render_pia_pdf
from avatar_engine.report.pia_content import build_pia

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
METADATA = {
    "datarecipient": "opendata",
    "data_type": "health",
    "datasubject": "patients",
    "sensitivity_level": "Very High",
}
ANNOTATIONS = {"Purpose": "Share penguin measurements with the field station",
               "controller": "Palmer Station LTER", "dpo": "Jeanne Martin"}


def _table_report(name: str, table: pd.DataFrame, k: int) -> TableReport:
    result = avatarize(table, AvatarizationParameters(k=k, ncp=4, seed=3))
    return TableReport(
        name, table, result.shuffled, {"k": k, "ncp": 4},
        compute_privacy_metrics(table, result.unshuffled, ncp=4),
        compute_signal_metrics(table, result.shuffled), {}, result.metadata,
    )


@pytest.fixture(scope="module")
def penguins_report() -> TableReport:
    return _table_report("penguins", load_penguins().dropna().reset_index(drop=True), k=15)


@pytest.fixture(scope="module")
def iris_report() -> TableReport:
    return _table_report("iris", pd.read_csv(FIXTURES / "iris.csv"), k=10)


def _docx_text(data: bytes) -> str:
    document = docx.Document(BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["Privacy impact assessment", "Open data (general public)", "Health data",
                "Patients", "Very high", "Singling out", "Linkability", "Inference",
                "Opinion of the data protection officer"]),
        ("fr", ["Analyse d’impact relative à la protection des données", "Données ouvertes",
                "Données de santé", "Patients", "Très élevé", "Individualisation",
                "Corrélation", "Inférence", "Avis du délégué à la protection des données"]),
    ],
)
def test_pia_docx_and_pdf_carry_the_filled_fields(
    penguins_report: TableReport, iris_report: TableReport, language: str,
    expected: list[str],
) -> None:
    content = ReportContent("Field study", [penguins_report, iris_report], language, METADATA)
    pia = build_pia(content, ANNOTATIONS)
    for data, text_of in ((render_pia_docx(content, ANNOTATIONS), _docx_text),
                          (render_pia_pdf(content, ANNOTATIONS), _pdf_text)):
        text = " ".join(text_of(data).split())
        for fragment in [*expected, ANNOTATIONS["Purpose"], ANNOTATIONS["controller"],
                         "Jeanne Martin", "penguins", "iris", "333",
                         pia.fields["overall_risk"], pia.fields["conclusion"][:60]]:
            assert " ".join(fragment.split()) in text, (language, fragment)
    # Every measured value of the risk tables is printed in both formats.
    pdf_text = " ".join(_pdf_text(render_pia_pdf(content, ANNOTATIONS)).split())
    docx_text = _docx_text(render_pia_docx(content, ANNOTATIONS))
    risk_rows = [row for section in pia.sections for item in section.items
                 if item.kind == "table" and len(item.headers) == 5 for row in item.rows]
    assert len(risk_rows) == len(penguins_report.privacy_metrics["metrics"]) + len(
        iris_report.privacy_metrics["metrics"])
    for _table, label, value, _, _ in risk_rows:
        assert value in docx_text
        assert label in docx_text
        assert " ".join(value.split()) in pdf_text


def test_pia_risk_follows_the_metrics_and_the_context(iris_report: TableReport) -> None:
    metrics = iris_report.privacy_metrics["metrics"]
    content = ReportContent("Iris", [iris_report], "en", {"datarecipient": "internal"})
    pia = build_pia(content)
    expected_singling = (
        "high" if any(not metrics[k]["passed"] for k in
                      ("hidden_rate", "local_cloaking", "row_direct_match_protection"))
        else "low"
    )
    assert pia.risks["singling_out"] == expected_singling
    assert pia.fields["purpose"] == "to be completed by the controller"

    # One failing measure of linkability makes the criterion, and the whole, high.
    failing = dict(metrics)
    failing["closest_distances_ratio"] = {**metrics["closest_distances_ratio"], "passed": False}
    broken = TableReport(**{**iris_report.__dict__,
                            "privacy_metrics": {**iris_report.privacy_metrics,
                                                "metrics": failing}})
    high = build_pia(ReportContent("Iris", [broken], "en", {"datarecipient": "internal"}))
    assert high.risks["linkability"] == "high"
    assert high.risks["overall"] == "high"
    assert "Closest distances ratio" in high.fields["conclusion"]

    # All met: sensitive data released to the public stay at medium, internal use is low.
    clean = {k: {**v, "passed": True} for k, v in metrics.items()}
    ok = TableReport(**{**iris_report.__dict__,
                        "privacy_metrics": {**iris_report.privacy_metrics, "metrics": clean}})
    sensitive_public = build_pia(ReportContent("Iris", [ok], "en", METADATA))
    internal = build_pia(ReportContent("Iris", [ok], "en", {"datarecipient": "internal",
                                                            "sensitivity_level": "low"}))
    assert sensitive_public.risks["overall"] == "medium"
    assert internal.risks["overall"] == "low"


def test_pia_without_privacy_metrics_is_not_assessed(iris_report: TableReport) -> None:
    bare = TableReport(**{**iris_report.__dict__, "privacy_metrics": {}})
    pia = build_pia(ReportContent("Iris", [bare], "fr"))
    assert set(pia.risks.values()) == {"not_assessed"}
    assert "ne peut pas être évalué" in pia.fields["conclusion"]
    assert pia.fields["datarecipient"] == "Non identifié"
