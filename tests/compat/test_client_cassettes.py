"""The established client's recorded exchanges, replayed against today's server.

Runs without the client's own environment: a server change that would break that client
(a field gone, a type changed, a status changed, a route moved) fails here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from cassette_replay import Replay, shape_differences
from compat_support import ROOT, LiveServer, live_server, user_key

CASSETTES = sorted((ROOT / "cassettes" / "established_client").glob("*.yaml"))


@pytest.fixture(scope="module")
def replay_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder: Path = tmp_path_factory.mktemp("replay-server")
    with live_server(folder / "data") as running:
        yield running


def test_every_recorded_flow_is_there() -> None:
    names = {path.stem for path in CASSETTES}
    assert {
        "quick_flow",
        "full_flow",
        "multi_table",
        "advice_flow",
        "yaml_flow",
        "account_flow",
        "platform_calls_flow",
    } <= names


@pytest.mark.parametrize("cassette", CASSETTES, ids=lambda path: path.stem)
def test_the_server_still_answers_the_client_as_recorded(
    cassette: Path, replay_server: LiveServer
) -> None:
    recorded = yaml.safe_load(cassette.read_text(encoding="utf-8"))
    assert recorded["client"] == "octopize-avatar==1.30.0"
    interactions = recorded["interactions"]
    # the recording covers the storage protocol as well as the API
    assert any(i["request"]["path"].startswith("/storage/") for i in interactions)
    assert any(i["request"]["path"].startswith("/api/jobs") for i in interactions)
    # a flow that acts as a second account gets one on the replay server too
    other = user_key(replay_server, "carol") if "user" in recorded.get("needs", []) else ""
    problems = Replay(replay_server.url, replay_server.admin_key, other).run(interactions)
    assert problems == []


def test_a_changed_answer_is_caught() -> None:
    recorded = {"name": "a", "status": "finished", "done": True, "created_at": "2026-01-01"}
    assert shape_differences(recorded, {**recorded, "extra": 1}) == []
    assert shape_differences(recorded, {k: v for k, v in recorded.items() if k != "done"}) == [
        "$.done: missing"
    ]
    assert shape_differences(recorded, {**recorded, "done": "yes"}) == [
        "$.done: bool expected, got str"
    ]


def test_the_accounts_and_keys_of_a_flow_are_replayed_as_recorded() -> None:
    recorded = yaml.safe_load(
        (ROOT / "cassettes" / "established_client" / "platform_calls_flow.yaml").read_text()
    )
    auths = [i["request"]["auth"] for i in recorded["interactions"]]
    # the second account's calls and the key the flow creates are told apart from the admin's
    assert {"api-key", "api-key:user", "sigv4"} <= set(auths)
    refused = [
        i["response"]["status"]
        for i in recorded["interactions"]
        if i["request"]["auth"] == "api-key:user"
        and i["request"]["path"].startswith("/api/users/me")
    ]
    assert 401 in refused  # after that account revoked all its keys
