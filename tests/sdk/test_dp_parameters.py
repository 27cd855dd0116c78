"""set_parameters(open_dp_epsilon=, fast_dp_epsilon=): DP variants in the YAML the server reads."""

from __future__ import annotations

import pytest
import yaml
from public_tables import penguins
from sdk_fakes import FakeClient

from avatar_server.resource_sets import parse_resource_set
from avatars._yaml import load_resource_set
from avatars.runner import Runner


@pytest.fixture
def runner() -> Runner:
    r = Runner(FakeClient(), "dp", show_progress=False)  # type: ignore[arg-type]
    r.add_table("penguins", penguins())
    r.add_table("other", penguins()[["species", "island"]])
    return r


def _standard(runner: Runner) -> dict:
    docs = {d["metadata"]["name"]: d for d in yaml.safe_load_all(runner.get_yaml())}
    return docs["standard"]["spec"]


def test_each_method_goes_under_its_own_mapping(runner: Runner) -> None:
    runner.set_parameters("penguins", open_dp_epsilon=1.0, preprocess_budget_ratio=0.2, ncp=3)
    runner.set_parameters("other", fast_dp_epsilon=2)
    spec = _standard(runner)
    assert spec["avatarization"] == {}
    assert spec["avatarization_open_dp"] == {
        "penguins": {"ncp": 3, "epsilon": 1.0, "preprocess_budget_ratio": 0.2}}
    assert spec["avatarization_fast_dp"] == {"other": {"epsilon": 2.0}}
    server_view = parse_resource_set(runner.get_yaml(), max_bytes=1_000_000)
    standard = server_view.parameters["standard"].spec  # type: ignore[union-attr]
    assert standard.avatarization_open_dp["penguins"].preprocess_budget_ratio == 0.2
    assert standard.avatarization_fast_dp["other"].epsilon == 2.0
    # the YAML reads back into the same parameters
    again = load_resource_set(runner.get_yaml())
    assert again.parameters["penguins"].method == "avatarization_open_dp"
    assert again.parameters["penguins"].avatarization["epsilon"] == 1.0


def test_switching_between_k_and_epsilon(runner: Runner) -> None:
    runner.set_parameters("penguins", k=5, ncp=4)
    runner.set_parameters("other", k=5)
    runner.update_parameters("penguins", open_dp_epsilon=0.5)
    spec = _standard(runner)
    assert spec["avatarization_open_dp"] == {"penguins": {"ncp": 4, "epsilon": 0.5}}
    assert spec["avatarization"] == {"other": {"k": 5}}
    runner.update_parameters("penguins", k=7)
    spec = _standard(runner)
    assert spec["avatarization"]["penguins"] == {"ncp": 4, "k": 7}
    assert "avatarization_open_dp" not in spec


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k": 5, "open_dp_epsilon": 1.0}, "either k or open_dp_epsilon"),
        ({"open_dp_epsilon": 1.0, "fast_dp_epsilon": 1.0}, "not both"),
        ({"open_dp_epsilon": 0}, r"open_dp_epsilon must be a number in \]0, 100\]"),
        ({"fast_dp_epsilon": 1.0, "preprocess_budget_ratio": 0.2}, "pass open_dp_epsilon too"),
        ({"open_dp_epsilon": 1.0, "preprocess_budget_ratio": 1.0}, "must be in"),
        ({"open_dp_epsilon": 1.0, "column_weights": {"species": 2.0}}, "column_weights"),
    ],
)
def test_inconsistent_dp_parameters_are_refused(runner: Runner, kwargs: dict, message: str
                                                ) -> None:
    with pytest.raises(ValueError, match=message):
        runner.set_parameters("penguins", **kwargs)


def test_dp_target_and_bounds_reach_the_server_and_survive_a_change_of_epsilon(
    runner: Runner,
) -> None:
    runner.set_parameters("other", k=5)
    runner.set_parameters("penguins", open_dp_epsilon=1.0, dp_target="species",
                          dp_bounds={"body_mass_g": (2000, 7000)})
    runner.update_parameters("penguins", open_dp_epsilon=2.0)
    spec = _standard(runner)
    assert spec["avatarization_open_dp"]["penguins"] == {
        "epsilon": 2.0, "target": "species", "bounds": {"body_mass_g": [2000.0, 7000.0]}}
    server_view = parse_resource_set(runner.get_yaml(), max_bytes=1_000_000)
    standard = server_view.parameters["standard"].spec  # type: ignore[union-attr]
    assert standard.avatarization_open_dp["penguins"].target == "species"
    assert standard.avatarization_open_dp["penguins"].bounds == {"body_mass_g": (2000.0, 7000.0)}
    runner.delete_parameters("penguins", ["dp_bounds"])
    assert "bounds" not in _standard(runner)["avatarization_open_dp"]["penguins"]
    runner.update_parameters("penguins", k=5)  # back to avatars: the DP choices go
    assert _standard(runner)["avatarization"]["penguins"] == {"k": 5}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k": 5, "dp_target": "species"}, "dp_target goes with open_dp_epsilon"),
        ({"open_dp_epsilon": 1.0, "dp_target": "nope"}, "not in table"),
        ({"fast_dp_epsilon": 1.0, "dp_bounds": {"body_mass_g": (7000, 2000)}}, "low < high"),
        ({"open_dp_epsilon": 1.0, "dp_bounds": {"nope": (0, 1)}}, "not in table"),
    ],
)
def test_bad_dp_target_or_bounds_are_refused(runner: Runner, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        runner.set_parameters("penguins", **kwargs)
