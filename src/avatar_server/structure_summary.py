"""Multi-table metric summaries in the established platform's shape: ``{table: {reference: meta}}``.

Written by the metrics jobs as ``privacy_metrics_summary.json`` / ``signal_metrics_summary.json``
(read by this SDK's ``Runner.render_*_metrics_summary`` and served to the established client).
Each table has the reference ``standalone`` (its own metrics); a child table has one more
reference per link, named after the parent table: the joined child-parent view of that link
(privacy: its privacy metrics and the own-parent attachment; signal: the children-per-parent
Hellinger). The meta metric of a reference is the share (%) of its judged metrics that meet
their targets, ``None`` when none is judged.

Example:
    >>> meta_metric({"hidden_rate": {"passed": True}, "dcr_share": {"passed": False}})
    50.0
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["STANDALONE", "folder_summary", "meta_metric", "summary", "write_summary"]

STANDALONE = "standalone"
#: Targets of the structure measures judged in the summaries (upper bounds).
HELLINGER_TARGET = 0.05
ATTACHMENT_TARGET = 2.0


def meta_metric(metrics: Mapping[str, Any], extra: list[bool | None] | None = None) -> float | None:
    """Share (%) of the judged metrics (``passed`` True or False) that pass.

    Example:
        >>> meta_metric({"a": {"passed": True}, "b": {"passed": None}}, [False])
        50.0
    """
    judged = [
        bool(entry["passed"])
        for entry in metrics.values()
        if isinstance(entry, Mapping) and entry.get("passed") is not None
    ]
    judged += [bool(flag) for flag in (extra or []) if flag is not None]
    return round(100.0 * sum(judged) / len(judged), 1) if judged else None


def _below(value: Any, target: float) -> bool | None:
    return None if value is None else float(value) <= target


def summary(
    tables: Mapping[str, Mapping[str, Any]], structure: Mapping[str, Any], kind: str
) -> dict[str, dict[str, float | None]]:
    """``{table: {reference: meta metric}}`` from the tables' metrics and the links' structure.

    Args:
        tables: table name -> its metrics document (``{"metrics": {name: {"passed"}}}``).
        structure: link name (``child.field->parent``) -> its structure measures.
        kind: ``privacy_metrics`` or ``signal_metrics``.

    Example:
        >>> summary({"visit": {"metrics": {"hidden_rate": {"passed": True}}}},
        ...         {"visit.pid->patient": {"children_per_parent_hellinger": 0.01}},
        ...         "signal_metrics")
        {'visit': {'standalone': 100.0, 'patient': 100.0}}
    """
    out: dict[str, dict[str, float | None]] = {
        name: {STANDALONE: meta_metric(document.get("metrics") or {})}
        for name, document in tables.items()
    }
    for link, measures in structure.items():
        child = measures.get("child") or link.split(".", 1)[0]
        parent = measures.get("parent") or link.rsplit("->", 1)[-1]
        if kind == "privacy_metrics":
            attachment = measures.get("own_parent_attachment") or {}
            value = meta_metric(
                measures.get("joined_privacy_metrics") or {},
                [_below(attachment.get("ratio_high"), ATTACHMENT_TARGET)],
            )
        else:
            value = meta_metric(
                {}, [_below(measures.get("children_per_parent_hellinger"), HELLINGER_TARGET)]
            )
        out.setdefault(child, {})[parent] = value
    return out


def folder_summary(folder: Path, kind: str) -> dict[str, dict[str, float | None]]:
    """The summary of a metrics job's folder (``<table>.<kind>.json`` files and the links'
    structure file).

    Example:
        >>> folder_summary(job_dir, "privacy_metrics")["visit"]  # doctest: +SKIP
        {'standalone': 87.5, 'patient': 81.8, 'doctor': 90.9}
    """
    tables = {
        file.name.removesuffix(f".{kind}.json"): json.loads(file.read_text(encoding="utf-8"))
        for file in sorted(folder.glob(f"*.{kind}.json"))
    }
    structure_file = folder / (
        "structure_metrics.json" if kind == "privacy_metrics" else "structure_signal_metrics.json"
    )
    structure = (
        json.loads(structure_file.read_text(encoding="utf-8")) if structure_file.is_file() else {}
    )
    return summary(tables, structure, kind)


def write_summary(output_dir: Path, kind: str) -> Path:
    """Write ``<kind>_summary.json`` (``folder_summary`` of the job's folder), return its path.

    Example:
        >>> write_summary(job_dir, "privacy_metrics").name  # doctest: +SKIP
        'privacy_metrics_summary.json'
    """
    path = output_dir / f"{kind}_summary.json"
    path.write_text(json.dumps(folder_summary(output_dir, kind), indent=2), encoding="utf-8")
    return path
