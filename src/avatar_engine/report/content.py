"""What goes into a report: one entry per avatarized table plus the run's context."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

__all__ = ["ReportContent", "TableReport"]


@dataclass
class TableReport:
    """Everything the report says about one table.

    Attributes:
        name: table name as the user knows it (e.g. "wbcd").
        original: the original table.
        avatars: the shuffled avatars (the data that would be shared).
        parameters: avatarization parameters as run (k, ncp, imputation, ...).
        privacy_metrics: dict returned by ``compute_privacy_metrics`` (may be empty).
        signal_metrics: dict returned by ``compute_signal_metrics`` (may be empty).
        figures: figure name -> PNG bytes, as returned by ``render_figures``.
        run_metadata: the avatarization's metadata (column types, timings, engine version).

    Example:
        >>> import pandas as pd
        >>> table = TableReport("t", pd.DataFrame({"a": [1]}), pd.DataFrame({"a": [2]}),
        ...                     {"k": 5}, {}, {}, {}, {})
        >>> table.name
        't'
    """

    name: str
    original: pd.DataFrame
    avatars: pd.DataFrame
    parameters: dict[str, Any]
    privacy_metrics: dict[str, Any]
    signal_metrics: dict[str, Any]
    figures: dict[str, bytes]
    run_metadata: dict[str, Any]


@dataclass
class ReportContent:
    """A whole report: a title, its tables, its language and the PIA context.

    Attributes:
        title: title printed on the first page.
        tables: one ``TableReport`` per avatarized table (at least one).
        language: "en" (default) or "fr".
        pia_metadata: privacy impact assessment context; keys ``datarecipient``,
            ``data_type``, ``datasubject``, ``sensitivity_level``.
        generated_at: date printed in the report; fix it for byte-identical output (default:
            now, in UTC).
        structure: link name -> its structure metrics (``structure_metrics.json`` of a
            multi-table run, each with the link's ``method``); one section per link.

    Example:
        >>> ReportContent(title="Avatarization of wbcd", tables=[]).language
        'en'
    """

    title: str
    tables: list[TableReport]
    language: str = "en"
    pia_metadata: dict[str, str] = field(default_factory=dict)
    generated_at: datetime | None = None
    structure: dict[str, dict[str, Any]] = field(default_factory=dict)
