"""The report as .docx: a real Word document with the same sections as the PDF."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO

import docx
import pandas as pd

from avatar_engine import ReportContent, TableReport, render_report_docx


def test_docx_report_opens_and_names_every_table() -> None:
    frame = pd.DataFrame({"age": [30, 41, 52, 63], "sex": ["f", "m", "f", "m"]})
    tables = [
        TableReport(name, frame, frame.iloc[::-1], {"k": 2, "ncp": 2}, {}, {}, {}, {})
        for name in ("patients", "visits")
    ]
    content = ReportContent(
        "Avatarization of a study",
        tables,
        pia_metadata={"datarecipient": "researchers", "data_type": "health"},
        generated_at=datetime(2026, 1, 1),
    )
    document = docx.Document(BytesIO(render_report_docx(content)))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert "Avatarization of a study" in text
    assert "patients" in text
    assert "visits" in text
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    assert "researchers" in cells
    assert document.core_properties.title == "Avatarization of a study"
