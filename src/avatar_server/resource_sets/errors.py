"""The error a resource set is refused with, and the helpers its messages share."""

from __future__ import annotations

from typing import Any

__all__ = ["ResourceSetError", "known_names", "short_repr"]


class ResourceSetError(Exception):
    """A resource set that cannot be accepted; the server answers 422 ``{detail, code}``.

    Attributes:
        code: Stable snake_case error code (e.g. ``unknown_field``).
        detail: What is wrong, where, and how to fix it.

    Example:
        >>> error = ResourceSetError("spec.avatarization.wbcd.k: must be >= 2", "invalid_parameter")
        >>> error.code, error.detail
        ('invalid_parameter', 'spec.avatarization.wbcd.k: must be >= 2')
    """

    def __init__(self, detail: str, code: str = "invalid_resource_set") -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code


def short_repr(value: Any) -> str:
    """``repr(value)`` cut to 60 characters, for quoting user input in a message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def known_names(names: Any) -> str:
    """The first 20 names, sorted and comma separated (``none`` when there are none)."""
    listed = sorted(str(n) for n in names)
    return ", ".join(listed[:20]) + (" ..." if len(listed) > 20 else "") if listed else "none"
