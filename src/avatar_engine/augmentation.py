"""Data augmentation: more avatars than originals, for the whole table or for some classes.

Extra records are avatars too: the originals concerned (all rows, or the rows of one class of
``target_column``) are avatarized again with other seeds, so that each extra record is built
from k neighbours like any avatar. Strategies (the established platform's names):

- a number ``r > 0``: ``round(r * n)`` extra records from the whole table;
- ``"minority"``: the least frequent class of ``target_column`` brought up to the most
  frequent one;
- ``"not_majority"``: every class but the most frequent brought up to it;
- ``{class: r}``: ``round(r * count(class))`` extra records of each class named.

Example:
    >>> import pandas as pd
    >>> counts = augmentation_counts(pd.Series(["a"] * 6 + ["b"] * 2), "minority")
    >>> counts
    {'b': 4}
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from avatar_engine.avatarization import AvatarizationParameters, avatarize
from avatar_engine.errors import InvalidParameterError
from avatar_engine.types import ColumnType

__all__ = ["augment", "augmentation_counts"]

_ALL = "__all__"


def augmentation_counts(
    target: pd.Series | None, strategy: float | str | Mapping[str, float], n_rows: int = 0
) -> dict[Any, int]:
    """Extra records to make per class (``{"__all__": m}`` for the whole table).

    Example:
        >>> augmentation_counts(None, 0.5, n_rows=10)
        {'__all__': 5}
    """
    if isinstance(strategy, int | float) and not isinstance(strategy, bool):
        if not 0 < strategy <= 10:
            raise InvalidParameterError(
                "data_augmentation_strategy",
                f"An augmentation ratio must be in ]0, 10], got {strategy}.")
        if target is None:
            return {_ALL: round(float(strategy) * n_rows)}
        counts = target.value_counts()
        return {label: round(float(strategy) * int(c)) for label, c in counts.items()}
    if target is None:
        raise InvalidParameterError(
            "data_augmentation_target_column",
            f"The augmentation strategy {strategy!r} needs data_augmentation_target_column.")
    counts = target.value_counts()
    if isinstance(strategy, Mapping):
        out = {}
        by_text = {str(label): label for label in counts.index}
        for label, ratio in strategy.items():
            if str(label) not in by_text:
                raise InvalidParameterError(
                    "data_augmentation_strategy",
                    f"{label!r} is not a class of the target column "
                    f"(classes: {sorted(by_text)[:20]}).")
            if not 0 < float(ratio) <= 10:
                raise InvalidParameterError(
                    "data_augmentation_strategy",
                    f"The ratio of {label!r} must be in ]0, 10], got {ratio}.")
            real = by_text[str(label)]
            out[real] = round(float(ratio) * int(counts[real]))
        return out
    top = int(counts.max())
    if strategy == "minority":
        return {counts.idxmin(): top - int(counts.min())}
    if strategy == "not_majority":
        return {label: top - int(c) for label, c in counts.items() if label != counts.idxmax()}
    raise InvalidParameterError(
        "data_augmentation_strategy",
        f"Unknown augmentation strategy {strategy!r}; use a ratio, 'minority', 'not_majority' "
        "or {class: ratio}.")


def augment(
    data: pd.DataFrame,
    parameters: AvatarizationParameters,
    strategy: float | str | Mapping[str, float],
    target_column: str | None = None,
    *,
    types: Mapping[str, ColumnType] | None = None,
    identifiers: Sequence[str] = (),
) -> tuple[pd.DataFrame, dict[str, int]]:
    """The extra avatars of ``data`` (not the avatars of every original: those come apart).

    Returns:
        The extra records (columns of ``data``) and the count made per class.

    Raises:
        InvalidParameterError: bad strategy, unknown target column, a class too small to
            build avatars from (fewer than 3 rows).

    Example:
        >>> extra, made = augment(data, AvatarizationParameters(k=5), 0.5)  # doctest: +SKIP
    """
    if target_column is not None and target_column not in data.columns:
        raise InvalidParameterError(
            "data_augmentation_target_column", f"No column {target_column!r} in the table.")
    target = None if target_column is None else data[target_column]
    counts = augmentation_counts(target, strategy, len(data))
    parts: list[pd.DataFrame] = []
    made: dict[str, int] = {}
    base_seed = 0 if parameters.seed is None else int(parameters.seed)
    for number, (label, extra) in enumerate(counts.items()):
        if extra <= 0:
            continue
        rows = data if label == _ALL else data[target == label]
        if len(rows) < 3:
            raise InvalidParameterError(
                "data_augmentation_strategy",
                f"Class {label!r} has {len(rows)} rows: at least 3 are needed to build avatars.")
        subset = rows.reset_index(drop=True)
        rounds = math.ceil(extra / len(subset))
        batch = []
        for round_ in range(rounds):
            seed = None if parameters.seed is None else base_seed + 7919 * (number + 1) + round_
            again = dataclasses.replace(
                parameters, k=min(parameters.k, len(subset) - 1), seed=seed)
            batch.append(avatarize(subset, again, types=types,
                                   identifiers=list(identifiers)).shuffled)
        parts.append(pd.concat(batch, ignore_index=True).head(extra))
        made[str(label)] = extra
    if not parts:
        return data.head(0).copy(), made
    return pd.concat(parts, ignore_index=True), made
