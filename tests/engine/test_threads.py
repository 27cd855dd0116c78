"""The engine's parallel pieces: the avatars do not depend on the number of threads."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from real_tables import rtable

from avatar_engine import AvatarizationParameters, avatarize
from avatar_engine.threads import map_in_threads, row_chunks, run_chunks

# small chunks, so that even a table of a few hundred rows is cut into many pieces
_SMALL_CHUNKS = {
    "avatar_engine.neighbours.QUERY_CHUNK_ROWS": 37,
    "avatar_engine.imputation._QUERY_CHUNK_ROWS": 41,
    "avatar_engine.projection.CHUNK_ROWS": 53,
    "avatar_engine.missingness._CHUNK_ROWS": 29,
    "avatar_engine.encoding._BLOCK_ROWS": 31,
    "avatar_engine.encoding._THREADED_ROWS": 1,
}


def _avatarize(data: pd.DataFrame, threads: int, monkeypatch: pytest.MonkeyPatch,
               **parameters: object) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    for target, value in _SMALL_CHUNKS.items():
        monkeypatch.setattr(target, value)
    monkeypatch.setattr("avatar_engine.projection.Famd._dense_rows", lambda self: 47)
    monkeypatch.setattr("avatar_engine.threads.WORKERS", threads)
    result = avatarize(data, AvatarizationParameters(**parameters))  # type: ignore[arg-type]
    return result.unshuffled, result.shuffled, result.avatar_projections


@pytest.mark.parametrize(("package", "name", "parameters"), [
    # missing values in 7 columns (the fast_knn imputation by chunks, missing-value calibration)
    ("survival", "pbc", {"k": 10, "ncp": 4, "seed": 3, "imputation_method": "fast_knn"}),
    # text categories, copies of originals nudged
    ("carData", "TitanicSurvival", {"k": 8, "ncp": 3, "seed": 2}),
])
def test_same_avatars_with_one_thread_and_with_four(
    monkeypatch: pytest.MonkeyPatch, package: str, name: str, parameters: dict[str, object]
) -> None:
    data = rtable(package, name)
    single = _avatarize(data, 1, monkeypatch, **parameters)
    parallel = _avatarize(data, 4, monkeypatch, **parameters)
    for one, four in zip(single, parallel, strict=True):
        pd.testing.assert_frame_equal(one, four, check_exact=True)
    # and the chunks really were cut: another seed gives other avatars
    other = _avatarize(data, 4, monkeypatch, **{**parameters, "seed": 99})
    assert not other[0].equals(single[0])


def test_chunks_are_all_worked_on_and_progress_reaches_one() -> None:
    done = np.zeros(1000, dtype=np.int64)
    seen: list[float] = []

    def work(rows: slice) -> None:
        done[rows] += 1

    run_chunks(work, row_chunks(1000, 64), seen.append, threads=3)
    assert (done == 1).all()
    assert len(seen) == 16
    assert seen == sorted(seen)
    assert seen[-1] == 1.0


def test_an_error_in_a_chunk_propagates_and_stops_the_rest() -> None:
    started: list[int] = []

    def work(rows: slice) -> None:
        started.append(rows.start)
        if rows.start == 0:
            raise ValueError("bad chunk")
        time.sleep(0.001)

    with pytest.raises(ValueError, match="bad chunk"):
        run_chunks(work, row_chunks(10_000, 10), threads=2)
    assert len(started) < 1000
    assert map_in_threads(lambda x: x * x, range(5), threads=2) == [0, 1, 4, 9, 16]
