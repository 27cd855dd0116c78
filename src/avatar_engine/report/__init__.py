"""The avatarization report a data-protection officer can read and sign (PDF and HTML).

Example:
    >>> from avatar_engine.report import ReportContent, render_report_pdf
    >>> callable(render_report_pdf)
    True
"""

from avatar_engine.report.content import ReportContent, TableReport
from avatar_engine.report.docx import render_report_docx
from avatar_engine.report.html import render_report_html
from avatar_engine.report.pdf import render_report_pdf

__all__ = [
    "ReportContent",
    "TableReport",
    "render_report_docx",
    "render_report_html",
    "render_report_pdf",
]
