"""Warnings attributed to the user's code rather than to the SDK's internals."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

__all__ = ["warn_user"]

_PACKAGE_DIR = str(Path(__file__).resolve().parent)


def _stack_level() -> int:
    """Stack level of the first frame outside the ``avatars`` package (for ``warnings.warn``)."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None and str(Path(frame.f_code.co_filename).resolve()).startswith(
        _PACKAGE_DIR
    ):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


def warn_user(message: str, category: type[Warning]) -> None:
    """Emit ``message`` as coming from the caller's code, so default filters show it."""
    warnings.warn(message, category, stacklevel=_stack_level())
