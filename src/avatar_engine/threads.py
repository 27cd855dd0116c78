"""Running independent pieces of array work on the machine's cores.

NumPy releases the interpreter lock inside its array operations (sorting, gathering, sums),
so chunks of rows or columns handled in a few threads run in parallel. Each piece must only
write its own part of the outputs and draw no random numbers (the draws stay sequential, so a
seed gives the same avatars whatever the number of threads).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

__all__ = ["WORKERS", "map_in_threads", "row_chunks", "run_chunks", "workers"]

T = TypeVar("T")
R = TypeVar("R")

WORKERS = max(1, min(4, os.cpu_count() or 1))
"""Threads used for the engine's parallel array work (at most 4: the pieces are memory bound)."""


def workers() -> int:
    """The number of threads the engine's parallel pieces use (``WORKERS``).

    Example:
        >>> workers() >= 1
        True
    """
    return WORKERS


def map_in_threads(function: Callable[[T], R], items: Iterable[T],
                   threads: int | None = None) -> list[R]:
    """``[function(item) for item in items]``, computed in ``threads`` threads (default
    ``workers()``), in order.

    Example:
        >>> map_in_threads(lambda x: x * 2, [1, 2, 3])
        [2, 4, 6]
    """
    pieces = list(items)
    threads = workers() if threads is None else threads
    if threads <= 1 or len(pieces) <= 1:
        return [function(piece) for piece in pieces]
    with ThreadPoolExecutor(max_workers=min(threads, len(pieces))) as pool:
        return list(pool.map(function, pieces))


def row_chunks(n_rows: int, step: int) -> Sequence[slice]:
    """Consecutive slices of at most ``step`` rows covering ``range(n_rows)``.

    Example:
        >>> row_chunks(5, 2)
        [slice(0, 2, None), slice(2, 4, None), slice(4, 5, None)]
    """
    return [slice(start, min(n_rows, start + step)) for start in range(0, n_rows, step)]


def run_chunks(
    work: Callable[[slice], None],
    chunks: Sequence[slice],
    check: Callable[[float], None] | None = None,
    threads: int | None = None,
) -> None:
    """Call ``work(chunk)`` for every chunk, in ``threads`` threads (default ``workers()``);
    ``check`` is called from this thread with the fraction of chunks done after each chunk
    (progress, cancellation: if it raises, the chunks not started are dropped and the error
    propagates).

    Example:
        >>> seen = []
        >>> run_chunks(lambda rows: seen.append(rows.start), row_chunks(5, 2))
        >>> sorted(seen)
        [0, 2, 4]
    """
    threads = workers() if threads is None else threads
    if threads <= 1 or len(chunks) <= 1:
        for done, chunk in enumerate(chunks, start=1):
            work(chunk)
            if check is not None:
                check(done / len(chunks))
        return
    pool = ThreadPoolExecutor(max_workers=threads)
    try:
        for done, _ in enumerate(pool.map(work, chunks), start=1):
            if check is not None:
                check(done / len(chunks))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
