"""Structure metrics of a multi-table run, written by the privacy metrics job.

For every link of the schema the joined child-parent view of the originals is compared with the
joined view of the avatars (each child avatar with the parent avatar it was attached to):
children-per-parent Hellinger, cross-table correlation and association gaps, privacy metrics of
the joined rows (the WP29 risks against a control set of whole parents)
and the own-parent attachment the standard job measured. Written as ``structure_metrics.json``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from avatar_engine.relational.holdout import PairAvatarizer
from avatar_engine.relational.structure import structure_metrics, structure_signal

__all__ = ["write_structure_metrics", "write_structure_signal"]


def write_structure_metrics(
    output_dir: Path,
    standard_dir: Path,
    originals: Mapping[str, pd.DataFrame],
    avatars: Mapping[str, pd.DataFrame],
    links: list[tuple[str, str, str, str]],
    identifiers: Callable[[str], list[str]],
    seed: int | None = None,
    pair_avatarizer: Callable[[tuple[str, str, str, str]], PairAvatarizer | None] | None = None,
) -> dict[str, Any]:
    """Compute the structure metrics of every link and write ``structure_metrics.json``.

    Args:
        output_dir: where the file goes.
        standard_dir: results of the standard job (its run metadata hold the attachment).
        originals: table name -> original table.
        avatars: table name -> unshuffled avatars (foreign keys name attached parent avatars).
        links: ``(child, field, parent, key)`` links.
        identifiers: table name -> its columns left out of the metrics.
        seed: seed of the privacy metrics.
        pair_avatarizer: link -> how to avatarize its parents with their children again (the
            WP29 risks of the joined view; ``None``: not applicable).

    Returns:
        Link name -> its metrics (also written).

    Example:
        >>> write_structure_metrics(out, std, originals, avatars, links, ids.get)  # doctest: +SKIP
    """
    payload: dict[str, Any] = {}
    for child, field, parent, key in links:
        name = f"{child}.{field}->{parent}"
        metrics = structure_metrics(
            originals[child],
            originals[parent],
            avatars[child],
            avatars[parent],
            field=field,
            key=key,
            parent_name=parent,
            identifiers=[*identifiers(child), *identifiers(parent)],
            seed=seed,
            ncp=3,
            avatarize_pair=None if pair_avatarizer is None else pair_avatarizer(
                (child, field, parent, key)),
        )
        metadata_file = standard_dir / f"{child}.run_metadata.json"
        attachment = method = None
        if metadata_file.is_file():
            links_meta = json.loads(metadata_file.read_text()).get("links", {})
            attachment = links_meta.get(name, {}).get("own_parent_attachment")
            method = links_meta.get(name, {}).get("method")
        payload[name] = {
            "child": child,
            "parent": parent,
            "children_per_parent_hellinger": metrics["children_per_parent_hellinger"],
            "cross_table_correlation_gap": _finite(metrics["cross_table_correlation_gap"]),
            "cross_table_association_gap": _finite(metrics["cross_table_association_gap"]),
            "joined_hidden_rate": metrics["joined_hidden_rate"],
            "joined_privacy_metrics": metrics["joined_privacy"],
            "joined_holdout": metrics["joined_holdout"],
            "own_parent_attachment": attachment,
            "method": method,
        }
    (output_dir / "structure_metrics.json").write_text(
        json.dumps(payload, indent=2, default=_plain), encoding="utf-8"
    )
    return payload


def write_structure_signal(
    output_dir: Path,
    originals: Mapping[str, pd.DataFrame],
    avatars: Mapping[str, pd.DataFrame],
    links: list[tuple[str, str, str, str]],
    identifiers: Callable[[str], list[str]],
) -> dict[str, Any]:
    """Signal measures of every link (``structure_signal_metrics.json``, signal metrics job).

    Children-per-parent Hellinger and cross-table correlation and association gaps.

    Example:
        >>> write_structure_signal(out, originals, avatars, links, ids.get)  # doctest: +SKIP
    """
    payload: dict[str, Any] = {}
    for child, field, parent, key in links:
        measures = structure_signal(
            originals[child], originals[parent], avatars[child], avatars[parent],
            field=field, key=key, parent_name=parent,
            identifiers=[*identifiers(child), *identifiers(parent)],
        )
        payload[f"{child}.{field}->{parent}"] = {
            "child": child,
            "parent": parent,
            "children_per_parent_hellinger": measures["children_per_parent_hellinger"],
            "cross_table_correlation_gap": _finite(measures["cross_table_correlation_gap"]),
            "cross_table_association_gap": _finite(measures["cross_table_association_gap"]),
        }
    (output_dir / "structure_signal_metrics.json").write_text(
        json.dumps(payload, indent=2, default=_plain), encoding="utf-8"
    )
    return payload


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        number = value.item()
        return number if not isinstance(number, float) or math.isfinite(number) else None
    return str(value)
