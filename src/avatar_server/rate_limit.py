"""In-memory sliding-window limiter for failed logins."""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque


class FailureLimiter:
    """Blocks a key for the rest of the window once it has ``max_failures`` recent failures.

    Example:
        >>> limiter = FailureLimiter(max_failures=2, window_seconds=60)
        >>> limiter.record_failure("bob"); limiter.record_failure("bob")
        >>> limiter.retry_after("bob") > 0
        True
    """

    def __init__(self, max_failures: int, window_seconds: float) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self._failures: defaultdict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _prune(self, key: str, now: float) -> deque[float]:
        entries = self._failures[key]
        while entries and entries[0] <= now - self.window:
            entries.popleft()
        if not entries:
            del self._failures[key]
        return entries

    def retry_after(self, key: str) -> int:
        """Seconds until ``key`` may try again (0 when it may try now)."""
        now = time.monotonic()
        with self._lock:
            entries = self._prune(key, now)
            if len(entries) < self.max_failures:
                return 0
            return max(1, math.ceil(entries[0] + self.window - now))

    def record_failure(self, key: str) -> None:
        """Count one failed attempt for ``key``."""
        with self._lock:
            self._failures[key].append(time.monotonic())

    def reset(self, key: str) -> None:
        """Forget the failures of ``key`` (after a success)."""
        with self._lock:
            self._failures.pop(key, None)
