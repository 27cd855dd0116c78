"""Progress reporting and cooperative cancellation shared by the engine's long operations."""

from __future__ import annotations

from collections.abc import Callable

from avatar_engine.errors import AvatarizationCancelled

__all__ = ["Progress", "ProgressTracker", "ShouldStop"]

Progress = Callable[[float, str], None]
"""Called as ``progress(fraction_done, phase_name)`` with 0 <= fraction_done <= 1."""

ShouldStop = Callable[[], bool]
"""Polled at safe points; returning True makes the engine raise AvatarizationCancelled."""


class ProgressTracker:
    """Reports weighted phases to a ``progress`` callback and polls ``should_stop``.

    Args:
        phases: phase name -> relative weight (share of the total work).
        progress: optional callback receiving (fraction, phase).
        should_stop: optional callback; True means cancel.

    Example:
        >>> seen = []
        >>> tracker = ProgressTracker({"a": 1, "b": 3}, lambda f, p: seen.append((f, p)))
        >>> tracker.start("a"); tracker.done("a"); tracker.done("b")
        >>> seen[-1]
        (1.0, 'b')
    """

    def __init__(
        self,
        phases: dict[str, float],
        progress: Progress | None = None,
        should_stop: ShouldStop | None = None,
    ) -> None:
        total = float(sum(phases.values())) or 1.0
        self._start: dict[str, float] = {}
        self._share: dict[str, float] = {}
        cumulative = 0.0
        for name, weight in phases.items():
            self._start[name] = cumulative / total
            self._share[name] = weight / total
            cumulative += weight
        self._progress = progress
        self._should_stop = should_stop

    def check(self) -> None:
        """Raise AvatarizationCancelled if the caller asked to stop."""
        if self._should_stop is not None and self._should_stop():
            raise AvatarizationCancelled("The operation was cancelled on request.")

    def _report(self, fraction: float, phase: str) -> None:
        if self._progress is not None:
            self._progress(min(1.0, max(0.0, fraction)), phase)

    def start(self, phase: str) -> None:
        """Check for cancellation and report the beginning of ``phase``."""
        self.check()
        self._report(self._start.get(phase, 0.0), phase)

    def within(self, phase: str, fraction_of_phase: float) -> None:
        """Check for cancellation and report progress inside ``phase``."""
        self.check()
        start = self._start.get(phase, 0.0)
        self._report(start + self._share.get(phase, 0.0) * fraction_of_phase, phase)

    def done(self, phase: str) -> None:
        """Report the end of ``phase`` and check for cancellation."""
        self._report(self._start.get(phase, 0.0) + self._share.get(phase, 0.0), phase)
        self.check()
