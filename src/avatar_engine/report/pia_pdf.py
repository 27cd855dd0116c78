"""The privacy impact assessment as a PDF (reportlab, the report's fonts and styles)."""

from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    ListFlowable,
    ListItem,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from avatar_engine.report.content import ReportContent
from avatar_engine.report.pdf import _fonts, _styles
from avatar_engine.report.pia_content import PiaDocument, PiaItem, build_pia

__all__ = ["render_pia_pdf"]

_WIDTH = A4[0] - 4 * cm
_GRID = colors.HexColor("#CBD2D9")
_HEAD = colors.HexColor("#E4ECF7")


def _table(item: PiaItem, styles: dict[str, ParagraphStyle], tall: bool = False) -> Table:
    widths = {
        2: [0.35, 0.65], 3: [0.25, 0.35, 0.40], 4: [0.18, 0.14, 0.14, 0.54],
        5: [0.14, 0.34, 0.16, 0.16, 0.20],
    }.get(len(item.headers), [1 / len(item.headers)] * len(item.headers))
    data = [[Paragraph(escape(h), styles["cell_head"]) for h in item.headers]]
    data += [[Paragraph(escape(v), styles["cell"]) for v in row] for row in item.rows]
    heights = [None] + [1.1 * cm if tall else None] * len(item.rows)
    table = Table(data, colWidths=[w * _WIDTH for w in widths], rowHeights=heights,
                  repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, _GRID),
        ("BACKGROUND", (0, 0), (-1, 0), _HEAD),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table


def _flowables(item: PiaItem, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    if item.kind == "paragraph":
        return [Paragraph(escape(item.text), styles["body"])]
    if item.kind == "subheading":
        return [Paragraph(escape(item.text), styles["h2"])]
    if item.kind == "bullets":
        return [ListFlowable(
            [ListItem(Paragraph(escape(line), styles["body"])) for line in item.lines],
            bulletType="bullet", start="•", leftIndent=12,
        )]
    # The signature block (two columns, empty values) leaves room to write and sign.
    tall = len(item.headers) == 2 and any(row[1] == "" for row in item.rows)
    return [_table(item, styles, tall), Spacer(1, 8)]


def write_pia_pdf(pia: PiaDocument) -> bytes:
    """Lay out an already-built PIA as PDF bytes."""
    fonts = _fonts()
    styles = _styles(fonts)
    story: list[Flowable] = [
        Paragraph(escape(pia.title), styles["title"]),
        Paragraph(escape(pia.subtitle), styles["subtitle"]),
        Paragraph(escape(pia.generated), styles["note"]),
        Paragraph(escape(pia.intro), styles["body"]),
    ]
    for number, section in enumerate(pia.sections, start=1):
        flowables: list[Flowable] = [Paragraph(escape(section.heading), styles["h1"])]
        for item in section.items:
            flowables.extend(_flowables(item, styles))
        # The opinion and its signature block stay on one page.
        story.extend([KeepTogether(flowables)] if number == len(pia.sections) else flowables)

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(fonts["normal"], 7.5)
        canvas.setFillColor(colors.HexColor("#52606D"))
        canvas.drawString(2 * cm, 1.2 * cm, pia.title)
        canvas.drawRightString(A4[0] - 2 * cm, 1.2 * cm, str(doc.page))
        canvas.restoreState()

    out = BytesIO()
    SimpleDocTemplate(
        out, pagesize=A4, leftMargin=2 * cm, rightMargin=2 * cm, topMargin=2 * cm,
        bottomMargin=2 * cm, title=pia.title, lang=pia.language, invariant=1,
    ).build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def render_pia_pdf(content: ReportContent, annotations: Mapping[str, str] | None = None) -> bytes:
    """The PIA of a run as PDF bytes.

    Example:
        >>> import pandas as pd
        >>> from avatar_engine.report.content import TableReport
        >>> table = TableReport("t", pd.DataFrame({"a": [1.0, 2.0]}),
        ...                     pd.DataFrame({"a": [2.0, 1.0]}), {"k": 5}, {}, {}, {}, {})
        >>> render_pia_pdf(ReportContent("Run", [table]))[:5]
        b'%PDF-'
    """
    return write_pia_pdf(build_pia(content, annotations))
