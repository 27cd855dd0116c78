"""Privacy and signal metrics on hand-made cases with known answers."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from real_tables import rtable
from scipy.spatial.distance import cdist

from avatar_engine import compute_privacy_metrics, compute_signal_metrics
from avatar_engine.metrics._common import build_space, sub_space
from avatar_engine.metrics.privacy import CLOAKING_CAP, exact_cloaking, hidden_and_cloaking
from avatar_engine.metrics.signal import hellinger_distance
from avatar_engine.neighbours import build_tree

SHAPE_KEYS = {"value", "target", "direction", "passed", "label", "description"}


def _unique_table(rows: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=rows)
    return pd.DataFrame({
        "x": latent + rng.normal(0, 0.3, rows),
        "y": 2 * latent + rng.normal(0, 0.3, rows),
        "z": rng.normal(size=rows),
        "c": np.where(latent > 0, "hi", "lo"),
        "d": rng.choice(["p", "q", "r"], rows),
    })


def test_identity_avatars_are_fully_exposed() -> None:
    table = _unique_table()
    result = compute_privacy_metrics(table, table.copy())
    metrics = result["metrics"]
    assert metrics["hidden_rate"]["value"] == 0.0
    assert metrics["local_cloaking"]["value"] == 0.0
    assert metrics["distance_to_closest"]["value"] == 0.0
    assert metrics["closest_distances_ratio"]["value"] == 0.0
    assert metrics["column_direct_match_protection"]["value"] == 0.0
    assert metrics["row_direct_match_protection"]["value"] == 0.0
    assert result["details"]["own_row_copy_rate"] == 100.0
    assert result["details"]["any_row_copy_rate"] == 100.0
    assert result["passed"] is False
    # categorical profiles are shared by many rows here: ties hide them, as they should
    assert metrics["categorical_hidden_rate"]["value"] > 90
    failing = {name for name, entry in metrics.items() if entry["passed"] is False}
    assert failing == {"hidden_rate", "local_cloaking", "closest_distances_ratio",
                       "identifier_carry_over", "row_direct_match_protection"}
    # shown for information only; the control-set metrics need a second avatarization
    informative = {"distance_to_closest", "column_direct_match_protection"}
    assert all(metrics[name]["passed"] is None for name in informative)
    assert all(metrics[name]["value"] is None for name in
               ("singling_out_risk", "linkability_risk", "inference_risk", "dcr_share"))
    assert any("exact copies" in message for message in result["failures"])


def test_random_permutation_scores_high() -> None:
    table = _unique_table()
    rng = np.random.default_rng(1)
    permuted = table.apply(lambda column: column.sample(frac=1, random_state=rng).to_numpy())
    result = compute_privacy_metrics(table, permuted)
    metrics = result["metrics"]
    assert metrics["hidden_rate"]["value"] > 95
    assert metrics["local_cloaking"]["value"] > 20
    assert metrics["row_direct_match_protection"]["value"] == 100.0
    assert result["details"]["own_row_copy_rate"] == 0.0


def test_shape_is_json_ready() -> None:
    table = _unique_table(60)
    for result in (compute_privacy_metrics(table, table), compute_signal_metrics(table, table)):
        json.dumps(result)
        assert {"metrics", "passed", "details"} <= set(result)
        for entry in result["metrics"].values():
            assert set(entry) - {"ci"} == SHAPE_KEYS
            assert entry["direction"] in {"higher", "lower"}


def test_copies_are_detected_on_hashed_rows_whatever_the_dtype() -> None:
    table = pd.DataFrame({"a": np.arange(40) % 7, "b": np.arange(40) % 5, "c": np.arange(40)})
    avatars = table.astype(float)
    avatars.loc[:9, "c"] = avatars.loc[:9, "c"] + 0.5
    avatars.loc[10:19] = avatars.loc[10:19].to_numpy()[::-1]
    details = compute_privacy_metrics(table, avatars, ncp=2)["details"]
    assert details["own_row_copy_rate"] == 50.0
    assert details["any_row_copy_rate"] == 75.0


def test_hidden_rate_counts_ties_as_chance() -> None:
    originals = np.array([[0.0], [0.0], [5.0], [9.0]])
    avatars = np.array([[0.0], [0.0], [5.0], [9.0]])
    hidden, cloaking = hidden_and_cloaking(originals, avatars)
    assert hidden.tolist() == [0.5, 0.5, 0.0, 0.0]
    assert cloaking.tolist() == [0, 0, 0, 0]


def test_local_cloaking_counts_strictly_closer_avatars() -> None:
    originals = np.array([[0.0], [10.0], [20.0], [30.0]])
    avatars = np.array([[3.0], [1.0], [2.0], [30.0]])
    _, cloaking = hidden_and_cloaking(originals, avatars)
    # original 10: avatars 3 and 2 (distances 7, 8) beat its own (9); original 20: 30 and 3
    assert cloaking.tolist() == [2, 2, 2, 0]


def test_categorical_hidden_rate_only_with_categories() -> None:
    numbers = pd.DataFrame({"a": np.arange(30.0), "b": np.arange(30.0) ** 2})
    entry = compute_privacy_metrics(numbers, numbers)["metrics"]["categorical_hidden_rate"]
    assert entry["value"] is None
    assert entry["passed"] is None
    table = _unique_table()
    assert compute_privacy_metrics(table, table)["metrics"]["categorical_hidden_rate"][
        "value"] < 100


def test_known_variables_attack_details() -> None:
    table = _unique_table()
    details = compute_privacy_metrics(table, table, known_variables=["x", "z"], target="c")[
        "details"]["attack"]
    assert details["known_variables_hidden_rate"] == 0.0
    assert details["target_inference"]["accuracy"] == 100.0


def test_hellinger_known_values() -> None:
    assert hellinger_distance(np.array([0.5, 0.5]), np.array([0.5, 0.5])) == 0.0
    assert hellinger_distance(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(1.0)
    expected = np.sqrt(0.5 * ((np.sqrt(0.25) - np.sqrt(0.5)) ** 2
                              + (np.sqrt(0.75) - np.sqrt(0.5)) ** 2))
    assert hellinger_distance(np.array([1.0, 3.0]), np.array([1.0, 1.0])) == pytest.approx(
        expected)


def test_signal_identity_is_perfect_and_shuffle_keeps_marginals() -> None:
    table = _unique_table()
    identical = compute_signal_metrics(table, table)
    assert identical["metrics"]["hellinger_mean"]["value"] == 0.0
    assert identical["metrics"]["correlation_difference_ratio"]["value"] == 0.0
    assert identical["passed"] is True
    rng = np.random.default_rng(0)
    independent = table.apply(lambda column: column.sample(frac=1, random_state=rng).to_numpy())
    scores = compute_signal_metrics(table, independent)["metrics"]
    assert scores["hellinger_mean"]["value"] == 0.0
    assert scores["correlation_difference_ratio"]["value"] > 50
    assert scores["correlation_difference_ratio"]["passed"] is False


def test_signal_detects_a_shifted_marginal() -> None:
    table = _unique_table()
    shifted = table.assign(x=table["x"] + 3 * table["x"].std())
    result = compute_signal_metrics(table, shifted)
    assert result["details"]["hellinger_by_variable"]["x"] > 0.8
    assert result["details"]["hellinger_by_variable"]["y"] == 0.0


def test_signal_accepts_more_or_fewer_avatars() -> None:
    table = _unique_table()
    result = compute_signal_metrics(table, table.iloc[:50])
    assert result["details"]["n_avatar_rows"] == 50


def test_metrics_report_progress_and_cancel() -> None:
    from avatar_engine import AvatarizationCancelled

    table = _unique_table(50)
    phases: list[str] = []
    compute_privacy_metrics(table, table, progress=lambda f, p: phases.append(p))
    assert "hidden_rate" in phases
    with pytest.raises(AvatarizationCancelled):
        compute_signal_metrics(table, table, should_stop=lambda: True)


def _messy_pair(rows: int = 300) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Originals with missing values and a constant column; avatars with an unseen modality,
    a modality never taken and values missing elsewhere."""
    table = _unique_table(rows, seed=3)
    table["k"] = 1.5
    table["e"] = np.random.default_rng(4).choice(["u", "v", "w", "t"], rows)
    table.loc[::9, "x"] = np.nan
    table.loc[::13, "d"] = None
    avatars = _unique_table(rows, seed=5)
    avatars["k"] = 1.5
    avatars["e"] = np.random.default_rng(6).choice(["u", "v", "zz"], rows)
    avatars.loc[::7, "y"] = np.nan
    return table, avatars


def _dense_correlation_ratio(table: pd.DataFrame, avatars: pd.DataFrame) -> float:
    """Brute force: filled continuous columns and every dummy in dense matrices, Pearson."""
    numeric = ["x", "y", "z", "k"]
    means = table[numeric].mean()
    blocks: list[np.ndarray] = []
    owners: list[int] = []
    for frame in (table, avatars):
        columns = [frame[numeric].fillna(means).to_numpy()]
        owner = list(range(len(numeric)))
        for variable, name in enumerate(["c", "d", "e"], start=len(numeric)):
            modalities = pd.unique(table[name].dropna())
            columns.append(np.column_stack([(frame[name] == m).to_numpy() for m in modalities]))
            owner += [variable] * len(modalities)
        blocks.append(np.hstack(columns).astype(float))
        owners = owner
    correlations = []
    for matrix in blocks:
        centred = matrix - matrix.mean(axis=0)
        norms = np.sqrt((centred**2).sum(axis=0))
        varying = norms > 1e-9 * len(matrix)
        normalised = np.where(varying, centred / np.where(varying, norms, 1.0), 0.0)
        correlations.append(normalised.T @ normalised)
    groups = np.asarray(owners)
    upper = np.triu(np.ones_like(correlations[0], dtype=bool), k=1) & (
        groups[:, None] != groups[None, :])
    return float(100 * np.abs(correlations[0] - correlations[1])[upper].sum()
                 / np.abs(correlations[0])[upper].sum())


@pytest.mark.parametrize("dense", [True, False])
def test_correlation_difference_ratio_matches_dense_brute_force(
    monkeypatch: pytest.MonkeyPatch, dense: bool
) -> None:
    if not dense:
        monkeypatch.setattr("avatar_engine.projection.DENSE_MAX_WIDTH", 0)
    table, avatars = _messy_pair()
    value = compute_signal_metrics(table, avatars)["metrics"]["correlation_difference_ratio"][
        "value"]
    assert value == pytest.approx(_dense_correlation_ratio(table, avatars), abs=1e-5)


def test_copies_found_when_row_keys_collide(monkeypatch: pytest.MonkeyPatch) -> None:
    table = pd.DataFrame({"a": np.arange(40) % 7, "b": np.arange(40) % 5, "c": np.arange(40.0)})
    avatars = table.copy()
    avatars.loc[:9, "c"] += 0.5
    avatars.loc[10:19] = avatars.loc[10:19].to_numpy()[::-1]
    avatars.loc[20:24, "a"] = np.nan
    expected = compute_privacy_metrics(table, avatars, ncp=2)["details"]
    assert expected["own_row_copy_rate"] == 37.5
    assert expected["any_row_copy_rate"] == 62.5
    monkeypatch.setattr("avatar_engine.metrics.privacy._row_keys",
                        lambda continuous, codes: np.zeros(len(continuous), dtype=np.uint64))
    details = compute_privacy_metrics(table, avatars, ncp=2)["details"]
    assert details["own_row_copy_rate"] == 37.5
    assert details["any_row_copy_rate"] == 62.5


def test_hidden_and_cloaking_with_shared_trees_match_brute_force() -> None:
    rng = np.random.default_rng(7)
    originals = rng.normal(size=(400, 3))
    avatars = originals + rng.normal(0, 0.4, size=(400, 3))
    avatars[:30] = originals[:30]  # exposed individuals
    distances = cdist(originals, avatars)
    own = np.diag(distances)
    closer = (distances < own[:, None] - 1e-9 * (1 + own[:, None])).sum(axis=1)
    tied = (np.abs(distances - own[:, None]) <= 1e-9 * (1 + own[:, None])).sum(axis=1)
    expected_hidden = np.where(closer > 0, 1.0, 1.0 - 1.0 / tied)
    for tree, order in ((None, None), (build_tree(avatars), rng.permutation(400))):
        hidden, cloaking = hidden_and_cloaking(originals, avatars, avatar_tree=tree,
                                               original_order=order)
        np.testing.assert_allclose(hidden, expected_hidden)
        np.testing.assert_array_equal(cloaking, np.minimum(closer, CLOAKING_CAP))
    rows = np.arange(0, 400, 7)
    np.testing.assert_array_equal(exact_cloaking(originals, avatars, rows,
                                                 avatar_tree=build_tree(avatars)), closer[rows])


def test_sub_space_equals_a_space_built_on_the_columns() -> None:
    table, avatars = _messy_pair(120)
    full = build_space(table, avatars, None, ncp=3)
    columns = ["x", "c", "d", "k"]
    built = build_space(table, avatars, None, columns=columns, ncp=3)
    sliced = sub_space(full, columns, ncp=3)
    assert sliced.codec.types == built.codec.types
    assert [s.name for s in sliced.codec.categorical_specs] == [
        s.name for s in built.codec.categorical_specs]
    for left, right in ((sliced.original_filled, built.original_filled),
                        (sliced.avatars_filled, built.avatars_filled),
                        ((sliced.avatars.continuous, sliced.avatars.codes),
                         (built.avatars.continuous, built.avatars.codes))):
        np.testing.assert_array_equal(left[0], right[0])
        np.testing.assert_array_equal(left[1], right[1])
    assert sliced.original_coords is not None
    assert built.original_coords is not None
    np.testing.assert_array_equal(sliced.original_coords, built.original_coords)


def test_column_protection_whatever_the_dtypes() -> None:
    table = pd.DataFrame({
        "s": pd.Series(["a", "b", None, "c"], dtype="str"),
        "o": pd.Series(["a", 1, None, 2.5], dtype=object),
        "k": pd.Categorical(["x", "y", "x", "y"]),
        "i": [1, 2, 3, 4],
        "b": pd.array([True, None, False, True], dtype="boolean"),
    })
    avatars = pd.DataFrame({
        "s": pd.Series(["a", "c", None, None], dtype="str"),
        "o": pd.Series(["a", 1.0, None, "z"], dtype=object),
        "k": pd.Categorical(["x", "x", "z", "y"]),  # other categories than the originals'
        "i": [1.0, 2.5, 3.0, 0.0],
        "b": pd.array([True, None, True, None], dtype="boolean"),
    })
    protection = compute_privacy_metrics(table, avatars, ncp=2)["details"][
        "column_direct_match_protection_by_column"]
    # same value, or missing on both sides, counts as a match
    assert protection == {"s": 50.0, "o": 25.0, "k": 50.0, "i": 50.0, "b": 50.0}


def test_continuous_hellinger_matches_numpy_histograms() -> None:
    rng = np.random.default_rng(9)
    table = pd.DataFrame({"wide": rng.normal(size=2000), "few": rng.integers(0, 6, 2000) * 1.5})
    table.loc[::17, "wide"] = np.nan
    avatars = pd.DataFrame({"wide": rng.normal(0.3, 1.2, 1500),
                            "few": rng.integers(0, 7, 1500) * 1.5})
    avatars.loc[::5, "few"] = np.nan
    by_variable = compute_signal_metrics(table, avatars)["details"]["hellinger_by_variable"]
    for name in ("wide", "few"):
        observed = table[name].dropna().to_numpy()
        produced = avatars[name].dropna().to_numpy()
        distinct = np.unique(observed)
        if len(distinct) <= 30:
            edges = np.concatenate(([-np.inf], (distinct[1:] + distinct[:-1]) / 2, [np.inf]))
        else:
            edges = np.histogram_bin_edges(observed, bins=int(np.ceil(np.log2(len(observed))))
                                           + 1)
            edges[0], edges[-1] = -np.inf, np.inf
        p = np.append(np.histogram(observed, edges)[0], table[name].isna().sum())
        q = np.append(np.histogram(produced, edges)[0], avatars[name].isna().sum())
        assert by_variable[name] == pytest.approx(
            hellinger_distance(p.astype(float), q.astype(float)), abs=1e-6)


@pytest.mark.parametrize(
    "table", [("MASS", "Pima.tr"), ("MASS", "birthwt"), ("carData", "Mroz"),
              ("carData", "Salaries")])
def test_correlation_target_is_what_a_fresh_sample_of_the_table_reaches(
    table: tuple[str, str]
) -> None:
    from avatar_engine import AvatarizationParameters, avatarize

    original = rtable(*table)
    avatars = avatarize(original, AvatarizationParameters(k=20, seed=1)).shuffled
    entry = compute_signal_metrics(original, avatars)["metrics"]["correlation_difference_ratio"]
    # on a table of 189-753 rows two samples of the population differ by more than 10 %
    assert entry["target"] > 10.0
    assert entry["passed"] is True, entry
    rng = np.random.default_rng(0)
    independent = pd.DataFrame(
        {c: original[c].to_numpy()[rng.permutation(len(original))] for c in original.columns})
    broken = compute_signal_metrics(original, independent)["metrics"][
        "correlation_difference_ratio"]
    assert broken["value"] > 90.0
    assert broken["passed"] is False
