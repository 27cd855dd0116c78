"""The report's structure section: one part per link between related tables.

For a multi-table run the privacy metrics job writes, per link ``child.field->parent``, the
children-per-parent Hellinger distance, the gaps of the cross-table correlations and
associations, the privacy metrics of the joined child-parent view and the share of child
avatars attached to the avatar of their own original parent against chance. Each link becomes
a section of the report, after the tables' sections: its privacy block is the joined view's
metrics, its signal block the structure measures with their targets.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from avatar_engine.report.i18n import Wording

__all__ = ["STRUCTURE_TARGETS", "structure_entries", "structure_heading"]

#: Targets of the structure measures: (target, direction).
STRUCTURE_TARGETS: dict[str, tuple[float, str]] = {
    "children_per_parent_hellinger": (0.05, "lower"),
    "own_parent_attachment_ratio": (2.0, "lower"),
}

_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "heading": "Structure “{link}”",
        "children_per_parent_hellinger": "Children per parent (Hellinger)",
        "children_per_parent_hellinger_text": "Distance between the distributions of the number "
        "of children per parent, originals vs avatars (0 = same distribution).",
        "cross_table_association_gap": "Cross-table associations (gap)",
        "cross_table_association_gap_text": "Mean absolute change of the associations "
        "(correlation, eta, Cramér's V) between the child's and the parent's variables in the "
        "joined view (0 = kept).",
        "cross_table_correlation_gap": "Cross-table correlations (gap)",
        "cross_table_correlation_gap_text": "Mean absolute change of the correlations between "
        "the child's and the parent's numeric variables in the joined view.",
        "own_parent_attachment_ratio": "Own-parent attachment (x chance, upper bound)",
        "own_parent_attachment_ratio_text": "Upper end of the 95 % interval of the share of "
        "child avatars attached to the avatar of their own original parent, divided by the "
        "share a random deal would give "
        "(measured {measured} %, chance {chance} %, 95 % upper bound {high} %).",
        "children": "Child rows",
        "method": "Link method",
    },
    "fr": {
        "heading": "Structure « {link} »",
        "children_per_parent_hellinger": "Enfants par parent (Hellinger)",
        "children_per_parent_hellinger_text": "Distance entre les distributions du nombre "
        "d’enfants par parent, origine et avatars (0 = même distribution).",
        "cross_table_association_gap": "Associations entre tables (écart)",
        "cross_table_association_gap_text": "Écart absolu moyen des associations "
        "(corrélation, êta, V de Cramér) entre variables de l’enfant et du parent dans la vue "
        "jointe (0 = conservées).",
        "cross_table_correlation_gap": "Corrélations entre tables (écart)",
        "cross_table_correlation_gap_text": "Écart absolu moyen des corrélations entre "
        "variables numériques de l’enfant et du parent dans la vue jointe.",
        "own_parent_attachment_ratio": "Rattachement au parent d’origine (x hasard, borne "
        "haute)",
        "own_parent_attachment_ratio_text": "Borne haute de l’intervalle à 95 % de la part des "
        "avatars enfants rattachés à l’avatar de leur propre parent d’origine, divisée par "
        "celle d’un tirage au hasard (mesurée "
        "{measured} %, hasard {chance} %, borne haute à 95 % {high} %).",
        "children": "Lignes enfants",
        "method": "Méthode de liaison",
    },
}


def structure_heading(words: Wording, link: str) -> str:
    """``Structure “visit.patient_id->patient”`` in the report's language.

    Example:
        >>> from avatar_engine.report.i18n import wording
        >>> structure_heading(wording("en"), "visit.patient_id->patient")
        'Structure “visit.patient_id->patient”'
    """
    return _WORDS[words.language]["heading"].format(link=link)


def structure_entries(
    words: Wording, link: Mapping[str, Any], number: Callable[[float], str]
) -> tuple[dict[str, Any], tuple[tuple[str, str], ...]]:
    """The structure measures of one link as metric entries, and its facts.

    Args:
        words: the report's wording.
        link: one link of ``structure_metrics.json``.
        number: how the report writes a number.

    Returns:
        ``{"metrics": {key: {value, target, passed, direction, label, description}}}`` (the
        shape of the engine's metrics) and the link's facts (rows, method).

    Example:
        >>> from avatar_engine.report.i18n import wording
        >>> entries, _ = structure_entries(
        ...     wording("en"), {"children_per_parent_hellinger": 0.01}, lambda v: f"{v:.2f}")
        >>> entries["metrics"]["children_per_parent_hellinger"]["passed"]
        True
    """
    text = _WORDS[words.language]
    metrics: dict[str, dict[str, Any]] = {}

    def add(key: str, value: Any, description: str) -> None:
        if not isinstance(value, int | float) or not math.isfinite(float(value)):
            return
        target, direction = STRUCTURE_TARGETS.get(key, (None, "lower"))
        entry: dict[str, Any] = {
            "value": float(value),
            "target": target,
            "direction": direction,
            "label": text[key],
            "description": description,
            "passed": None if target is None else bool(float(value) <= target),
        }
        metrics[key] = entry

    for key in (
        "children_per_parent_hellinger",
        "cross_table_association_gap",
        "cross_table_correlation_gap",
    ):
        add(key, link.get(key), text[f"{key}_text"])
    facts: list[tuple[str, str]] = []
    attachment = link.get("own_parent_attachment")
    if isinstance(attachment, Mapping) and attachment.get("chance"):
        chance = float(attachment["chance"])
        measured = float(attachment.get("measured", 0.0))
        high = float(attachment.get("measured_high", measured))
        add(
            "own_parent_attachment_ratio",
            max(measured, high) / chance,
            text["own_parent_attachment_ratio_text"].format(
                measured=number(100 * measured),
                chance=number(100 * chance),
                high=number(100 * high),
            ),
        )
        facts.append((text["children"], number(float(attachment.get("children", 0.0)))))
    method = link.get("method")
    if method:
        facts.append((text["method"], str(method).replace("_", " ")))
    return {"metrics": metrics}, tuple(facts)
