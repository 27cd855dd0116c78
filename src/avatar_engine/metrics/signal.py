"""Signal (utility) metrics: how close the avatars' distributions are to the originals'."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from avatar_engine.progress import Progress, ShouldStop
from avatar_engine.types import ColumnType

__all__ = ["compute_signal_metrics"]


def compute_signal_metrics(
    original: pd.DataFrame,
    avatars: pd.DataFrame,
    *,
    types: Mapping[str, ColumnType] | None = None,
    ncp: int = 5,
    seed: int | None = None,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
) -> dict[str, Any]:
    """Compute the signal metrics of ``avatars`` against ``original``."""
    raise NotImplementedError
