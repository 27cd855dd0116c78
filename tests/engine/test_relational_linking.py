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
from avatar_engine.relational.linking import quotas_from_counts

DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
IDS = {"patient": ["p_id"], "doctor": ["d_id"], "visit": ["visit_id", "patient_id", "doctor_id"]}


def _hospital() -> dict[str, pd.DataFrame]:
    folder = DATASETS if (DATASETS / "visit.csv").is_file() else FIXTURES
    return {n: pd.read_csv(folder / f"{n}.csv") for n in ("patient", "visit", "doctor")}


def _linked(method: str, seed: int = 1) -> tuple[dict[str, pd.DataFrame], object]:
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
    return tables, attach_children(tables, avatars, contexts, links, seed=seed)


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
        # Re-keying alone would attach every child to its own parent's avatar (share 1.0).
        assert measure["measured"] < 0.1, name
        assert measure["ratio"] < 6, name
    visit = linked.tables["visit"]  # type: ignore[attr-defined]
    assert not any(c.startswith("__") for c in visit.columns)
    assert set(visit["patient_id"]) <= set(tables["patient"]["p_id"])
    same = (visit["patient_id"] == tables["visit"]["patient_id"]).mean()
    assert same < 0.1


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
