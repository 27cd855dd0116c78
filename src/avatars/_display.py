"""Tables of metrics, jobs and results: plain text for terminals, HTML for notebooks.

A `Table` prints as aligned plain text (`str(table)`) and shows as an HTML table in Jupyter
(`_repr_html_`), so the same object serves the `avatars` command and notebooks.

Example:
    >>> table = Table(["Metric", "Value"], [["Hidden rate", "95.3"]])
    >>> print(table)
    Metric       Value
    -----------  -----
    Hidden rate  95.3
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "MetricRow",
    "Table",
    "jobs_table",
    "metric_rows",
    "metrics_table",
    "results_table",
]

PASS = "pass"  # noqa: S105 - the verdict shown next to a metric
FAIL = "FAIL"


@dataclass
class Table:
    """Rows of strings under a header, rendered as text or HTML.

    Attributes:
        columns: Header of each column.
        rows: Cells, one list of strings per row.
        align: "l" or "r" per column (default: left).
        title: Optional caption.
        footer: Optional line printed under the table.
        tooltips: Optional text per row, shown on hover in HTML.
    """

    columns: Sequence[str]
    rows: list[list[str]]
    align: str = ""
    title: str | None = None
    footer: str | None = None
    tooltips: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return self.to_text()

    def to_text(self) -> str:
        """Plain-text rendering with aligned columns.

        Example:
            >>> print(Table(["a", "b"], [["1", "22"]], align="lr").to_text())
            a   b
            -  --
            1  22
        """
        widths = [len(name) for name in self.columns]
        for row in self.rows:
            for index, cell in enumerate(row):
                widths[index] = max(widths[index], len(cell))
        lines = []
        if self.title:
            lines.append(self.title)
        lines.append(self._text_row(list(self.columns), widths))
        lines.append("  ".join("-" * width for width in widths))
        lines.extend(self._text_row(row, widths) for row in self.rows)
        if self.footer:
            lines.append(self.footer)
        return "\n".join(lines)

    def _text_row(self, cells: list[str], widths: list[int]) -> str:
        parts = []
        for index, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            right = index < len(self.align) and self.align[index] == "r"
            parts.append(cell.rjust(width) if right else cell.ljust(width))
        return "  ".join(parts).rstrip()

    def _repr_html_(self) -> str:
        """HTML rendering, used by Jupyter to display the table."""
        return self.to_html()

    def to_html(self) -> str:
        """HTML table; every cell is escaped.

        Example:
            >>> Table(["a"], [["<b>"]]).to_html().count("&lt;b&gt;")
            1
        """
        out = ['<table class="avatars-table">']
        if self.title:
            out.append(f"<caption>{html.escape(self.title)}</caption>")
        head = "".join(
            f'<th style="text-align:{self._css_align(i)}">{html.escape(name)}</th>'
            for i, name in enumerate(self.columns)
        )
        out.append(f"<thead><tr>{head}</tr></thead><tbody>")
        for row_index, row in enumerate(self.rows):
            tip = self.tooltips[row_index] if row_index < len(self.tooltips) else ""
            title = f' title="{html.escape(tip)}"' if tip else ""
            cells = "".join(
                f'<td style="text-align:{self._css_align(i)}">{self._html_cell(cell)}</td>'
                for i, cell in enumerate(row)
            )
            out.append(f"<tr{title}>{cells}</tr>")
        out.append("</tbody></table>")
        if self.footer:
            out.append(f"<p>{html.escape(self.footer)}</p>")
        return "".join(out)

    def _css_align(self, index: int) -> str:
        return "right" if index < len(self.align) and self.align[index] == "r" else "left"

    @staticmethod
    def _html_cell(cell: str) -> str:
        escaped = html.escape(cell)
        if cell == PASS:
            return f'<span style="color:#1a7f37">{escaped}</span>'
        if cell == FAIL:
            return f'<span style="color:#cf222e;font-weight:bold">{escaped}</span>'
        return escaped


@dataclass(frozen=True)
class MetricRow:
    """One metric with its target, as computed by the server."""

    family: str  # "privacy" or "signal"
    key: str
    label: str
    value: float | None
    target: float | None
    direction: str  # "higher" or "lower": which side of the target passes
    passed: bool | None
    description: str = ""
    ci: tuple[float, float] | None = None  # 95 % confidence interval, when measured


def metric_rows(family: str, metrics: Mapping[str, Any] | None) -> list[MetricRow]:
    """Rows of one metrics document (`{"metrics": {key: {value, target, ...}}, ...}`).

    Example:
        >>> doc = {"metrics": {"hidden_rate": {"value": 95.0, "target": 90.0,
        ...        "direction": "higher", "passed": True, "label": "Hidden rate"}}}
        >>> metric_rows("privacy", doc)[0].label
        'Hidden rate'
    """
    if not metrics:
        return []
    entries = metrics.get("metrics", metrics)
    rows = []
    for key, entry in entries.items():
        if not isinstance(entry, Mapping):
            continue
        rows.append(
            MetricRow(
                family=family,
                key=str(key),
                label=str(entry.get("label") or key),
                value=_number(entry.get("value")),
                target=_number(entry.get("target")),
                direction=str(entry.get("direction") or "higher"),
                passed=entry.get("passed") if isinstance(entry.get("passed"), bool) else None,
                description=str(entry.get("description") or ""),
                ci=_interval(entry.get("ci")),
            )
        )
    return rows


def _interval(value: Any) -> tuple[float, float] | None:
    if not isinstance(value, list | tuple) or len(value) != 2:
        return None
    low, high = _number(value[0]), _number(value[1])
    return None if low is None or high is None else (low, high)


def _format_value(row: MetricRow) -> str:
    text = format_number(row.value)
    if row.ci is not None and row.value is not None:
        text += f" [{format_number(row.ci[0])}-{format_number(row.ci[1])}]"
    return text


def metrics_table(
    privacy: Mapping[str, Any] | None,
    signal: Mapping[str, Any] | None,
    *,
    title: str | None = None,
) -> Table:
    """One table of every privacy and signal metric with its target and pass/fail.

    Example:
        >>> doc = {"metrics": {"hidden_rate": {"value": 95.0, "target": 90.0,
        ...        "direction": "higher", "passed": True, "label": "Hidden rate"}}}
        >>> print(metrics_table(doc, None))
        Metric       Family   Value  Target  Result
        -----------  -------  -----  ------  ------
        Hidden rate  privacy     95   >= 90  pass
        1 of 1 metrics meet their target.
    """
    rows = metric_rows("privacy", privacy) + metric_rows("signal", signal)
    cells = [
        [
            row.label,
            row.family,
            _format_value(row),
            _format_target(row),
            "" if row.passed is None else (PASS if row.passed else FAIL),
        ]
        for row in rows
    ]
    judged = [row for row in rows if row.passed is not None]
    passed = sum(1 for row in judged if row.passed)
    footer = f"{passed} of {len(judged)} metrics meet their target."
    if passed < len(judged):
        failed = ", ".join(row.label for row in judged if not row.passed)
        footer += f" Below target: {failed}."
    leaks = [str(m) for m in (privacy or {}).get("failures") or []]
    if leaks:
        footer += "\nPrivacy verdict: do not share. " + "; ".join(leaks) + "."
    if any(row.ci is not None for row in rows):
        footer += "\n[a-b]: 95 % confidence interval; such a risk fails only when all of it " \
            "is beyond the target."
    return Table(
        columns=["Metric", "Family", "Value", "Target", "Result"],
        rows=cells,
        align="llrrl",
        title=title,
        footer=footer,
        tooltips=[row.description for row in rows],
    )


def jobs_table(jobs: Iterable[Any]) -> Table:
    """Table of jobs (API `JobResponse` objects or dicts), in the order given.

    Example:
        >>> print(jobs_table([{"name": "j1", "display_name": "demo", "kind": "standard",
        ...     "status": "finished", "progress": 1.0, "created_at": "2026-01-02T03:04:05Z"}]))
        Job  Name  Kind      Status    Progress  Created (UTC)
        ---  ----  --------  --------  --------  -------------------
        j1   demo  standard  finished      100%  2026-01-02 03:04:05
    """
    rows = []
    for job in jobs:
        progress = _number(_field(job, "progress"))
        rows.append(
            [
                _text(_field(job, "name")),
                _text(_field(job, "display_name")),
                _text(_field(job, "kind")),
                _text(_field(job, "status")),
                "" if progress is None else f"{progress * 100:.0f}%",
                _format_time(_field(job, "created_at")),
            ]
        )
    return Table(
        columns=["Job", "Name", "Kind", "Status", "Progress", "Created (UTC)"],
        rows=rows,
        align="llllrl",
    )


def results_table(job_name: str, results: Mapping[str, Iterable[str]]) -> Table:
    """Table of a job's result files, one row per file.

    Example:
        >>> print(results_table("j1", {"report": ["report.pdf"]}))
        Kind    File
        ------  ----------
        report  report.pdf
    """
    rows = [[str(kind), str(name)] for kind, files in results.items() for name in files]
    footer = None if rows else f"Job {job_name} has no result files (yet)."
    return Table(columns=["Kind", "File"], rows=rows, footer=footer)


def format_number(value: float | None) -> str:
    """Short human rendering of a metric value.

    Example:
        >>> format_number(95.26), format_number(0.001234), format_number(None)
        ('95.26', '0.00123', 'n/a')
    """
    if value is None or math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == int(value) and abs(value) < 1e9:
        return str(int(value))
    if abs(value) >= 1:
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{value:.3g}"


def _format_target(row: MetricRow) -> str:
    if row.target is None:
        return ""
    sign = "<=" if row.direction == "lower" else ">="
    return f"{sign} {format_number(row.target)}"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _field(obj: Any, name: str) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name)
    value = getattr(obj, name, None)
    # Generated clients use an UNSET sentinel for absent optional fields.
    return None if type(value).__name__ == "Unset" else value


def _text(value: Any) -> str:
    if value is None:
        return ""
    return str(getattr(value, "value", value))  # enums -> their value


def _format_time(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)
