"""Differential privacy and data augmentation on linked tables: refused before any job with a
422 saying what is supported; the same features on a table of its own next to them run.

Tables: nlme's Orthodont (27 children, 4 measurements each), split into children and visits.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator

import pandas as pd
import pytest
from public_tables import rtable

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette's notice about its httpx-based TestClient
    from fastapi.testclient import TestClient

from avatar_server import Settings, create_app
from avatars import ApiClient, Manager
from avatars.errors import ValidationError
from avatars.runner import Runner

pytestmark = [pytest.mark.server, pytest.mark.slow]


@pytest.fixture(scope="module")
def manager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Manager]:
    folder = tmp_path_factory.mktemp("linked-server")
    settings = Settings(
        data_dir=folder / "data",
        credentials_file=folder / "credentials.json",
        workers=1,
        job_poll_seconds=0.1,
        shutdown_grace_seconds=0.5,
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as http:
        key = json.loads((folder / "credentials.json").read_text())["api_key"]
        client = ApiClient("http://testserver", api_key=key, http_client=http)
        yield Manager(api_client=client)


def _tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    orthodont = rtable("nlme", "Orthodont")
    children = orthodont[["Subject", "Sex"]].drop_duplicates().reset_index(drop=True)
    visits = orthodont[["Subject", "age", "distance"]].reset_index(drop=True)
    return children, visits


def _linked_runner(manager: Manager, name: str) -> Runner:
    children, visits = _tables()
    runner = manager.create_runner(name)
    runner.add_table("children", children, primary_key="Subject")
    runner.add_table("visits", visits, foreign_keys=["Subject"])
    runner.add_link("children", "Subject", "visits", "Subject")
    return runner


@pytest.mark.parametrize("option", ["open_dp_epsilon", "fast_dp_epsilon"])
def test_dp_on_a_linked_table_is_refused_with_what_is_supported(manager: Manager, option: str
                                                                ) -> None:
    runner = _linked_runner(manager, f"linked-{option}")
    runner.set_parameters("children", k=5)
    runner.set_parameters("visits", **{option: 1.0})
    with pytest.raises(ValidationError) as caught:
        runner.run(jobs_to_run=["standard"])
    message = str(caught.value)
    assert "table 'visits' is linked to another table" in message
    assert "differential privacy runs on tables without links" in message
    assert "spec.avatarization.visits: {k: 20}" in message
    assert runner.jobs == {}


def test_augmentation_of_a_linked_table_is_refused(manager: Manager) -> None:
    runner = _linked_runner(manager, "linked-augmented")
    runner.set_parameters("children", k=5, data_augmentation_strategy="minority",
                          data_augmentation_target_column="Sex")
    runner.set_parameters("visits", k=5)
    with pytest.raises(ValidationError, match="data augmentation runs on tables without links"):
        runner.run(jobs_to_run=["standard"])


def test_the_same_features_run_on_the_table_alone(manager: Manager) -> None:
    visits = _tables()[1]
    runner = manager.create_runner("visits-alone")
    runner.add_table("visits", visits.drop(columns=["Subject"]))
    runner.set_parameters("visits", fast_dp_epsilon=1.0)
    runner.run(jobs_to_run=["standard"])
    records = runner.shuffled("visits")
    assert list(records.columns) == ["age", "distance"]
    assert len(records) > 0
    assert runner.run_metadata("visits")["dp"]["epsilon"] == 1.0
