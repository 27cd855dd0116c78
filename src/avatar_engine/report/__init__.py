"""The avatarization report a data-protection officer can read and sign (PDF, Word and HTML),
and the privacy impact assessment (PIA) filled from the same run (PDF and Word).

Example:
    >>> from avatar_engine.report import ReportContent, render_report_pdf
    >>> callable(render_report_pdf)
    True
"""

from avatar_engine.report.content import ReportContent, TableReport
from avatar_engine.report.docx import render_report_docx
from avatar_engine.report.html import render_report_html
from avatar_engine.report.pdf import render_report_pdf
from avatar_engine.report.pia_docx import render_pia_docx
from avatar_engine.report.pia_pdf import render_pia_pdf

__all__ = [
    "ReportContent",
    "TableReport",
    "render_pia_docx",
    "render_pia_pdf",
    "render_report_docx",
    "render_report_html",
    "render_report_pdf",
]
