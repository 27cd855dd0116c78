"""Turn one loaded YAML document into its model, with messages that name the path and fix."""

from __future__ import annotations

import types
import typing
from typing import Annotated, Any

from pydantic import BaseModel, ValidationError

from avatar_server.resource_sets.documents import DOCUMENT_MODELS, DocumentModel
from avatar_server.resource_sets.errors import ResourceSetError, short_repr

__all__ = ["build_document"]


def _document_label(index: int, raw: Any) -> str:
    kind = raw.get("kind") if isinstance(raw, dict) else None
    meta = raw.get("metadata") if isinstance(raw, dict) else None
    name = meta.get("name") if isinstance(meta, dict) else None
    label = f"document {index + 1}"
    if isinstance(kind, str):
        label += f" ({kind[:64]}"
        label += f" {str(name)[:64]!r})" if name is not None else ")"
    return label


def build_document(index: int, raw: Any) -> DocumentModel:
    """The model of document number ``index`` (0-based) of the set.

    Raises:
        ResourceSetError: ``unknown_kind``, ``unknown_field``, ``missing_field`` or
            ``invalid_parameter``, naming the document and the YAML path.

    Example:
        >>> build_document(0, {"kind": "AvatarVolume", "metadata": {"name": "v"},
        ...                    "spec": {"url": "file:///data"}}).kind
        'AvatarVolume'
    """
    label = _document_label(index, raw)
    if not isinstance(raw, dict):
        raise ResourceSetError(
            f"{label}: each YAML document must be a mapping with kind, metadata and spec.",
            "invalid_resource_set",
        )
    kind = raw.get("kind")
    model = DOCUMENT_MODELS.get(kind) if isinstance(kind, str) else None
    if model is None:
        shown = "missing" if kind is None else repr(str(kind)[:64])
        raise ResourceSetError(
            f"{label}: unknown kind {shown}; expected one of {', '.join(DOCUMENT_MODELS)}.",
            "unknown_kind",
        )
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise _validation_error(label, model, exc) from None


def _validation_error(label: str, model: type[BaseModel], exc: ValidationError) -> ResourceSetError:
    messages: list[str] = []
    codes: list[str] = []
    for error in exc.errors(include_url=False)[:5]:
        loc = tuple(error["loc"])
        path = _format_loc(loc)
        if error["type"] == "extra_forbidden":
            parent = _model_at(model, loc[:-1])
            expected = ", ".join(_field_names(parent)) if parent else "?"
            messages.append(f"{path}: unknown field; expected one of {expected}")
            codes.append("unknown_field")
        elif error["type"] == "missing":
            messages.append(f"{path}: required field is missing")
            codes.append("missing_field")
        else:
            value = error.get("input")
            shown = f" (got {short_repr(value)})" if not isinstance(value, dict | list) else ""
            messages.append(f"{path}: {_friendly(error)}{shown}")
            codes.append("invalid_parameter")
    if exc.error_count() > 5:
        messages.append(f"... and {exc.error_count() - 5} more problems")
    code = codes[0] if len(set(codes)) == 1 else "invalid_resource_set"
    return ResourceSetError(f"{label}: " + "; ".join(messages) + ".", code)


def _friendly(error: Any) -> str:
    if error["type"] == "string_pattern_mismatch":
        return (
            "must be a simple name: 1-128 letters, digits, '_' or '-' (and '.' for dataset and "
            "document names), starting with a letter or digit, no path"
        )
    return str(error["msg"])


def _format_loc(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item)[:80])
    return "".join(parts) or "(document)"


def _field_names(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """Follow ``loc`` through the model's annotations to the model at that location."""
    current: Any = model
    for item in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = next(
                (f for n, f in current.model_fields.items() if (f.alias or n) == item), None
            )
            if field is None:
                return None
            current = field.annotation
        elif typing.get_origin(current) in (dict, list):
            current = typing.get_args(current)[-1]
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """Strip Optional/Annotated wrappers; keep the first model or container found."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0]
        else:
            return annotation
