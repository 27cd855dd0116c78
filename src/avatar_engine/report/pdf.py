"""The report as a PDF (reportlab only: no system library, no browser).

The output is deterministic: with a fixed ``generated_at`` the same content gives the same
bytes (reportlab's invariant mode, creation date taken from ``generated_at``).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime
from functools import partial
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import matplotlib
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from avatar_engine.report._document import (
    Document,
    MetricsBlock,
    Section,
    Status,
    build_document,
)
from avatar_engine.report.content import ReportContent

__all__ = ["render_report_pdf"]

_PAGE_WIDTH, _PAGE_HEIGHT = A4
_MARGIN_X = 2.0 * cm
_MARGIN_TOP = 2.3 * cm
_MARGIN_BOTTOM = 2.0 * cm
_FRAME_WIDTH = _PAGE_WIDTH - 2 * _MARGIN_X
_FRAME_HEIGHT = _PAGE_HEIGHT - _MARGIN_TOP - _MARGIN_BOTTOM

_INK = colors.HexColor("#1F2933")
_MUTED = colors.HexColor("#52606D")
_ACCENT = colors.HexColor("#1D4E89")
_RULE = colors.HexColor("#CBD2D9")
_HEADER_FILL = colors.HexColor("#E4ECF5")
_STATUS_FILL = {
    "pass": colors.HexColor("#DDF2E3"),
    "fail": colors.HexColor("#F9DEDC"),
    "info": colors.HexColor("#EEF0F2"),
}
_STATUS_INK = {
    "pass": colors.HexColor("#1B6B35"),
    "fail": colors.HexColor("#A61B1B"),
    "info": colors.HexColor("#52606D"),
}
_STATUS_MARK = {"pass": "✔", "fail": "✘", "info": "•"}
_VERDICT_STATUS: dict[str, Status] = {
    "ok": "pass",
    "privacy_fail": "fail",
    "signal_fail": "info",
    "not_assessed": "info",
}

_FONT_LOCK = threading.Lock()
_FONT_FILES = {
    "AvatarSans": "DejaVuSans.ttf",
    "AvatarSans-Bold": "DejaVuSans-Bold.ttf",
    "AvatarSans-Oblique": "DejaVuSans-Oblique.ttf",
    "AvatarSans-BoldOblique": "DejaVuSans-BoldOblique.ttf",
}


def render_report_pdf(content: ReportContent) -> bytes:
    """Render the report as PDF bytes.

    Args:
        content: the tables, their metrics and figures, the language and PIA context.

    Returns:
        The PDF file's bytes (A4). Byte-identical for the same content when
        ``content.generated_at`` is set.

    Raises:
        InvalidParameterError: unsupported language, no table, malformed metrics or figures.
        InvalidDataError: a table that is not a DataFrame.

    Example:
        >>> from datetime import datetime
        >>> import pandas as pd
        >>> from avatar_engine.report import ReportContent, TableReport
        >>> table = TableReport("t", pd.DataFrame({"a": [1, 2]}), pd.DataFrame({"a": [2, 1]}),
        ...                     {"k": 5, "ncp": 2}, {}, {}, {}, {})
        >>> pdf = render_report_pdf(ReportContent("Demo", [table],
        ...                                       generated_at=datetime(2026, 1, 1)))
        >>> pdf[:5]
        b'%PDF-'
    """
    document = build_document(content)
    fonts = _fonts()
    styles = _styles(fonts)
    buffer = BytesIO()
    template = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=_MARGIN_X,
        rightMargin=_MARGIN_X,
        topMargin=_MARGIN_TOP,
        bottomMargin=_MARGIN_BOTTOM,
        title=document.title,
        author="avatars",
        subject=document.words.text("subtitle"),
        creator="avatar_engine",
        invariant=1,
        lang=document.language,
    )
    story = _story(document, styles)
    maker = partial(_ReportCanvas, document=document, fonts=fonts)
    template.build(story, canvasmaker=maker)
    return buffer.getvalue()


# Fonts and styles ---------------------------------------------------------------------------


def _fonts() -> dict[str, str]:
    """Register DejaVu Sans (shipped with matplotlib: full Unicode, accents, ✔ ✘ ☐)."""
    directory = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    if all((directory / name).is_file() for name in _FONT_FILES.values()):
        with _FONT_LOCK:  # reportlab's font registry is process-wide
            registered = set(pdfmetrics.getRegisteredFontNames())
            for face, file_name in _FONT_FILES.items():
                if face not in registered:
                    pdfmetrics.registerFont(TTFont(face, str(directory / file_name)))
        pdfmetrics.registerFontFamily(
            "AvatarSans",
            normal="AvatarSans",
            bold="AvatarSans-Bold",
            italic="AvatarSans-Oblique",
            boldItalic="AvatarSans-BoldOblique",
        )
        return {"normal": "AvatarSans", "bold": "AvatarSans-Bold", "italic": "AvatarSans-Oblique"}
    return {"normal": "Helvetica", "bold": "Helvetica-Bold", "italic": "Helvetica-Oblique"}


def _styles(fonts: dict[str, str]) -> dict[str, ParagraphStyle]:
    body = ParagraphStyle(
        "body", fontName=fonts["normal"], fontSize=9.5, leading=13.5, textColor=_INK,
        spaceAfter=5,
    )
    return {
        "body": body,
        "title": ParagraphStyle(
            "title", parent=body, fontName=fonts["bold"], fontSize=22, leading=27,
            textColor=_ACCENT, spaceAfter=8,
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=body, fontSize=12.5, leading=16, textColor=_MUTED, spaceAfter=14,
        ),
        "h1": ParagraphStyle(
            "h1", parent=body, fontName=fonts["bold"], fontSize=16, leading=20,
            textColor=_ACCENT, spaceBefore=4, spaceAfter=10,
        ),
        "h2": ParagraphStyle(
            "h2", parent=body, fontName=fonts["bold"], fontSize=12, leading=15,
            textColor=_ACCENT, spaceBefore=12, spaceAfter=6, keepWithNext=1,
        ),
        "cell": ParagraphStyle(
            "cell", parent=body, fontSize=8.5, leading=11, spaceAfter=0,
        ),
        "cell_bold": ParagraphStyle(
            "cell_bold", parent=body, fontName=fonts["bold"], fontSize=8.5, leading=11,
            spaceAfter=0,
        ),
        "cell_small": ParagraphStyle(
            "cell_small", parent=body, fontSize=8, leading=10.5, spaceAfter=0,
        ),
        "cell_small_bold": ParagraphStyle(
            "cell_small_bold", parent=body, fontName=fonts["bold"], fontSize=8, leading=10.5,
            spaceAfter=0,
        ),
        "cell_head": ParagraphStyle(
            "cell_head", parent=body, fontName=fonts["bold"], fontSize=8.5, leading=11,
            spaceAfter=0, textColor=_ACCENT,
        ),
        "cell_note": ParagraphStyle(
            "cell_note", parent=body, fontSize=7.5, leading=9.5, spaceAfter=0,
            textColor=_MUTED,
        ),
        "cell_note_centered": ParagraphStyle(
            "cell_note_centered", parent=body, fontSize=7.5, leading=9.5, spaceAfter=0,
            spaceBefore=2, textColor=_MUTED, alignment=TA_CENTER,
        ),
        "note": ParagraphStyle(
            "note", parent=body, fontSize=8, leading=10.5, textColor=_MUTED, spaceAfter=6,
        ),
        "caption": ParagraphStyle(
            "caption", parent=body, fontName=fonts["italic"], fontSize=8.5, leading=11,
            textColor=_MUTED, spaceBefore=3, spaceAfter=12,
        ),
        "verdict": ParagraphStyle(
            "verdict", parent=body, fontName=fonts["bold"], fontSize=11.5, leading=15,
            spaceAfter=0,
        ),
        "status": ParagraphStyle(
            "status", parent=body, fontName=fonts["bold"], fontSize=8.5, leading=11,
            spaceAfter=0, alignment=TA_CENTER,
        ),
    }


def _text(value: str) -> str:
    return escape(value)


# Page decoration ----------------------------------------------------------------------------


class _ReportCanvas(Canvas):
    """Canvas that numbers pages "x of y", draws header/footer and fixes the creation date."""

    def __init__(self, *args: Any, document: Document, fonts: dict[str, str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._document = document
        self._fonts = fonts
        self._pages: list[dict[str, Any]] = []
        moment = document.generated_at
        self.setDateFormatter(partial(_pdf_date, moment))

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._decorate(total)
            super().showPage()
        super().save()

    def _decorate(self, total: int) -> None:
        words = self._document.words
        page = self._pageNumber
        self.saveState()
        self.setStrokeColor(_RULE)
        self.setLineWidth(0.6)
        self.setFillColor(_MUTED)
        if page > 1:
            self.setFont(self._fonts["normal"], 8)
            top = _PAGE_HEIGHT - 1.4 * cm
            self.drawString(_MARGIN_X, top, _clip(self._document.title, 80))
            self.drawRightString(_PAGE_WIDTH - _MARGIN_X, top, self._document.date_text)
            self.line(_MARGIN_X, top - 4, _PAGE_WIDTH - _MARGIN_X, top - 4)
        bottom = 1.2 * cm
        self.line(_MARGIN_X, bottom + 10, _PAGE_WIDTH - _MARGIN_X, bottom + 10)
        self.setFont(self._fonts["normal"], 8)
        self.drawString(_MARGIN_X, bottom, words.text("subtitle"))
        self.drawRightString(
            _PAGE_WIDTH - _MARGIN_X, bottom, words.text("page_of", page=page, total=total)
        )
        self.restoreState()


def _pdf_date(moment: datetime, *_: int) -> str:
    return f"D:{moment:%Y%m%d%H%M%S}+00'00'"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Story --------------------------------------------------------------------------------------


def _story(document: Document, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    words = document.words
    story: list[Flowable] = [
        Spacer(1, 1.2 * cm),
        Paragraph(_text(document.title), styles["title"]),
        Paragraph(_text(words.text("subtitle")), styles["subtitle"]),
        _key_values(
            [
                (words.text("generated_on"), document.date_text),
                (
                    words.text("tables_covered"),
                    ", ".join(section.name for section in document.sections),
                ),
            ],
            styles,
        ),
        Paragraph(_text(words.text("pia_heading")), styles["h2"]),
        _key_values(list(document.pia), styles),
        Paragraph(_text(words.text("summary_heading")), styles["h2"]),
        _verdict_box(document, styles),
        *_leaks(document, styles),
        Spacer(1, 8),
        Paragraph(_text(words.text(f"summary_{document.verdict}")), styles["body"]),
        Spacer(1, 4),
        _summary_table(document, styles),
    ]
    for section in document.sections:
        story.append(PageBreak())
        story.extend(_section(document, section, styles))
    story.append(PageBreak())
    story.extend(_methodology(document, styles))
    story.append(_signature(document, styles))
    return story


def _table(
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    *,
    header: bool = True,
    extra: Sequence[tuple[Any, ...]] = (),
) -> Table:
    table = Table(
        [list(row) for row in rows],
        colWidths=[_FRAME_WIDTH * share for share in widths],
        repeatRows=1 if header else 0,
        hAlign="LEFT",
    )
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("GRID", (0, 0), (-1, -1), 0.5, _RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 3.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("LEFTPADDING", (0, 0), (-1, -1), 5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 5),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), _HEADER_FILL))
    table.setStyle(TableStyle([*commands, *extra]))
    return table


def _key_values(rows: Sequence[tuple[str, str]], styles: dict[str, ParagraphStyle]) -> Table:
    cells = [
        [Paragraph(_text(key), styles["cell_bold"]), Paragraph(_text(value), styles["cell"])]
        for key, value in rows
    ]
    return _table(
        cells, (0.36, 0.64), header=False,
        extra=[("BACKGROUND", (0, 0), (0, -1), _HEADER_FILL)],
    )


def _status_cell(status: Status, text: str, styles: dict[str, ParagraphStyle]) -> Paragraph:
    colour = _STATUS_INK[status].hexval()[2:]
    return Paragraph(
        f'<font color="#{colour}">{_STATUS_MARK[status]} {_text(text)}</font>', styles["status"]
    )


def _leaks(document: Document, styles: dict[str, ParagraphStyle]) -> list[Paragraph]:
    """One line per failed privacy target, naming the table and the leak."""
    return [
        Paragraph(_text(f"\u2022 {section.name}: {leak}"), styles["body"])
        for section in document.sections for leak in section.privacy.leaks
    ]


def _verdict_box(document: Document, styles: dict[str, ParagraphStyle]) -> Table:
    status = _VERDICT_STATUS[document.verdict]
    colour = _STATUS_INK[status].hexval()[2:]
    text = document.words.text(f"verdict_{document.verdict}")
    paragraph = Paragraph(
        f'<font color="#{colour}">{_STATUS_MARK[status]} {_text(text)}</font>',
        styles["verdict"],
    )
    table = Table([[paragraph]], colWidths=[_FRAME_WIDTH], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), _STATUS_FILL[status]),
                ("BOX", (0, 0), (-1, -1), 1.2, _STATUS_INK[status]),
                ("TOPPADDING", (0, 0), (-1, -1), 9),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 9),
                ("LEFTPADDING", (0, 0), (-1, -1), 10),
            ]
        )
    )
    return table


def _block_cell(
    document: Document, block: MetricsBlock, styles: dict[str, ParagraphStyle]
) -> list[Paragraph]:
    status = block.status()
    text = block.summary(document.words)
    if status != "info":
        text += f" — {document.status_text(status)}"
    cell = [_status_cell(status, text, styles)]
    if block.missed:
        missed = document.words.text("summary_missed", labels=", ".join(block.missed))
        cell.append(Paragraph(_text(missed), styles["cell_note_centered"]))
    return cell


def _summary_table(document: Document, styles: dict[str, ParagraphStyle]) -> Table:
    words = document.words
    rows: list[list[Any]] = [
        [
            Paragraph(_text(words.text(key)), styles["cell_head"])
            for key in ("summary_table", "summary_privacy", "summary_signal")
        ]
    ]
    extra: list[tuple[Any, ...]] = []
    for index, section in enumerate(document.sections, start=1):
        rows.append(
            [
                Paragraph(_text(section.name), styles["cell_bold"]),
                _block_cell(document, section.privacy, styles),
                _block_cell(document, section.signal, styles),
            ]
        )
        for column, block in ((1, section.privacy), (2, section.signal)):
            extra.append(
                ("BACKGROUND", (column, index), (column, index), _STATUS_FILL[block.status()])
            )
    return _table(rows, (0.2, 0.4, 0.4), extra=extra)


def _section(
    document: Document, section: Section, styles: dict[str, ParagraphStyle]
) -> list[Flowable]:
    words = document.words
    flow: list[Flowable] = [Paragraph(_text(section.heading), styles["h1"])]
    # a structure section (a link between tables) has facts but no columns nor parameters
    if section.facts:
        flow += [
            Paragraph(_text(words.text("dataset_heading")), styles["h2"]),
            _key_values(list(section.facts), styles),
            Spacer(1, 6),
        ]
    if section.columns:
        flow += [
            _columns_table(document, section, styles),
            Paragraph(_text(words.text("columns_note")), styles["note"]),
        ]
    if section.parameters:
        flow += [
            Paragraph(_text(words.text("parameters_heading")), styles["h2"]),
            _key_values(list(section.parameters), styles),
        ]
    for kind, block in (("privacy", section.privacy), ("signal", section.signal)):
        flow.append(
            KeepTogether(
                [
                    Paragraph(_text(words.text(f"{kind}_heading")), styles["h2"]),
                    Paragraph(_text(words.text(f"{kind}_intro")), styles["body"]),
                    _metrics_table(document, block, styles)
                    if block.computed
                    else _status_box(words.text("no_metrics"), styles),
                ]
            )
        )
    if section.details:
        flow.append(
            KeepTogether(
                [
                    Paragraph(_text(words.text("details_heading")), styles["h2"]),
                    Paragraph(_text(words.text("details_intro")), styles["body"]),
                    _key_values(list(section.details), styles),
                ]
            )
        )
    if section.per_variable.rows:
        flow.append(Paragraph(_text(words.text("per_variable_heading")), styles["h2"]))
        flow.append(Paragraph(_text(words.text("per_variable_intro")), styles["body"]))
        flow.append(_per_variable_table(section, styles))
    heading = Paragraph(_text(words.text("figures_heading")), styles["h2"])
    if not section.figures and section.columns:  # a structure section has no figures
        flow.extend([heading, Paragraph(_text(words.text("no_figures")), styles["body"])])
    for index, figure in enumerate(section.figures):
        parts: list[Flowable] = [heading] if index == 0 else []
        parts += [_image(figure.png), Paragraph(_text(figure.caption), styles["caption"])]
        flow.append(KeepTogether(parts))
    return flow


def _status_box(text: str, styles: dict[str, ParagraphStyle]) -> Table:
    table = Table([[_status_cell("info", text, styles)]], colWidths=[_FRAME_WIDTH], hAlign="LEFT")
    table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), _STATUS_FILL["info"])]))
    return table


def _columns_table(
    document: Document, section: Section, styles: dict[str, ParagraphStyle]
) -> Table:
    words = document.words
    head = [
        Paragraph(_text(words.text(key)), styles["cell_head"])
        for key in (
            "col_variable", "col_type", "col_missing_original", "col_missing_avatars",
            "col_original", "col_avatars",
        )
    ]
    rows: list[list[Any]] = [head]
    small, small_bold = styles["cell_small"], styles["cell_small_bold"]
    for column in section.columns:
        rows.append(
            [
                Paragraph(_text(column.name), small_bold),
                Paragraph(_text(column.type_text), small),
                Paragraph(_text(column.missing_original), small),
                Paragraph(_text(column.missing_avatars), small),
                Paragraph(_text(column.original), small),
                Paragraph(_text(column.avatars), small),
            ]
        )
    return _table(rows, (0.27, 0.12, 0.14, 0.14, 0.165, 0.165))


def _per_variable_table(section: Section, styles: dict[str, ParagraphStyle]) -> Table:
    table = section.per_variable
    rows: list[list[Any]] = [
        [Paragraph(_text(header), styles["cell_head"]) for header in table.headers]
    ]
    for cells in table.rows:
        rows.append(
            [Paragraph(_text(cells[0]), styles["cell_bold"])]
            + [Paragraph(_text(cell), styles["cell"]) for cell in cells[1:]]
        )
    measures = len(table.headers) - 1
    first = 0.34 if measures > 1 else 0.5
    return _table(rows, (first, *([(1 - first) / measures] * measures)))


def _metrics_table(
    document: Document, block: MetricsBlock, styles: dict[str, ParagraphStyle]
) -> Table:
    words = document.words
    rows: list[list[Any]] = [
        [
            Paragraph(_text(words.text(key)), styles["cell_head"])
            for key in ("col_metric", "col_value", "col_target", "col_result")
        ]
    ]
    extra: list[tuple[Any, ...]] = []
    for index, row in enumerate(block.rows, start=1):
        rows.append(
            [
                [
                    Paragraph(_text(row.label), styles["cell_bold"]),
                    Paragraph(_text(row.explanation), styles["cell_note"]),
                ],
                Paragraph(_text(row.value), styles["cell"]),
                Paragraph(_text(row.target), styles["cell"]),
                _status_cell(row.status, row.status_text, styles),
            ]
        )
        extra.append(("BACKGROUND", (3, index), (3, index), _STATUS_FILL[row.status]))
    return _table(rows, (0.54, 0.13, 0.14, 0.19), extra=extra)


def _image(png: bytes) -> Image:
    reader = ImageReader(BytesIO(png))
    width_px, height_px = reader.getSize()
    width = _FRAME_WIDTH
    height = width * height_px / max(width_px, 1)
    limit = _FRAME_HEIGHT - 3.2 * cm  # leaves room for the caption on the same page
    if height > limit:
        width, height = width * limit / height, limit
    return Image(BytesIO(png), width=width, height=height, hAlign="CENTER")


def _methodology(document: Document, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    words = document.words
    flow: list[Flowable] = [Paragraph(_text(words.text("methodology_heading")), styles["h1"])]
    flow.extend(Paragraph(_text(text), styles["body"]) for text in document.methodology)
    flow.append(Paragraph(_text(words.text("reference")), styles["note"]))
    return flow


def _signature(document: Document, styles: dict[str, ParagraphStyle]) -> Flowable:
    words = document.words
    decision = "<br/>".join(
        f"☐ {_text(words.text(key))}"
        for key in ("signature_approved", "signature_conditions", "signature_refused")
    )
    rows = [
        [Paragraph(_text(words.text("signature_name")), styles["cell_bold"]), ""],
        [Paragraph(_text(words.text("signature_role")), styles["cell_bold"]), ""],
        [Paragraph(_text(words.text("signature_date")), styles["cell_bold"]), ""],
        [
            Paragraph(_text(words.text("signature_decision")), styles["cell_bold"]),
            Paragraph(decision, styles["cell"]),
        ],
        [Paragraph(_text(words.text("signature_comments")), styles["cell_bold"]), ""],
        [Paragraph(_text(words.text("signature_signature")), styles["cell_bold"]), ""],
    ]
    table = Table(
        rows,
        colWidths=[_FRAME_WIDTH * 0.3, _FRAME_WIDTH * 0.7],
        rowHeights=[22, 22, 22, None, 60, 70],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.6, _RULE),
                ("BACKGROUND", (0, 0), (0, -1), _HEADER_FILL),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return KeepTogether(
        [
            Spacer(1, 10),
            Paragraph(_text(words.text("signature_heading")), styles["h2"]),
            Paragraph(_text(words.text("signature_intro")), styles["body"]),
            table,
        ]
    )
