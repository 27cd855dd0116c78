"""set_parameters(processors=[...]): pre-processed before upload, avatars post-processed when
read, through the reference server, on the midwest counties table (ggplot2)."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator

import pandas as pd
import pytest
import yaml
from public_tables import rtable

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette's notice about its httpx-based TestClient
    from fastapi.testclient import TestClient

from avatar_server import Settings, create_app
from avatars import ApiClient, Manager
from avatars.processors import (
    DatetimeProcessor,
    ExpectedMeanProcessor,
    GroupModalitiesProcessor,
    ProportionProcessor,
)

pytestmark = [pytest.mark.server, pytest.mark.slow]

PARTS = ["popwhite", "popblack", "popamerindian", "popasian", "popother"]
# counts distinct on every row: numbers, not record identifiers
NUMERIC = dict.fromkeys(["poptotal", *PARTS, "popadults", "poppovertyknown"], "numeric")


@pytest.fixture(scope="module")
def manager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Manager]:
    folder = tmp_path_factory.mktemp("processors-server")
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


def midwest() -> pd.DataFrame:
    """437 counties: population by group (the groups sum to poptotal), state, category."""
    return rtable("ggplot2", "midwest").drop(columns=["PID", "county"])


def _processors() -> list:
    return [
        ProportionProcessor(variable_names=PARTS, reference="poptotal", decimal_count=0),
        ExpectedMeanProcessor(["percollege"], groupby_variables=["state"]),
        GroupModalitiesProcessor(variable_thresholds={"category": 10}),
    ]


def _columns_sent(runner) -> list[str]:  # type: ignore[no-untyped-def]
    docs = [d for d in yaml.safe_load_all(runner.get_yaml()) if d["kind"] == "AvatarSchema"]
    return [c["field"] for c in docs[0]["spec"]["tables"][0]["columns"]]


def test_three_processors_round_trip_through_a_run(manager: Manager) -> None:
    table = midwest()
    runner = manager.create_runner("midwest-processed", seed=7)
    runner.add_table("midwest", table, types=NUMERIC)
    runner.set_parameters("midwest", k=10, processors=_processors())
    assert [type(p).__name__ for p in runner.processors("midwest")] == [
        "ProportionProcessor", "ExpectedMeanProcessor", "GroupModalitiesProcessor"]
    # the server receives shares of the total, and no rare category
    sent = runner._sources["midwest"].frame
    assert sent is not None
    assert sent[PARTS].sum(axis=1).round(9).eq(1.0).all()
    rare = [c for c, n in table["category"].value_counts().items() if n <= 10]
    assert rare
    assert not set(rare) & set(sent["category"])
    runner.run(jobs_to_run=["standard"])

    for avatars in (runner.shuffled("midwest"), runner.sensitive_unshuffled("midwest")):
        assert list(avatars.columns) == list(table.columns)
        assert len(avatars) == len(table)
        # post-processed: counts again, whose parts sum exactly to each avatar's total
        assert avatars[PARTS].ge(0).all().all()
        assert (avatars[PARTS].sum(axis=1) == avatars["poptotal"]).all()
        assert avatars["poptotal"].max() > 1000
        # each state's mean share of college graduates is the originals'
        gap = (avatars.groupby("state")["percollege"].mean()
               - table.groupby("state")["percollege"].mean()).abs()
        assert gap.max() < 1e-6, gap.to_dict()
        # grouped modalities stay grouped (on purpose)
        assert not set(rare) & set(avatars["category"])
        assert "other" in set(avatars["category"])


def test_without_processors_the_parts_do_not_add_up(manager: Manager) -> None:
    table = midwest()
    runner = manager.create_runner("midwest-plain", seed=7)
    runner.add_table("midwest", table, types=NUMERIC)
    runner.set_parameters("midwest", k=10, processors=_processors())
    runner.set_parameters("midwest", k=10)  # replaced: no processors any more
    assert runner.processors("midwest") == []
    assert _columns_sent(runner) == list(table.columns)
    runner.run(jobs_to_run=["standard"])
    avatars = runner.shuffled("midwest")
    assert (avatars[PARTS].sum(axis=1) != avatars["poptotal"]).mean() > 0.5
    gap = (avatars.groupby("state")["percollege"].mean()
           - table.groupby("state")["percollege"].mean()).abs()
    assert gap.max() > 1e-3


def test_a_processor_that_changes_columns_retypes_them_and_is_undone(manager: Manager) -> None:
    economics = rtable("ggplot2", "economics")
    economics["date"] = pd.to_datetime(economics["date"])
    runner = manager.create_runner("economics-dates", seed=3)
    runner.add_table("economics", economics)
    runner.set_parameters("economics", k=8, processors=[DatetimeProcessor()])
    columns = {c.field: c.type for c in runner.tables["economics"].columns}
    assert columns["date"] in ("int", "float")  # seconds since the epoch, a number
    runner.run(jobs_to_run=["standard"])
    avatars = runner.shuffled("economics")
    assert pd.api.types.is_datetime64_any_dtype(avatars["date"])
    assert economics["date"].min() <= avatars["date"].min() <= avatars["date"].max() <= (
        economics["date"].max())


def test_bad_processors_are_refused_before_any_upload(manager: Manager) -> None:
    runner = manager.create_runner("midwest-bad")
    runner.add_table("midwest", midwest(), types=NUMERIC)
    with pytest.raises(TypeError, match=r"preprocess\(df\) and postprocess\(source, dest\)"):
        runner.set_parameters("midwest", k=10, processors=["proportions"])
    with pytest.raises(ValueError, match="are not in the table"):
        runner.set_parameters("midwest", k=10, processors=[
            ProportionProcessor(variable_names=["popmartian"], reference="poptotal")])
    assert runner.processors("midwest") == []
