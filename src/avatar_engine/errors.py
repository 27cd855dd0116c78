"""Exceptions raised by the engine.

Every exception carries a message that says what is wrong and what to do about it, so callers
(the server, the SDK) can show it to a user as is.
"""

from __future__ import annotations

__all__ = [
    "AvatarizationCancelled",
    "EngineError",
    "InvalidDataError",
    "InvalidParameterError",
    "ResourceLimitError",
]


class EngineError(Exception):
    """Base class of every error the engine raises on purpose.

    Example:
        >>> try:
        ...     raise InvalidParameterError("k", "k must be at least 2.")
        ... except EngineError as error:
        ...     print(error)
        k must be at least 2.
    """


class InvalidDataError(EngineError):
    """The input table cannot be avatarized as it is.

    Attributes:
        column: the offending column, or None when the problem is the whole table.
    """

    def __init__(self, message: str, column: str | None = None) -> None:
        super().__init__(message)
        self.column = column


class InvalidParameterError(EngineError):
    """A parameter is out of its valid range for this table.

    Attributes:
        parameter: name of the offending parameter (e.g. "k", "ncp").
    """

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter


class ResourceLimitError(EngineError):
    """The computation would need more memory or time than allowed."""


class AvatarizationCancelled(EngineError):  # noqa: N818 (contract name)
    """The caller's ``should_stop()`` returned True; the work was abandoned."""
