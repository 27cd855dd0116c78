"""The privacy impact assessment and the plots through the SDK, on a live reference server."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import docx
import pandas as pd
import pytest
from compat_support import FIXTURES, LiveServer, live_server
from pypdf import PdfReader

from avatars import Manager
from avatars.constants import DataRecipient, DataSubject, DataType, SensitivityLevel

pytestmark = [pytest.mark.server, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("pia")
    with live_server(folder / "data") as running:
        yield running


def test_download_report_pia_as_docx_and_pdf_in_french(server: LiveServer, tmp_path: Path) -> None:
    manager = Manager(base_url=server.url, api_key=server.admin_key)
    runner = manager.create_runner(
        "iris-pia",
        pia_data_recipient=DataRecipient.RESEARCH,
        pia_data_type=DataType.DEMOGRAPHIC,
        pia_data_subject=DataSubject.CITIZENS,
        pia_sensitivity_level=SensitivityLevel.LOW,
        report_language="fr",
    )
    runner.add_table("iris", pd.read_csv(FIXTURES / "iris.csv"))
    runner.set_parameters("iris", k=10)
    runner.add_annotations({"purpose": "Cours de statistique", "dpo": "Jeanne Martin"})
    runner.run()

    word = runner.download_report(tmp_path / "aipd.docx", report_type="pia")
    document = docx.Document(word)
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    assert document.paragraphs[0].text.startswith("Analyse d’impact")
    assert {"Cours de statistique", "Jeanne Martin", "Chercheurs", "Données démographiques",
            "Citoyens", "Faible", "iris", "150"} <= cells

    pdf = runner.download_report(tmp_path / "aipd.pdf", report_type="pia")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(pdf).pages).split())
    for fragment in ("Analyse d’impact", "Cours de statistique", "Individualisation",
                     "Taux de protection", "Avis du délégué"):
        assert fragment in text

    basic = runner.download_report(tmp_path / "report.pdf")
    assert "Analyse d’impact" not in PdfReader(basic).pages[0].extract_text()
    with pytest.raises(ValueError, match=r"\.pdf or a \.docx"):
        runner.download_report(tmp_path / "aipd.odt", report_type="pia")
    with pytest.raises(ValueError, match="'basic' or 'pia'"):
        runner.download_report(tmp_path / "x.pdf", report_type="summary")

    # The plots drawn by the report job, as PNG and as interactive pages.
    for kind in ("correlation", "correlation_difference", "contribution", "2d_projection",
                 "3d_projection", "distribution", "aggregate_stats", "metrics_summary"):
        assert runner.render_plot("iris", kind).startswith(b"\x89PNG"), kind
    page = runner.render_plot("iris", "3d_projection", path=tmp_path / "iris.html")
    assert b"scatter3d" in page
    assert (tmp_path / "iris.html").read_bytes() == page
    assert b"Plotly.newPlot" in runner.render_plot("iris", "correlations", interactive=True)
    assert runner.render_plot("iris", "projection").startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="drawn for time-series tables"):
        runner.render_plot("iris", "raw_series")
    with pytest.raises(ValueError, match="tables augmented by class"):
        runner.render_plot("iris", "class_projection_2d")
    with pytest.raises(ValueError, match="Unknown plot kind"):
        runner.render_plot("iris", "raw_serie")


def test_documented_example_runs(server: LiveServer, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "reports_and_plots.md"
    blocks = re.findall(r"```python\n(.*?)```", docs.read_text(), flags=re.S)
    assert len(blocks) == 2
    (tmp_path / "fixtures").mkdir()
    (tmp_path / "fixtures" / "iris.csv").write_bytes((FIXTURES / "iris.csv").read_bytes())
    monkeypatch.chdir(tmp_path)
    namespace = {"manager": Manager(base_url=server.url, api_key=server.admin_key)}
    for index, block in enumerate(blocks):
        exec(compile(block, f"{docs}:block{index}", "exec"), namespace)
    assert docx.Document("aipd.docx").paragraphs[0].text.startswith("Analyse d’impact")
    assert b"scatter3d" in Path("iris-3d.html").read_bytes()
    assert os.path.getsize("iris-3d.html") > 1000
    assert Path("chick-sequences.png").read_bytes().startswith(b"\x89PNG")
