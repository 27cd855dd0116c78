"""Privacy metrics: how well the avatars protect the original individuals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from avatar_engine.progress import Progress, ShouldStop
from avatar_engine.types import ColumnType

__all__ = ["compute_privacy_metrics"]


def compute_privacy_metrics(
    original: pd.DataFrame,
    unshuffled: pd.DataFrame,
    *,
    types: Mapping[str, ColumnType] | None = None,
    ncp: int = 5,
    known_variables: Sequence[str] | None = None,
    target: str | None = None,
    seed: int | None = None,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
) -> dict[str, Any]:
    """Compute the privacy metrics of ``unshuffled`` avatars against ``original``."""
    raise NotImplementedError
