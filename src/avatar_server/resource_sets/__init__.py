"""Parse and validate resource-set YAML (the run configuration of a set of jobs).

A resource set is a multi-document YAML file in the format of the established avatar platform:
every document is ``{kind, metadata: {name}, spec: {...}}``. Parsing is defensive (size cap, no
anchors/aliases, no explicit tags, bounded nesting and node count, no duplicate keys) and every
problem is reported as a :class:`ResourceSetError` whose ``detail`` names the document, the YAML
path and what to do.

Example:
    >>> rs = parse_resource_set(text, max_bytes=1_000_000)  # doctest: +SKIP
    >>> validate_resource_set(
    ...     rs, lambda name: ["a", "b"] if name == "t.csv" else None)  # doctest: +SKIP
    >>> rs.job_kind("standard")  # doctest: +SKIP
    'standard'
"""

from avatar_server.resource_sets.dataset_checks import validate_resource_set
from avatar_server.resource_sets.documents import (
    ADVICE_KIND,
    JOB_KINDS,
    AdviceDocument,
    AvatarizationDocument,
    AvatarizationSpec,
    ColumnSpec,
    MetadataDocument,
    MetricsDocument,
    PrivacyMetricsDocument,
    ReportDocument,
    SchemaDocument,
    SignalMetricsDocument,
    TableAvatarization,
    TableMetrics,
    TableSpec,
)
from avatar_server.resource_sets.errors import ResourceSetError
from avatar_server.resource_sets.parsing import parse_resource_set
from avatar_server.resource_sets.resource_set import ResourceSet
from avatar_server.resource_sets.safe_yaml import MAX_DEPTH

__all__ = [
    "ADVICE_KIND",
    "JOB_KINDS",
    "MAX_DEPTH",
    "AdviceDocument",
    "AvatarizationDocument",
    "AvatarizationSpec",
    "ColumnSpec",
    "MetadataDocument",
    "MetricsDocument",
    "PrivacyMetricsDocument",
    "ReportDocument",
    "ResourceSet",
    "ResourceSetError",
    "SchemaDocument",
    "SignalMetricsDocument",
    "TableAvatarization",
    "TableMetrics",
    "TableSpec",
    "parse_resource_set",
    "validate_resource_set",
]
