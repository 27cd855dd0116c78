"""The privacy impact assessment as a Word document (.docx), for the DPO to complete and sign."""

from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO

import docx as python_docx
from docx.document import Document as DocxDocument

from avatar_engine.report.content import ReportContent
from avatar_engine.report.pia_content import PiaDocument, PiaItem, build_pia

__all__ = ["render_pia_docx"]


def _item(doc: DocxDocument, item: PiaItem) -> None:
    if item.kind == "paragraph":
        doc.add_paragraph(item.text)
    elif item.kind == "subheading":
        doc.add_heading(item.text, level=2)
    elif item.kind == "bullets":
        for line in item.lines:
            doc.add_paragraph(line, style="List Bullet")
    else:
        table = doc.add_table(rows=1, cols=len(item.headers))
        table.style = "Light Grid Accent 1"
        for cell, header in zip(table.rows[0].cells, item.headers, strict=True):
            cell.text = header
        for row in item.rows:
            for cell, value in zip(table.add_row().cells, row, strict=True):
                cell.text = value
        doc.add_paragraph()


def write_pia_docx(pia: PiaDocument) -> bytes:
    """Lay out an already-built PIA as .docx bytes."""
    doc = python_docx.Document()
    doc.core_properties.title = pia.title
    doc.core_properties.language = pia.language
    doc.add_heading(pia.title, level=0)
    doc.add_paragraph(pia.subtitle)
    doc.add_paragraph(pia.generated)
    doc.add_paragraph(pia.intro)
    for section in pia.sections:
        doc.add_heading(section.heading, level=1)
        for item in section.items:
            _item(doc, item)
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


def render_pia_docx(content: ReportContent, annotations: Mapping[str, str] | None = None) -> bytes:
    """The PIA of a run as .docx bytes.

    Example:
        >>> import pandas as pd
        >>> from avatar_engine.report.content import TableReport
        >>> table = TableReport("t", pd.DataFrame({"a": [1.0, 2.0]}),
        ...                     pd.DataFrame({"a": [2.0, 1.0]}), {"k": 5}, {}, {}, {}, {})
        >>> render_pia_docx(ReportContent("Run", [table]))[:2]
        b'PK'
    """
    return write_pia_docx(build_pia(content, annotations))
