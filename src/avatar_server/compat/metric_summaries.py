"""Per-table metric summaries the established client reads for multi-table runs.

``privacy_metrics_summary.json`` / ``signal_metrics_summary.json`` of a metrics job:
``[{table: {metric: value}}]`` over every table the job measured (the client draws its
``metrics_summary()`` table from the two).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SUMMARY_FILES = {
    "privacy_metrics_summary.json": "privacy_metrics",
    "signal_metrics_summary.json": "signal_metrics",
}


def summary_name(folder_files: list[str]) -> str | None:
    """The summary file a metrics job folder offers, or ``None``.

    Example:
        >>> summary_name(["iris.privacy_metrics.json"])
        'privacy_metrics_summary.json'
    """
    for name, kind in SUMMARY_FILES.items():
        if any(file.endswith(f".{kind}.json") for file in folder_files):
            return name
    return None


def metrics_summary(path: Path) -> bytes:
    """The bytes of a summary file (``path`` names it inside the job's results folder).

    Example:
        >>> metrics_summary(folder / "privacy_metrics_summary.json")  # doctest: +SKIP
        b'[{"patient": {"hidden_rate": 91.2, ...
    """
    kind = SUMMARY_FILES[path.name]
    summary: dict[str, dict[str, Any]] = {}
    for file in sorted(path.parent.glob(f"*.{kind}.json")):
        stored = json.loads(file.read_text(encoding="utf-8"))
        table = file.name.removesuffix(f".{kind}.json")
        summary[table] = {
            name: item.get("value") for name, item in stored.get("metrics", {}).items()
        }
    return json.dumps([summary], default=str).encode()
