"""Child avatars attached to parent avatars by a link method, with parent context."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from avatar_engine import AvatarizationParameters, InvalidParameterError, avatarize
from avatar_engine.relational import (
    Link,
    add_context,
    assign_parents,
    attach_children,
    own_parent_attachment,
)
from avatar_engine.relational.linking import quotas_by_rank, quotas_from_counts
from avatar_engine.relational.structure import cross_table_association_gap, joined_view

DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
IDS = {"patient": ["p_id"], "doctor": ["d_id"], "visit": ["visit_id", "patient_id", "doctor_id"]}


def _hospital() -> dict[str, pd.DataFrame]:
    folder = DATASETS if (DATASETS / "visit.csv").is_file() else FIXTURES
    return {n: pd.read_csv(folder / f"{n}.csv") for n in ("patient", "visit", "doctor")}


def _linked(
    method: str, seed: int = 1, avoid: bool = True
) -> tuple[dict[str, pd.DataFrame], object]:
    tables = _hospital()
    links = [
        Link("visit", "patient_id", "patient", "p_id", method),
        Link("visit", "doctor_id", "doctor", "d_id", method),
    ]
    contexts = add_context(tables, links, IDS)
    avatars = {
        name: avatarize(
            context.data,
            AvatarizationParameters(k=5, ncp=3, seed=seed),
            types=context.types,
            identifiers=IDS[name],
        ).unshuffled
        for name, context in contexts.items()
    }
    return tables, attach_children(
        tables, avatars, contexts, links, seed=seed, avoid_own_parent=avoid
    )


def test_context_joins_parent_variables_and_counts_children() -> None:
    tables = _hospital()
    links = [Link("visit", "patient_id", "patient", "p_id")]
    contexts = add_context(tables, links, IDS)
    visit = contexts["visit"].data
    merged = tables["visit"].merge(tables["patient"], left_on="patient_id", right_on="p_id")
    assert visit["__patient_id__age"].tolist() == merged.sort_values("visit_id")["age"].tolist()
    counts = contexts["patient"].data.set_index("p_id")["__n_visit_patient_id"]
    expected = tables["visit"]["patient_id"].value_counts()
    assert (counts.reindex(expected.index) == expected).all()
    assert counts.sum() == len(tables["visit"])


@pytest.mark.parametrize("method", ["linear_sum_assignment", "minimum_distance_assignment"])
def test_children_are_not_attached_to_their_own_parents_avatar(method: str) -> None:
    tables, linked = _linked(method)
    for name, measure in linked.attachment.items():  # type: ignore[attr-defined]
        # Re-keying alone would attach every child to its own parent's avatar (share 1.0);
        # similarity alone about 2-4x chance; the child is now kept off that avatar.
        assert measure["measured"] == 0.0, name
        assert measure["chance"] > 0.005, name
        assert measure["ratio_high"] < 2.0, name  # the target, at the 95 % upper bound
    visit = linked.tables["visit"]  # type: ignore[attr-defined]
    assert not any(c.startswith("__") for c in visit.columns)
    assert set(visit["patient_id"]) <= set(tables["patient"]["p_id"])
    same = (visit["patient_id"] == tables["visit"]["patient_id"]).mean()
    assert same < 0.1


@pytest.mark.parametrize("method", ["linear_sum_assignment", "minimum_distance_assignment"])
def test_kept_off_own_parent_keeps_the_cross_table_structure(method: str) -> None:
    tables, kept = _linked(method)
    _, alone = _linked(method, avoid=False)
    assert alone.attachment["visit.patient_id->patient"]["ratio"] > 1.5  # type: ignore[attr-defined]

    def gap(visit: pd.DataFrame, patient: pd.DataFrame) -> float:
        original = joined_view(tables["visit"], tables["patient"], "patient_id", "p_id", "p")
        avatar = joined_view(visit, patient, "patient_id", "p_id", "p")
        parent = ["p.gender", "p.height", "p.age", "p.weight"]
        return cross_table_association_gap(original, avatar, ["day_visit", "exam"], parent)

    out = kept.tables  # type: ignore[attr-defined]
    dealt = out["visit"].assign(
        patient_id=np.random.default_rng(0).permutation(out["visit"]["patient_id"].to_numpy())
    )
    kept_gap = gap(out["visit"], out["patient"])
    alone_gap = gap(alone.tables["visit"], alone.tables["patient"])  # type: ignore[attr-defined]
    # a random deal loses the link between exam and the patient's age; keeping off the own
    # parent's avatar costs about nothing
    assert kept_gap < 0.5 * gap(dealt, out["patient"])
    assert kept_gap < alone_gap + 0.03


def test_a_single_parent_still_takes_every_child() -> None:
    parents = pd.DataFrame({"age": [40.0]})
    children = pd.DataFrame({"age": [39.0, 41.0]})
    for method in ("linear_sum_assignment", "minimum_distance_assignment"):
        chosen = assign_parents(children, parents, method=method, original_parents=np.zeros(2))
        assert chosen.tolist() == [0, 0]


def test_own_parent_is_taken_only_when_no_other_place_is_left() -> None:
    parents = pd.DataFrame({"age": [10.0, 90.0]})
    children = pd.DataFrame({"age": [11.0, 12.0, 89.0]})
    own = np.array([0, 1, 1])
    chosen = assign_parents(children, parents, counts=[2, 1], original_parents=own, seed=0)
    # quotas 2 and 1: the child of parent 1 near 90 takes parent 0; one of the two others must
    # stay with parent 0, and the one that is not its child does
    assert np.bincount(chosen, minlength=2).tolist() == [2, 1]
    assert (chosen != own).sum() >= 2
    assert chosen[2] == 0


def test_quotas_by_rank_keep_the_distribution_of_children_per_parent() -> None:
    rng = np.random.default_rng(0)
    reference = rng.poisson(3, size=200)
    smoothed = 0.3 * reference + 0.7 * reference.mean() + rng.normal(scale=0.5, size=200)
    quotas = quotas_by_rank(smoothed, reference, int(reference.sum()), rng)
    assert sorted(quotas.tolist()) == sorted(reference.tolist())
    assert np.corrcoef(quotas, reference)[0, 1] > 0.5
    # proportional quotas from smoothed counts lose the spread
    assert quotas_from_counts(smoothed, int(reference.sum())).std() < 0.6 * reference.std()


def test_sensitive_original_order_keeps_the_original_parents() -> None:
    tables, linked = _linked("sensitive_original_order_assignment")
    visit = linked.tables["visit"]  # type: ignore[attr-defined]
    assert (visit["patient_id"] == tables["visit"]["patient_id"]).all()
    assert linked.attachment["visit.patient_id->patient"]["measured"] == 1.0  # type: ignore[attr-defined]


def test_linear_sum_assignment_gives_each_parent_its_quota() -> None:
    rng = np.random.default_rng(0)
    parents = pd.DataFrame({"x": rng.normal(size=50), "g": rng.choice(["a", "b"], 50)})
    children = parents.sample(900, replace=True, random_state=0).reset_index(drop=True)
    counts = rng.integers(0, 40, size=50).astype(float)
    chosen = assign_parents(children, parents, counts=counts, seed=0)
    expected = quotas_from_counts(counts, 900)
    assert (np.bincount(chosen, minlength=50) == expected).all()
    assert expected.sum() == 900


def test_minimum_distance_goes_to_the_nearest_parent() -> None:
    parents = pd.DataFrame({"age": [10.0, 50.0, 90.0]})
    children = pd.DataFrame({"age": [88.0, 12.0, 49.0, 51.0]})
    chosen = assign_parents(children, parents, method="minimum_distance_assignment")
    assert chosen.tolist() == [2, 0, 1, 1]


def test_unknown_method_is_refused() -> None:
    with pytest.raises(InvalidParameterError, match="Unknown link method"):
        assign_parents(pd.DataFrame({"a": [1]}), pd.DataFrame({"a": [1]}), method="by_key")


def test_own_parent_measure_is_chance_for_a_random_deal() -> None:
    rng = np.random.default_rng(3)
    original = rng.integers(0, 200, size=20_000)
    ratios = [
        own_parent_attachment(rng.permutation(original), original, 200)["ratio"] for _ in range(5)
    ]
    assert 0.8 < float(np.mean(ratios)) < 1.2
    assert own_parent_attachment(original, original, 200)["measured"] == 1.0
