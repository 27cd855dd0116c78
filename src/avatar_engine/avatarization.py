"""The avatarization pipeline of one table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pandas as pd

from avatar_engine.imputation import ImputationMethod
from avatar_engine.progress import Progress, ShouldStop
from avatar_engine.types import ColumnType

__all__ = [
    "AvatarizationParameters",
    "AvatarizationResult",
    "ExcludeStrategy",
    "avatarize",
]


class ExcludeStrategy(StrEnum):
    """How excluded variables are re-attached to the avatars."""

    ROW_ORDER = "row_order"
    COORDINATE_SIMILARITY = "coordinate_similarity"


@dataclass(frozen=True)
class AvatarizationParameters:
    """Parameters of one table's avatarization (see ENGINE.md)."""

    k: int = 20
    ncp: int = 5
    column_weights: Mapping[str, float] | None = None
    use_categorical_reduction: bool = False
    imputation_method: ImputationMethod = ImputationMethod.KNN
    imputation_k: int = 5
    imputation_training_fraction: float = 1.0
    exclude_variables: Sequence[str] = ()
    exclude_replacement_strategy: ExcludeStrategy = ExcludeStrategy.COORDINATE_SIMILARITY
    seed: int | None = None


@dataclass
class AvatarizationResult:
    """Everything one avatarization produces."""

    shuffled: pd.DataFrame
    unshuffled: pd.DataFrame
    original_projections: pd.DataFrame
    avatar_projections: pd.DataFrame
    metadata: dict[str, Any]


def avatarize(
    data: pd.DataFrame,
    parameters: AvatarizationParameters,
    *,
    types: Mapping[str, ColumnType] | None = None,
    identifiers: Sequence[str] = (),
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
) -> AvatarizationResult:
    """Avatarize one table."""
    raise NotImplementedError
