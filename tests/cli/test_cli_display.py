"""Metric, job and result tables: aligned text for terminals, escaped HTML for notebooks."""

from __future__ import annotations

import doctest
from datetime import UTC, datetime, timedelta, timezone

from avatars import _display
from avatars._display import jobs_table, metrics_table, results_table

PRIVACY = {
    "metrics": {
        "hidden_rate": {
            "label": "Hidden rate",
            "value": 95.26,
            "target": 90.0,
            "direction": "higher",
            "passed": True,
            "description": "Share of avatars whose original is <not> the closest.",
        },
        "local_cloaking": {
            "label": "Local cloaking",
            "value": 2.0,
            "target": 5.0,
            "direction": "higher",
            "passed": False,
        },
    },
    "passed": False,
}
SIGNAL = {
    "metrics": {
        "hellinger_mean": {
            "label": "Hellinger <b>",
            "value": 0.004321,
            "target": 0.1,
            "direction": "lower",
            "passed": True,
        }
    },
    "passed": True,
}


def test_docstring_examples() -> None:
    failures, tried = doctest.testmod(_display)
    assert tried > 5
    assert failures == 0


def test_metrics_text_has_every_metric_target_and_verdict() -> None:
    lines = str(metrics_table(PRIVACY, SIGNAL, title="Metrics for t")).splitlines()
    assert lines[0] == "Metrics for t"
    assert lines[1].split() == ["Metric", "Family", "Value", "Target", "Result"]
    assert lines[3].split() == ["Hidden", "rate", "privacy", "95.26", ">=", "90", "pass"]
    assert lines[4].split() == ["Local", "cloaking", "privacy", "2", ">=", "5", "FAIL"]
    assert lines[5].split() == ["Hellinger", "<b>", "signal", "0.00432", "<=", "0.1", "pass"]
    assert lines[-1] == "2 of 3 metrics meet their target. Below target: Local cloaking."
    column = lines[1].index("Result")
    assert [line[column:] for line in lines[3:6]] == ["pass", "FAIL", "pass"]


def test_metrics_html_escapes_and_marks_failures() -> None:
    html = metrics_table(PRIVACY, SIGNAL)._repr_html_()
    assert html.startswith("<table")
    assert "Hellinger &lt;b&gt;" in html
    assert "Hellinger <b>" not in html
    assert 'title="Share of avatars whose original is &lt;not&gt; the closest."' in html
    assert html.count("FAIL") == 1
    assert "color:#cf222e" in html


def test_missing_values_and_empty_documents() -> None:
    doc = {"metrics": {"x": {"label": "X", "value": None, "target": None, "passed": None}}}
    text = str(metrics_table(doc, {}))
    assert "n/a" in text
    assert "0 of 0 metrics" in text


Unset = type("Unset", (), {})


class _Job:
    def __init__(self, name: str, created: datetime) -> None:
        self.name = name
        self.display_name = Unset()
        self.kind = type("Kind", (), {"value": "standard"})()
        self.status = "running"
        self.progress = 0.425
        self.created_at = created


def test_jobs_table_from_api_objects_in_utc() -> None:
    paris = timezone(timedelta(hours=1))
    created = datetime(2026, 1, 2, 4, 4, 5, tzinfo=paris)
    row = str(jobs_table([_Job("j1", created)])).splitlines()[2]
    assert row.split() == ["j1", "standard", "running", "42%", "2026-01-02", "03:04:05"]
    assert datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC) == created


def test_results_table_lists_files_or_says_there_are_none() -> None:
    text = str(results_table("j1", {"figures": ["a.png", "b.png"], "report": ["report.pdf"]}))
    assert len(text.splitlines()) == 5
    assert "Job j1 has no result files" in str(results_table("j1", {}))
