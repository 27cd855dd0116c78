"""Parse a resource-set YAML: safe loading, one model per document, consistency checks."""

from __future__ import annotations

from avatar_server.resource_sets.consistency import check_structure
from avatar_server.resource_sets.document_validation import build_document
from avatar_server.resource_sets.resource_set import ResourceSet
from avatar_server.resource_sets.safe_yaml import load_documents

__all__ = ["parse_resource_set"]


def parse_resource_set(
    yaml_text: str, *, max_bytes: int, require_parameters: bool = True
) -> ResourceSet:
    """Parse a multi-document resource-set YAML and check it is internally consistent.

    Args:
        yaml_text: The YAML text (UTF-8 decoded).
        max_bytes: Size cap of the UTF-8 encoded text.
        require_parameters: Refuse a set without any parameters document (no job could run).

    Returns:
        The parsed resource set (references between documents resolved).

    Raises:
        ResourceSetError: With a ``detail`` naming the document, YAML path and fix.

    Example:
        >>> rs = parse_resource_set(open("set.yaml").read(), max_bytes=1_000_000)  # doctest: +SKIP
        >>> rs.dataset_names()  # doctest: +SKIP
        ['wbcd.csv']
    """
    raw_documents = load_documents(yaml_text, max_bytes)
    documents = [build_document(i, raw) for i, raw in enumerate(raw_documents)]
    resource_set = ResourceSet(yaml_text, documents)
    check_structure(documents, resource_set, require_parameters=require_parameters)
    return resource_set
