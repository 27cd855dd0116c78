"""Defensive YAML loading: size cap, no anchors/aliases/tags, bounded depth, no duplicate keys."""

from __future__ import annotations

import typing
from typing import Any

import yaml

from avatar_server.resource_sets.errors import ResourceSetError

__all__ = ["MAX_DEPTH", "MAX_DOCUMENTS", "MAX_NODES", "load_documents"]

MAX_DEPTH = 32
MAX_NODES = 200_000
MAX_DOCUMENTS = 100

try:  # the C loader is much faster; the pure-Python one behaves identically
    BaseLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - libyaml missing
    BaseLoader = yaml.SafeLoader


def _check_events(yaml_text: str) -> None:
    """Reject aliases, explicit tags, deep nesting and huge node counts before building."""
    depth = 0
    nodes = 0
    documents = 0
    for event in yaml.parse(yaml_text, Loader=BaseLoader):
        if isinstance(event, yaml.AliasEvent):
            raise ResourceSetError(
                f"YAML anchors and aliases are not allowed in a resource set ({_where(event)}); "
                "write the values out in full.",
                "invalid_yaml",
            )
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > MAX_DOCUMENTS:
                raise ResourceSetError(
                    f"too many YAML documents (more than {MAX_DOCUMENTS}); "
                    "split the configuration into several resource sets.",
                    "invalid_yaml",
                )
        if isinstance(event, yaml.NodeEvent):
            nodes += 1
            if nodes > MAX_NODES:
                raise ResourceSetError(
                    f"the YAML has more than {MAX_NODES} values; simplify it.", "invalid_yaml"
                )
            if getattr(event, "anchor", None) is not None:
                raise ResourceSetError(
                    f"YAML anchors (&{event.anchor}) are not allowed in a resource set "
                    f"({_where(event)}); write the values out in full.",
                    "invalid_yaml",
                )
            if _explicit_tag(event):
                raise ResourceSetError(
                    f"YAML tags such as {getattr(event, 'tag', '')!s} are not allowed "
                    f"({_where(event)}); remove the tag.",
                    "invalid_yaml",
                )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise ResourceSetError(
                    f"the YAML is nested more than {MAX_DEPTH} levels deep ({_where(event)}).",
                    "invalid_yaml",
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _explicit_tag(event: yaml.Event) -> bool:
    tag = getattr(event, "tag", None)
    if tag is None:
        return False
    implicit = getattr(event, "implicit", True)
    if isinstance(event, yaml.ScalarEvent):
        return not any(typing.cast(tuple[bool, bool], implicit))
    return not implicit


def _where(event: yaml.Event | yaml.MarkedYAMLError) -> str:
    mark = getattr(event, "start_mark", None) or getattr(event, "problem_mark", None)
    if mark is None:
        return "unknown position"
    return f"line {mark.line + 1}, column {mark.column + 1}"


class _NoDuplicatesLoader(BaseLoader):  # type: ignore[valid-type,misc]
    """Safe loader that refuses duplicate mapping keys instead of keeping the last one."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) and key is not None:
                raise ResourceSetError(
                    f"mapping keys must be plain strings ({_where(key_node)}).", "invalid_yaml"
                )
            if key in seen:
                raise ResourceSetError(
                    f"duplicate key {key!r} ({_where(key_node)}); keep only one.", "invalid_yaml"
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_documents(yaml_text: str, max_bytes: int) -> list[Any]:
    """The YAML documents of ``yaml_text`` as plain Python values (empty documents dropped).

    Raises:
        ResourceSetError: ``resource_set_too_large`` or ``invalid_yaml`` with the fix.

    Example:
        >>> load_documents("kind: AvatarSchema\\n", max_bytes=1000)
        [{'kind': 'AvatarSchema'}]
    """
    size = len(yaml_text.encode("utf-8", errors="surrogatepass"))
    if size > max_bytes:
        raise ResourceSetError(
            f"the resource set is {size} bytes; the limit is {max_bytes} bytes.",
            "resource_set_too_large",
        )
    if "\x00" in yaml_text:
        raise ResourceSetError(
            "the resource set contains a NUL character; send UTF-8 YAML text.", "invalid_yaml"
        )
    try:
        _check_events(yaml_text)
        documents = list(yaml.load_all(yaml_text, Loader=_NoDuplicatesLoader))
    except yaml.MarkedYAMLError as exc:
        problem = exc.problem or exc.context or "syntax error"
        raise ResourceSetError(
            f"invalid YAML at {_where(exc)}: {problem}; fix the syntax.", "invalid_yaml"
        ) from None
    except yaml.YAMLError as exc:
        raise ResourceSetError(f"invalid YAML: {exc}; fix the syntax.", "invalid_yaml") from None
    except RecursionError:
        raise ResourceSetError(
            f"the YAML is nested more than {MAX_DEPTH} levels deep.", "invalid_yaml"
        ) from None
    documents = [d for d in documents if d is not None]
    if not documents:
        raise ResourceSetError(
            "the resource set is empty; send at least an AvatarSchema and an AvatarParameters "
            "document.",
            "invalid_resource_set",
        )
    return documents
