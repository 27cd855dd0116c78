"""set_parameters(data_augmentation_*=...): the augmentation in the YAML the server reads."""

from __future__ import annotations

import pytest
import yaml
from public_tables import penguins
from sdk_fakes import FakeClient

from avatar_server.resource_sets import parse_resource_set
from avatars.runner import Runner


@pytest.fixture
def runner() -> Runner:
    r = Runner(FakeClient(), "augmented", show_progress=False)  # type: ignore[arg-type]
    r.add_table("penguins", penguins())
    return r


def _augmentation(runner: Runner) -> dict:
    docs = {d["metadata"]["name"]: d for d in yaml.safe_load_all(runner.get_yaml())}
    return docs["standard"]["spec"]["avatarization"]["penguins"]["data_augmentation"]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"data_augmentation_strategy": 0.5}, {"augmentation_strategy": 0.5}),
        ({"data_augmentation_strategy": "minority", "data_augmentation_target_column": "species"},
         {"augmentation_strategy": "minority", "target_column": "species"}),
        ({"data_augmentation_strategy": {"Gentoo": 1}, "data_augmentation_target_column":
          "species", "data_augmentation_should_anonymize_original_table": False},
         {"augmentation_strategy": {"Gentoo": 1.0}, "target_column": "species",
          "should_anonymize_original_table": False}),
    ],
)
def test_augmentation_reaches_the_server_model(runner: Runner, kwargs: dict, expected: dict
                                               ) -> None:
    runner.set_parameters("penguins", k=5, **kwargs)
    assert _augmentation(runner) == expected
    rs = parse_resource_set(runner.get_yaml(), max_bytes=1_000_000)
    spec = rs.parameters["standard"].spec.avatarization["penguins"]  # type: ignore[union-attr]
    assert spec.data_augmentation is not None
    assert spec.data_augmentation.target_column == expected.get("target_column")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"data_augmentation_strategy": "minority"}, "pass data_augmentation_target_column="),
        ({"data_augmentation_strategy": "lots", "data_augmentation_target_column": "species"},
         "Unknown data_augmentation_strategy"),
        ({"data_augmentation_strategy": 20.0}, r"in \]0, 10\]"),
        ({"data_augmentation_target_column": "species"}, "strategy: pass it too"),
        ({"data_augmentation_strategy": "minority", "data_augmentation_target_column": "kind"},
         "not in table"),
    ],
)
def test_bad_augmentations_are_refused(runner: Runner, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        runner.set_parameters("penguins", k=5, **kwargs)


def test_quantile_threshold_goes_to_the_privacy_metrics(runner: Runner) -> None:
    runner.set_parameters("penguins", k=5, quantile_threshold=5)
    docs = {d["metadata"]["name"]: d for d in yaml.safe_load_all(runner.get_yaml())}
    assert docs["privacy_metrics"]["spec"]["privacy_metrics"]["penguins"][
        "quantile_threshold"] == 5
    rs = parse_resource_set(runner.get_yaml(), max_bytes=1_000_000)
    spec = rs.parameters["privacy_metrics"].spec  # type: ignore[union-attr]
    assert spec.privacy_metrics["penguins"].quantile_threshold == 5
    with pytest.raises(ValueError, match=r"quantile_threshold must be an integer in \[1, 99\]"):
        runner.set_parameters("penguins", k=5, quantile_threshold=100)
