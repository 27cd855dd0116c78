"""set_parameters(imputation_return_data_imputed=...): in the YAML the server reads, and back."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from public_tables import penguins
from sdk_fakes import FakeClient

from avatar_server.job_tables import avatarization_parameters
from avatar_server.resource_sets import parse_resource_set
from avatars.runner import Runner


def _runner() -> Runner:
    r = Runner(FakeClient(), "imputed", show_progress=False)  # type: ignore[arg-type]
    r.add_table("penguins", penguins())
    return r


def _imputation(runner: Runner, method: str = "avatarization") -> dict:
    docs = {d["metadata"]["name"]: d for d in yaml.safe_load_all(runner.get_yaml())}
    return docs["standard"]["spec"][method]["penguins"]["imputation"]


@pytest.mark.parametrize("value", [True, False])
def test_return_data_imputed_reaches_the_engine_parameters(value: bool) -> None:
    runner = _runner()
    runner.set_parameters("penguins", k=5, imputation_method="median",
                          imputation_return_data_imputed=value)
    assert _imputation(runner) == {"method": "median", "return_data_imputed": value}
    rs = parse_resource_set(runner.get_yaml(), max_bytes=1_000_000)
    spec = rs.parameters["standard"].spec.avatarization["penguins"]  # type: ignore[union-attr]
    assert avatarization_parameters(spec, seed=1).return_data_imputed is value


def test_return_data_imputed_goes_with_dp_and_survives_a_yaml_round_trip(tmp_path: Path
                                                                         ) -> None:
    runner = _runner()
    runner.set_parameters("penguins", open_dp_epsilon=1.0, imputation_return_data_imputed=True)
    assert _imputation(runner, "avatarization_open_dp") == {"return_data_imputed": True}
    path = tmp_path / "run.yaml"
    path.write_text(runner.get_yaml(), encoding="utf-8")
    again = _runner()
    again.from_yaml(path)
    assert _imputation(again, "avatarization_open_dp") == {"return_data_imputed": True}


def test_update_parameters_changes_only_that_option() -> None:
    runner = _runner()
    runner.set_parameters("penguins", k=5, imputation_k=3)
    runner.update_parameters("penguins", imputation_return_data_imputed=True)
    assert _imputation(runner) == {"k": 3, "return_data_imputed": True}
    runner.delete_parameters("penguins", ["imputation_return_data_imputed"])
    assert _imputation(runner) == {"k": 3}
