"""The report as one self-contained HTML page (inline CSS, figures embedded as base64 PNG).

Every piece of user-provided text (table and column names, titles, PIA values) is escaped.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from html import escape

from avatar_engine.report._document import (
    Document,
    MetricsBlock,
    Section,
    Status,
    build_document,
)
from avatar_engine.report.content import ReportContent

__all__ = ["render_report_html"]

_MARK = {"pass": "✔", "fail": "✘", "info": "•"}
_VERDICT_STATUS: dict[str, Status] = {
    "ok": "pass",
    "privacy_fail": "fail",
    "signal_fail": "info",
    "not_assessed": "info",
}

_CSS = """
:root { --ink:#1F2933; --muted:#52606D; --accent:#1D4E89; --rule:#CBD2D9; --head:#E4ECF5;
  --pass-bg:#DDF2E3; --pass:#1B6B35; --fail-bg:#F9DEDC; --fail:#A61B1B; --info-bg:#EEF0F2;
  --info:#52606D; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink);
  max-width: 60rem; margin: 2rem auto; padding: 0 1.25rem; line-height: 1.45; font-size: 15px; }
h1.title { color: var(--accent); font-size: 2rem; margin-bottom: .25rem; }
p.subtitle { color: var(--muted); font-size: 1.1rem; margin-top: 0; }
h2 { color: var(--accent); font-size: 1.45rem; border-bottom: 2px solid var(--rule);
  padding-bottom: .25rem; margin-top: 2.5rem; }
h3 { color: var(--accent); font-size: 1.1rem; margin-top: 1.6rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .9rem; }
th, td { border: 1px solid var(--rule); padding: .35rem .5rem; text-align: left;
  vertical-align: middle; overflow-wrap: anywhere; }
thead th, th[scope=row] { background: var(--head); }
thead th { color: var(--accent); }
.explanation { display: block; color: var(--muted); font-size: .82rem; margin-top: .15rem; }
.status { font-weight: bold; text-align: center; white-space: nowrap; }
.status .explanation { white-space: normal; font-weight: normal; }
.status.pass { background: var(--pass-bg); color: var(--pass); }
.status.fail { background: var(--fail-bg); color: var(--fail); }
.status.info { background: var(--info-bg); color: var(--info); }
.verdict { font-weight: bold; font-size: 1.1rem; padding: .8rem 1rem; border: 2px solid; }
.verdict.pass { background: var(--pass-bg); color: var(--pass); }
.verdict.fail { background: var(--fail-bg); color: var(--fail); }
.verdict.info { background: var(--info-bg); color: var(--info); }
.note { color: var(--muted); font-size: .82rem; }
figure { margin: 1rem 0 1.5rem; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption { color: var(--muted); font-style: italic; font-size: .88rem; margin-top: .3rem; }
.signature td { height: 2.2rem; }
.signature td.tall { height: 5rem; }
.scroll { overflow-x: auto; }
@media print { body { max-width: none; margin: 0; } section.table { break-before: page; }
  figure { break-inside: avoid; } }
"""


def render_report_html(content: ReportContent) -> str:
    """Render the report as one self-contained HTML page (same content as the PDF).

    Args:
        content: the tables, their metrics and figures, the language and PIA context.

    Returns:
        The HTML text (UTF-8). Identical for the same content when ``generated_at`` is set.

    Raises:
        InvalidParameterError: unsupported language, no table, malformed metrics or figures.
        InvalidDataError: a table that is not a DataFrame.

    Example:
        >>> from datetime import datetime
        >>> import pandas as pd
        >>> from avatar_engine.report import ReportContent, TableReport
        >>> table = TableReport("t", pd.DataFrame({"a": [1, 2]}), pd.DataFrame({"a": [2, 1]}),
        ...                     {"k": 5, "ncp": 2}, {}, {}, {}, {})
        >>> page = render_report_html(ReportContent("<Demo>", [table],
        ...                                         generated_at=datetime(2026, 1, 1)))
        >>> "&lt;Demo&gt;" in page and "<Demo>" not in page
        True
    """
    document = build_document(content)
    words = document.words
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{document.language}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="avatar_engine">',
        f"<title>{escape(document.title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        f'<h1 class="title">{escape(document.title)}</h1>',
        f'<p class="subtitle">{escape(words.text("subtitle"))}</p>',
        _key_values(
            [
                (words.text("generated_on"), document.date_text),
                (
                    words.text("tables_covered"),
                    ", ".join(section.name for section in document.sections),
                ),
            ]
        ),
        f"<h3>{escape(words.text('pia_heading'))}</h3>",
        _key_values(document.pia),
        "</header>",
        '<section class="summary">',
        f"<h2>{escape(words.text('summary_heading'))}</h2>",
        _verdict(document),
        *(f"<p>\u2022 {escape(section.name)}: {escape(leak)}</p>"
          for section in document.sections for leak in section.privacy.leaks),
        f"<p>{escape(words.text(f'summary_{document.verdict}'))}</p>",
        _summary_table(document),
        "</section>",
    ]
    parts.extend(_section(document, section) for section in document.sections)
    parts.append(_methodology(document))
    parts.append(_signature(document))
    parts.extend(["</body>", "</html>", ""])
    return "\n".join(parts)


def _key_values(rows: Iterable[tuple[str, str]]) -> str:
    body = "".join(
        f'<tr><th scope="row">{escape(key)}</th><td>{escape(value)}</td></tr>'
        for key, value in rows
    )
    return f'<table class="key-values"><tbody>{body}</tbody></table>'


def _head(labels: Sequence[str]) -> str:
    cells = "".join(f'<th scope="col">{escape(label)}</th>' for label in labels)
    return f"<thead><tr>{cells}</tr></thead>"


def _status(status: Status, text: str) -> str:
    return f'<td class="status {status}">{_MARK[status]} {escape(text)}</td>'


def _verdict(document: Document) -> str:
    status = _VERDICT_STATUS[document.verdict]
    text = document.words.text(f"verdict_{document.verdict}")
    return f'<p class="verdict {status}" role="status">{_MARK[status]} {escape(text)}</p>'


def _block_status(document: Document, block: MetricsBlock) -> str:
    status = block.status()
    text = block.summary(document.words)
    if status != "info":
        text += f" — {document.status_text(status)}"
    missed = ""
    if block.missed:
        labels = ", ".join(block.missed)
        missed = (
            '<span class="explanation">'
            f"{escape(document.words.text('summary_missed', labels=labels))}</span>"
        )
    return f'<td class="status {status}">{_MARK[status]} {escape(text)}{missed}</td>'


def _summary_table(document: Document) -> str:
    words = document.words
    rows = "".join(
        f"<tr><th scope=\"row\">{escape(section.name)}</th>"
        f"{_block_status(document, section.privacy)}{_block_status(document, section.signal)}"
        "</tr>"
        for section in document.sections
    )
    head = _head(
        [words.text("summary_table"), words.text("summary_privacy"), words.text("summary_signal")]
    )
    return f"<table>{head}<tbody>{rows}</tbody></table>"


def _section(document: Document, section: Section) -> str:
    words = document.words
    parts = [
        f'<section class="table" id="table-{escape(section.name)}">',
        f"<h2>{escape(section.heading)}</h2>",
    ]
    # a structure section (a link between tables) has facts but no columns nor parameters
    if section.facts:
        parts += [
            f"<h3>{escape(words.text('dataset_heading'))}</h3>",
            _key_values(section.facts),
        ]
    if section.columns:
        parts += [
            _columns(document, section),
            f'<p class="note">{escape(words.text("columns_note"))}</p>',
        ]
    if section.parameters:
        parts += [
            f"<h3>{escape(words.text('parameters_heading'))}</h3>",
            _key_values(section.parameters),
        ]
    for kind, block in (("privacy", section.privacy), ("signal", section.signal)):
        parts.append(f"<h3>{escape(words.text(f'{kind}_heading'))}</h3>")
        parts.append(f"<p>{escape(words.text(f'{kind}_intro'))}</p>")
        if block.computed:
            parts.append(_metrics(document, block))
        else:
            parts.append(f'<p class="verdict info">{escape(words.text("no_metrics"))}</p>')
    if section.details:
        parts.append(f"<h3>{escape(words.text('details_heading'))}</h3>")
        parts.append(f"<p>{escape(words.text('details_intro'))}</p>")
        parts.append(_key_values(section.details))
    if section.per_variable.rows:
        parts.append(f"<h3>{escape(words.text('per_variable_heading'))}</h3>")
        parts.append(f"<p>{escape(words.text('per_variable_intro'))}</p>")
        rows = "".join(
            f'<tr><th scope="row">{escape(cells[0])}</th>'
            + "".join(f"<td>{escape(cell)}</td>" for cell in cells[1:])
            + "</tr>"
            for cells in section.per_variable.rows
        )
        parts.append(
            f'<div class="scroll"><table>{_head(section.per_variable.headers)}'
            f"<tbody>{rows}</tbody></table></div>"
        )
    if section.figures or section.columns:  # a structure section has no figures
        parts.append(f"<h3>{escape(words.text('figures_heading'))}</h3>")
    if not section.figures and section.columns:
        parts.append(f"<p>{escape(words.text('no_figures'))}</p>")
    for figure in section.figures:
        data = base64.b64encode(figure.png).decode("ascii")
        parts.append(
            f'<figure><img src="data:image/png;base64,{data}" '
            f'alt="{escape(figure.caption)}">'
            f"<figcaption>{escape(figure.caption)}</figcaption></figure>"
        )
    parts.append("</section>")
    return "\n".join(parts)


def _columns(document: Document, section: Section) -> str:
    words = document.words
    head = _head(
        [
            words.text(key)
            for key in (
                "col_variable", "col_type", "col_missing_original", "col_missing_avatars",
                "col_original", "col_avatars",
            )
        ]
    )
    rows = "".join(
        f'<tr><th scope="row">{escape(column.name)}</th><td>{escape(column.type_text)}</td>'
        f"<td>{escape(column.missing_original)}</td><td>{escape(column.missing_avatars)}</td>"
        f"<td>{escape(column.original)}</td><td>{escape(column.avatars)}</td></tr>"
        for column in section.columns
    )
    return f'<div class="scroll"><table>{head}<tbody>{rows}</tbody></table></div>'


def _metrics(document: Document, block: MetricsBlock) -> str:
    words = document.words
    head = _head(
        [words.text(key) for key in ("col_metric", "col_value", "col_target", "col_result")]
    )
    rows = "".join(
        f'<tr><th scope="row">{escape(row.label)}'
        f'<span class="explanation">{escape(row.explanation)}</span></th>'
        f"<td>{escape(row.value)}</td><td>{escape(row.target)}</td>"
        f"{_status(row.status, row.status_text)}</tr>"
        for row in block.rows
    )
    return f"<table>{head}<tbody>{rows}</tbody></table>"


def _methodology(document: Document) -> str:
    words = document.words
    paragraphs = "".join(f"<p>{escape(text)}</p>" for text in document.methodology)
    return (
        f'<section class="methodology"><h2>{escape(words.text("methodology_heading"))}</h2>'
        f'{paragraphs}<p class="note">{escape(words.text("reference"))}</p></section>'
    )


def _signature(document: Document) -> str:
    words = document.words
    decision = "<br>".join(
        f"☐ {escape(words.text(key))}"
        for key in ("signature_approved", "signature_conditions", "signature_refused")
    )

    def row(key: str, value: str = "", tall: bool = False) -> str:
        css = ' class="tall"' if tall else ""
        return f'<tr><th scope="row">{escape(words.text(key))}</th><td{css}>{value}</td></tr>'

    rows = "".join(
        [
            row("signature_name"),
            row("signature_role"),
            row("signature_date"),
            row("signature_decision", decision),
            row("signature_comments", tall=True),
            row("signature_signature", tall=True),
        ]
    )
    return (
        f'<section class="signature"><h2>{escape(words.text("signature_heading"))}</h2>'
        f"<p>{escape(words.text('signature_intro'))}</p>"
        f'<table class="signature"><tbody>{rows}</tbody></table></section>'
    )
