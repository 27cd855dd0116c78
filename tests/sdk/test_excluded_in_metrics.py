"""exclude_variable_method and use_excluded_variables_in_metrics in the YAML the server reads."""

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
    r = Runner(FakeClient(), "excluded", show_progress=False)  # type: ignore[arg-type]
    r.add_table("penguins", penguins())
    return r


def _docs(runner: Runner) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in yaml.safe_load_all(runner.get_yaml())}


@pytest.mark.parametrize("method", ["row_order", "coordinate_similarity"])
def test_metrics_repeat_the_excluded_variables_by_default(runner: Runner, method: str) -> None:
    runner.set_parameters("penguins", k=5, exclude_variable_names=["island"],
                          exclude_variable_method=method)
    docs = _docs(runner)
    excluded = docs["standard"]["spec"]["avatarization"]["penguins"]["exclude_variables"]
    assert excluded == {"variable_names": ["island"], "replacement_strategy": method}
    for kind in ("privacy_metrics", "signal_metrics"):
        assert docs[kind]["spec"][kind]["penguins"]["exclude_variables"] == excluded
    rs = parse_resource_set(runner.get_yaml(), max_bytes=1_000_000)
    metrics = rs.parameters["signal_metrics"].spec.signal_metrics  # type: ignore[union-attr]
    assert metrics["penguins"].exclude_variables.variable_names == ["island"]


def test_use_excluded_variables_in_metrics_keeps_them_measured(runner: Runner) -> None:
    runner.set_parameters("penguins", k=5, exclude_variable_names=["island"],
                          use_excluded_variables_in_metrics=True)
    docs = _docs(runner)
    assert "exclude_variables" not in docs["privacy_metrics"]["spec"]["privacy_metrics"][
        "penguins"]
    again = load_resource_set(runner.get_yaml())
    assert again.parameters["penguins"].use_excluded_variables_in_metrics is True
    runner.update_parameters("penguins", use_excluded_variables_in_metrics=False)
    assert "exclude_variables" in _docs(runner)["signal_metrics"]["spec"]["signal_metrics"][
        "penguins"]
    assert load_resource_set(runner.get_yaml()).parameters[
        "penguins"].use_excluded_variables_in_metrics is False
