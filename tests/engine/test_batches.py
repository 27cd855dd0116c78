"""Large tables in batches: one shared projection, neighbours inside each batch, streamed
files, per-batch metrics with the worst batch, and the same avatars on a Dask cluster."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from real_tables import rtable

from avatar_engine import AvatarizationParameters, InvalidParameterError
from avatar_engine.batches import (
    BatchOptions,
    avatarize_in_batches,
    batch_sizes,
    fit_shared_projection,
    read_chunks,
    reference_sample,
)


@pytest.fixture(scope="module")
def diamonds() -> pd.DataFrame:
    """6,000 diamonds: 7 measurements and 3 graded categories (cut, color, clarity)."""
    table = rtable("ggplot2", "diamonds")
    return table.sample(6_000, random_state=0).reset_index(drop=True)


PARAMETERS = AvatarizationParameters(k=10, ncp=5, seed=3)
OPTIONS = BatchOptions(batch_rows=2_000, reference_rows=3_000)


def test_a_large_table_is_avatarized_in_batches_written_as_parquet(
    diamonds: pd.DataFrame, tmp_path: Path
) -> None:
    source = tmp_path / "diamonds.parquet"
    diamonds.to_parquet(source)
    run = avatarize_in_batches(source, tmp_path / "avatars.parquet", PARAMETERS, OPTIONS)
    avatars = pd.read_parquet(tmp_path / "avatars.parquet")
    assert run.batch_rows == [2_000, 2_000, 2_000]
    assert list(avatars.columns) == list(diamonds.columns)
    assert avatars.dtypes.to_dict() == pd.read_parquet(source).dtypes.to_dict()
    assert len(avatars) == 6_000
    # every graded category keeps its share within a few points
    for column in ("cut", "color", "clarity"):
        share = diamonds[column].value_counts(normalize=True)
        avatar_share = avatars[column].value_counts(normalize=True).reindex(share.index)
        assert (avatar_share.fillna(0) - share).abs().max() < 0.05, column
    assert abs(avatars["price"].mean() / diamonds["price"].mean() - 1) < 0.1
    totals, worst = run.metrics["totals"], run.metrics["worst"]
    assert len(run.metrics["batches"]) == 3
    hidden = [b["metrics"]["hidden_rate"]["value"] for b in run.metrics["batches"]]
    assert totals["hidden_rate"]["value"] == pytest.approx(np.mean(hidden), abs=1e-5)
    assert worst["hidden_rate"]["value"] == min(hidden)
    assert worst["hidden_rate"]["batch"] == int(np.argmin(hidden))
    assert run.metrics["worst_batch"] in (0, 1, 2)
    assert totals["hidden_rate"]["value"] > 85
    assert totals["hellinger_mean"]["value"] < 0.1
    assert run.metadata["batches"]["reference_rows"] == 3_000
    assert len(run.original_projections) == len(run.avatar_projections) == 6_000


def test_batched_avatars_are_as_faithful_as_one_table_avatars(diamonds: pd.DataFrame,
                                                               tmp_path: Path) -> None:
    from avatar_engine import avatarize, compute_signal_metrics

    run = avatarize_in_batches(diamonds, tmp_path / "avatars.parquet", PARAMETERS, OPTIONS)
    batched = pd.read_parquet(tmp_path / "avatars.parquet")
    whole = avatarize(diamonds, PARAMETERS).shuffled
    batched_signal = compute_signal_metrics(diamonds, batched)["metrics"]
    whole_signal = compute_signal_metrics(diamonds, whole)["metrics"]
    assert batched_signal["hellinger_mean"]["value"] < 1.5 * whole_signal["hellinger_mean"][
        "value"] + 0.01
    assert batched_signal["correlation_difference_ratio"]["value"] < 1.5 * whole_signal[
        "correlation_difference_ratio"]["value"] + 2
    assert run.n_rows == len(diamonds)


def test_neighbours_come_from_the_individuals_of_the_same_batch(diamonds: pd.DataFrame,
                                                                 tmp_path: Path) -> None:
    # the table sorted so that the first batch holds only Ideal cuts, the others none:
    # avatars draw their categories from their neighbours, so the split shows in the output
    ideal = diamonds[diamonds["cut"] == "Ideal"].head(2_000)
    other = diamonds[diamonds["cut"] != "Ideal"].head(2_000)
    table = pd.concat([ideal, other], ignore_index=True)
    avatarize_in_batches(table, tmp_path / "avatars.csv", PARAMETERS,
                         BatchOptions(batch_rows=2_000, reference_rows=3_000, metrics=False))
    avatars = pd.read_csv(tmp_path / "avatars.csv")
    assert (avatars["cut"].iloc[:2_000] == "Ideal").all()
    assert (avatars["cut"].iloc[2_000:] != "Ideal").all()


def test_csv_in_and_out_keeps_missing_values_and_reads_in_chunks(tmp_path: Path) -> None:
    titanic = rtable("carData", "TitanicSurvival")  # 1,309 passengers, 20 % ages missing
    source = tmp_path / "titanic.csv"
    titanic.to_csv(source, index=False)
    chunk_lengths: list[int] = []

    def reader(rows: int) -> Iterator[pd.DataFrame]:
        for chunk in read_chunks(source, 200):
            chunk_lengths.append(len(chunk))
            yield chunk

    run = avatarize_in_batches(reader, tmp_path / "avatars.csv", PARAMETERS,
                               BatchOptions(batch_rows=500, reference_rows=600,
                                                            metrics=False))
    avatars = pd.read_csv(tmp_path / "avatars.csv")
    assert run.batch_rows == [437, 436, 436]
    assert max(chunk_lengths) == 200
    assert sum(chunk_lengths) == 2 * len(titanic)
    assert abs(avatars["age"].isna().mean() - titanic["age"].isna().mean()) < 0.05
    assert set(avatars["passengerClass"]) == set(titanic["passengerClass"])


def test_same_seed_same_avatars_and_each_batch_its_own_draws(diamonds: pd.DataFrame,
                                                              tmp_path: Path) -> None:
    table = diamonds.head(3_000)
    options = BatchOptions(batch_rows=1_500, reference_rows=1_500, metrics=False)
    avatarize_in_batches(table, tmp_path / "a.parquet", PARAMETERS, options)
    avatarize_in_batches(table, tmp_path / "b.parquet", PARAMETERS, options)
    first, second = pd.read_parquet(tmp_path / "a.parquet"), pd.read_parquet(tmp_path / "b.parquet")
    pd.testing.assert_frame_equal(first, second)
    # the two batches of one identical half draw differently (seeds differ per batch)
    doubled = pd.concat([table.head(1_500)] * 2, ignore_index=True)
    avatarize_in_batches(doubled, tmp_path / "c.parquet", PARAMETERS, options)
    halves = pd.read_parquet(tmp_path / "c.parquet")
    assert not halves.iloc[:1_500].reset_index(drop=True).equals(
        halves.iloc[1_500:].reset_index(drop=True))


def test_sizes_sample_and_bad_options() -> None:
    assert batch_sizes(10_000_000, 500_000) == [500_000] * 20
    assert batch_sizes(5, 500_000) == [5]
    frame = pd.DataFrame({"a": np.arange(1_000)})
    sample, total = reference_sample(read_chunks(frame, 128), 100, np.random.default_rng(0))
    assert total == 1_000
    assert len(sample) == 100
    assert sample["a"].is_monotonic_increasing
    assert sample["a"].iloc[-1] > 500  # drawn from the whole table, not its head
    known, _ = reference_sample(read_chunks(frame, 128), 100, np.random.default_rng(0), 1_000)
    assert len(known) == 100
    assert known["a"].is_monotonic_increasing
    assert known["a"].iloc[-1] > 500
    assert known["a"].is_unique
    with pytest.raises(InvalidParameterError, match="batch_rows"):
        avatarize_in_batches(frame, "x.parquet", PARAMETERS, BatchOptions(batch_rows=15))
    with pytest.raises(InvalidParameterError, match="reference_rows"):
        BatchOptions(reference_rows=5).check(10)
    shared = fit_shared_projection(rtable("datasets", "iris"), PARAMETERS)
    assert shared.columns[-1] == "Species"
    assert shared.reference_rows == 150


@pytest.mark.slow
def test_a_two_worker_local_cluster_gives_the_in_process_avatars(diamonds: pd.DataFrame,
                                                                  tmp_path: Path) -> None:
    from avatar_engine.dask_runner import dask_executor

    table = diamonds.head(2_400)
    options = BatchOptions(batch_rows=600, reference_rows=1_200)
    here = avatarize_in_batches(table, tmp_path / "here.parquet", PARAMETERS, options)
    with dask_executor(None, workers=2, processes=False) as executor:
        assert len(executor.client.scheduler_info()["workers"]) == 2
        there = avatarize_in_batches(table, tmp_path / "there.parquet", PARAMETERS, options,
                                     executor=executor)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "here.parquet"),
                                  pd.read_parquet(tmp_path / "there.parquet"))
    assert there.metrics["totals"] == here.metrics["totals"]
    assert there.n_batches == 4


def test_an_unreachable_scheduler_is_refused_with_the_address() -> None:
    from avatar_engine.dask_runner import dask_executor

    with pytest.raises(InvalidParameterError, match=r"tcp://127\.0\.0\.1:9"), \
            dask_executor("tcp://127.0.0.1:9", connect_timeout="1s"):
        pass
