"""Per-table metric summaries the established client reads for multi-table runs.

``privacy_metrics_summary.json`` / ``signal_metrics_summary.json`` of a metrics job:
``[{table: {reference: meta_metric}}]`` as that client reads them (it draws its
``metrics_summary()`` table from the two). The metrics job writes the file
(``avatar_server.structure_summary``); a job finished before it did gets it made from the
folder's files.
"""

from __future__ import annotations

import json
from pathlib import Path

from avatar_server.structure_summary import folder_summary

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
        if name in folder_files or any(file.endswith(f".{kind}.json") for file in folder_files):
            return name
    return None


def metrics_summary(path: Path) -> bytes:
    """The bytes of a summary file (``path`` names it inside the job's results folder).

    Example:
        >>> metrics_summary(folder / "privacy_metrics_summary.json")  # doctest: +SKIP
        b'[{"patient": {"standalone": 100.0}, "visit": {"standalone": 87.5, "patient": ...
    """
    if path.is_file():
        return json.dumps([json.loads(path.read_text(encoding="utf-8"))]).encode()
    return json.dumps([folder_summary(path.parent, SUMMARY_FILES[path.name])]).encode()
