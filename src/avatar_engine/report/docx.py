"""The report as a Word document (.doc), for reviewers who annotate and sign it there."""

from __future__ import annotations

from io import BytesIO

import docx as python_docx
from docx.document import Document as DocxDocument
from docx.shared import Cm

from avatar_engine.report._document import Document, MetricsBlock, Section, build_document
from avatar_engine.report.content import ReportContent

__all__ = ["render_report_docx"]

_FIGURE_WIDTH = Cm(15)


def _pairs_table(doc: DocxDocument, rows: tuple[tuple[str, str], ...]) -> None:
    table = doc.add_table(rows=0, cols=2)
    table.style = "Light List Accent 1"
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value


def _metrics(doc: DocxDocument, document: Document, heading: str, block: MetricsBlock) -> None:
    doc.add_heading(document.words.text(heading), level=3)
    doc.add_paragraph(block.summary(document.words))
    if not block.rows:
        return
    table = doc.add_table(rows=1, cols=4)
    table.style = "Light List Accent 1"
    header = table.rows[0].cells
    header[0].text = document.words.text("col_metric")
    header[1].text = document.words.text("col_value")
    header[2].text = document.words.text("col_target")
    header[3].text = document.words.text("col_result")
    for row in block.rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = row.label, row.value
        cells[2].text, cells[3].text = row.target, row.status_text


def _section(doc: DocxDocument, document: Document, section: Section) -> None:
    doc.add_heading(section.heading, level=2)
    if section.facts:
        doc.add_heading(document.words.text("dataset_heading"), level=3)
        _pairs_table(doc, section.facts)
    if section.parameters:  # a structure section (a link between tables) has none
        doc.add_heading(document.words.text("parameters_heading"), level=3)
        _pairs_table(doc, section.parameters)
    _metrics(doc, document, "privacy_heading", section.privacy)
    _metrics(doc, document, "signal_heading", section.signal)
    if section.figures:
        doc.add_heading(document.words.text("figures_heading"), level=3)
        for figure in section.figures:
            doc.add_picture(BytesIO(figure.png), width=_FIGURE_WIDTH)
            doc.add_paragraph(figure.caption)


def render_report_docx(content: ReportContent) -> bytes:
    """Render the report as the bytes of a .docx file (the same sections as the PDF).

    Example:
        >>> from datetime import datetime
        >>> import pandas as pd
        >>> from avatar_engine.report import ReportContent, TableReport
        >>> table = TableReport("t", pd.DataFrame({"a": [1, 2]}), pd.DataFrame({"a": [2, 1]}),
        ...                     {"k": 5, "ncp": 2}, {}, {}, {}, {})
        >>> data = render_report_docx(ReportContent("Demo", [table],
        ...                                         generated_at=datetime(2026, 1, 1)))
        >>> data[:2]
        b'PK'
    """
    document = build_document(content)
    doc = python_docx.Document()
    doc.core_properties.title = document.title
    doc.core_properties.author = "avatars"
    doc.core_properties.language = document.language
    doc.add_heading(document.title, level=0)
    doc.add_paragraph(document.words.text("subtitle"))
    doc.add_paragraph(f"{document.words.text('generated_on')} {document.date_text}")
    if document.pia:
        doc.add_heading(document.words.text("pia_heading"), level=1)
        _pairs_table(doc, document.pia)
    doc.add_heading(document.words.text("summary_heading"), level=1)
    doc.add_paragraph(document.words.text(f"verdict_{document.verdict}"))
    for section in document.sections:
        for leak in section.privacy.leaks:
            doc.add_paragraph(f"{section.name}: {leak}", style="List Bullet")
    for section in document.sections:
        _section(doc, document, section)
    buffer = BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
