"""The links advice of a run (``Runner.advise_links``, as the established client calls it).

The server's advice job with ``advisor_type: [tables_links]`` advises one parent table per
foreign key not linked yet, from the names of the tables and keys (the key values break ties
and rule out parents), and lists the keys it could not link with their candidate tables.

Example:
    >>> advice = runner.advise_links(apply=False)  # doctest: +SKIP
    >>> [(k.parent_table, k.child_field, k.confidence) for k in advice.links]  # doctest: +SKIP
    [('patient', 'patient_id', 'high')]
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import yaml

__all__ = [
    "LINKS_ADVICE_NAME",
    "AdvisedLink",
    "TablesLinksAdvice",
    "UnlinkedForeignKey",
    "links_advice_yaml",
    "parse_links_advice",
]

LINKS_ADVICE_NAME = "advice_tables_links"
_PARAMETER_KINDS = {
    "AvatarParameters",
    "AvatarPrivacyMetricsParameters",
    "AvatarSignalMetricsParameters",
    "AvatarReportParameters",
    "AvatarAdviceParameters",
}


@dataclass(frozen=True)
class AdvisedLink:
    """A link from the primary key of a parent table to a foreign key of a child table."""

    parent_table: str
    parent_field: str
    child_table: str
    child_field: str
    method: str
    confidence: str


@dataclass(frozen=True)
class UnlinkedForeignKey:
    """A foreign key the advice could not link, with the tables that can be its parent."""

    table: str
    field: str
    candidate_tables: list[str] = dataclasses.field(default_factory=list)


@dataclass(frozen=True)
class TablesLinksAdvice:
    """The links advice of a whole schema."""

    links: list[AdvisedLink] = dataclasses.field(default_factory=list)
    unlinked_foreign_keys: list[UnlinkedForeignKey] = dataclasses.field(default_factory=list)


def links_advice_yaml(run_yaml: str) -> str:
    """The YAML of a links advice: the run's documents, the tables not linked yet, one advice.

    Example:
        >>> text = "kind: AvatarSchema\\nmetadata: {name: s}\\nspec: {tables: []}\\n"
        >>> "tables_links" in links_advice_yaml(text)
        True
    """
    documents = [d for d in yaml.safe_load_all(run_yaml) if d]
    kept = [d for d in documents if d.get("kind") not in _PARAMETER_KINDS]
    schemas = [d for d in kept if d.get("kind") == "AvatarSchema" and "schema_ref" not in d["spec"]]
    if not schemas:
        raise ValueError("The run has no table: call add_table(name, data) first.")
    schemas[0]["spec"]["check_links_between_tables"] = False
    kept.append(
        {
            "kind": "AvatarAdviceParameters",
            "metadata": {"name": LINKS_ADVICE_NAME},
            "spec": {
                "schema": schemas[0]["metadata"]["name"],
                "advice": {"advisor_type": ["tables_links"]},
            },
        }
    )
    return yaml.safe_dump_all(kept, sort_keys=False)


def parse_links_advice(files: Iterable[bytes]) -> TablesLinksAdvice:
    """The advice from the ``<table>.links.advice.json`` files of the advice job.

    Example:
        >>> entry = {"links": [{"field": "p_id", "to": {"table": "visit", "field": "patient_id"},
        ...     "method": "linear_sum_assignment", "confidence": "high"}],
        ...     "unlinked_foreign_keys": [], "table": "patient"}
        >>> parse_links_advice([json.dumps(entry).encode()]).links[0].child_field
        'patient_id'
    """
    links: list[AdvisedLink] = []
    unlinked: list[UnlinkedForeignKey] = []
    for content in files:
        entry: dict[str, Any] = json.loads(content)
        table = str(entry["table"])
        links += [
            AdvisedLink(
                parent_table=table,
                parent_field=link["field"],
                child_table=link["to"]["table"],
                child_field=link["to"]["field"],
                method=link["method"],
                confidence=link["confidence"],
            )
            for link in entry.get("links") or []
        ]
        unlinked += [
            UnlinkedForeignKey(table, key["field"], list(key.get("candidate_tables") or []))
            for key in entry.get("unlinked_foreign_keys") or []
        ]
    return TablesLinksAdvice(links=links, unlinked_foreign_keys=unlinked)
