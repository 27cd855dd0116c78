"""Manager: construction, runners, lookups by name and id, deletions (server faked)."""

from __future__ import annotations

import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from sdk_fakes import FakeClient, job

from avatars.constants import DataSubject, DataType, ReportLanguage
from avatars.manager import BULK_DELETE_BATCH, Manager

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SET_A = str(uuid.UUID(int=0xA))
SET_B = str(uuid.UUID(int=0xB))


@pytest.fixture
def client() -> FakeClient:
    return FakeClient()


@pytest.fixture
def manager(client: FakeClient) -> Manager:
    return Manager(api_client=client, should_verify_compatibility=False)  # type: ignore[arg-type]


def _add(client: FakeClient, name: str, set_name: str, minute: int, display: str = "demo",
         kind: str = "standard", status: str = "finished") -> None:
    client.server.jobs[name] = job(
        name, status=status, set_name=set_name, display_name=display, parameters_name=kind,
        created_at=f"2026-01-01T00:{minute:02d}:00Z",
    )


@pytest.mark.parametrize("other", ["base_url", "api_key", "config"])
def test_api_client_conflicts_with_other_settings(client: FakeClient, other: str) -> None:
    with pytest.raises(ValueError, match=f"api_client conflicts with {other}"):
        Manager(api_client=client, **{other: "x"})  # type: ignore[arg-type]


def test_compatibility_is_checked_at_construction_unless_disabled() -> None:
    checked = FakeClient(verify=True)
    Manager(api_client=checked)  # type: ignore[arg-type]
    assert checked.server.compatibility_checks == 1
    Manager(api_client=checked, should_verify_compatibility=False)  # type: ignore[arg-type]
    assert checked.server.compatibility_checks == 1
    unchecked = FakeClient(verify=False)
    Manager(api_client=unchecked, should_verify_compatibility=True)  # type: ignore[arg-type]
    assert unchecked.server.compatibility_checks == 1


def test_a_real_client_is_built_from_the_arguments() -> None:
    manager = Manager("http://127.0.0.1:9", api_key="k", should_verify_compatibility=False)
    assert manager.auth_client.base_url == "http://127.0.0.1:9/api"
    assert manager.auth_client.api_key == "k"


def test_authenticate_is_refused_with_an_api_key(manager: Manager, client: FakeClient) -> None:
    with pytest.raises(ValueError, match="API key authentication is already active"):
        manager.authenticate("user", "pass")
    assert client.calls == []


def test_authenticate_and_password_flows_go_to_the_client() -> None:
    client = FakeClient(api_key=None)
    manager = Manager(api_client=client, should_verify_compatibility=False)  # type: ignore[arg-type]
    manager.authenticate("user", "pass", should_verify_compatibility=True)
    manager.forgotten_password("u@example.com")
    manager.reset_password("u@example.com", "n", "n", "opaque-token")
    assert client.calls == [
        ("authenticate", ("user", "pass")),
        ("forgotten_password", ("u@example.com",)),
        ("reset_password", ("u@example.com", "n", "n", "opaque-token")),
    ]
    assert client.server.compatibility_checks == 1


def test_create_runner_keeps_the_display_name_apart_from_the_set_name(manager: Manager) -> None:
    runner = manager.create_runner(
        set_name="demo", seed=3, pia_data_type=DataType.HEALTH,
        pia_data_subject=DataSubject.PATIENTS, report_language=ReportLanguage.FR,
    )
    assert runner.display_name == "demo"
    assert runner.set_name is None
    runner.add_table("wbcd", FIXTURES / "wbcd.csv")
    meta = next(yaml.safe_load_all(runner.get_yaml()))["spec"]
    assert meta["pia_metadata"] == {
        "datarecipient": "unknown", "data_type": "health", "datasubject": "patients",
        "sensitivity_level": "undefined",
    }


def test_create_runner_from_id_checks_its_argument(manager: Manager) -> None:
    with pytest.raises(TypeError, match="str or a UUID"):
        manager.create_runner_from_id(42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"not a UUID.*create_runner_from_name"):
        manager.create_runner_from_id("demo")


def test_create_runner_from_id_restores_config_and_jobs(
    manager: Manager, client: FakeClient
) -> None:
    first = manager.create_runner("demo")
    first.add_table("wbcd", FIXTURES / "wbcd.csv")
    first.set_parameters("wbcd", k=15)
    jobs = first.run()
    restored = manager.create_runner_from_id(uuid.UUID(str(first.set_name)))
    assert restored.set_name == first.set_name
    assert restored.display_name == "demo"
    assert restored.jobs == jobs
    assert restored.get_yaml() == first.get_yaml()
    client.add_results(jobs["standard"])
    assert restored.shuffled("wbcd").shape == (3, 2)
    with pytest.warns(UserWarning, match=f"create_runner_from_id\\('{first.set_name}'\\)"):
        restored.run(jobs_to_run=["standard"])
    assert restored.set_name != first.set_name


def test_find_ids_by_name_groups_runs_newest_first(manager: Manager, client: FakeClient) -> None:
    _add(client, "j1", SET_A, 1)
    _add(client, "j2", SET_A, 5, kind="privacy_metrics")
    _add(client, "j3", SET_B, 3)
    _add(client, "other", SET_B, 9, display="other")
    runs = manager.find_ids_by_name("demo")
    assert [(uuid_, [j.name for j in jobs]) for uuid_, jobs in runs] == [
        (SET_A, ["j2", "j1"]),
        (SET_B, ["j3"]),
    ]
    assert manager.find_ids_by_name("nothing") == []


def test_find_ids_by_name_reads_every_page(manager: Manager, client: FakeClient) -> None:
    for i in range(230):
        _add(client, f"job{i:03d}", SET_A, i % 60)
    (run,) = manager.find_ids_by_name("demo")
    assert len(run[1]) == 230
    assert [c["offset"] for c in client.server.get_jobs_calls] == [0, 100, 200]


def test_create_runner_from_name_takes_the_newest_run(manager: Manager, client: FakeClient) -> None:
    older = manager.create_runner("demo")
    older.add_table("wbcd", FIXTURES / "wbcd.csv")
    older.set_parameters("wbcd", k=5)
    older.run(jobs_to_run=["standard"])
    newer = manager.create_runner("demo")
    newer.add_table("wbcd", FIXTURES / "wbcd.csv")
    newer.set_parameters("wbcd", k=6)
    newer.run(jobs_to_run=["standard"])
    assert manager.create_runner_from_name("demo").set_name == newer.set_name
    with pytest.raises(ValueError, match="No run named 'Demo'"):
        manager.create_runner_from_name("Demo")


def test_create_runner_from_yaml(manager: Manager, tmp_path: Path) -> None:
    source = manager.create_runner("a")
    source.add_table("iris", FIXTURES / "iris.csv")
    source.set_parameters("iris", k=4)
    source.get_yaml(tmp_path / "conf.yaml")
    runner = manager.create_runner_from_yaml(str(tmp_path / "conf.yaml"), "b")
    assert runner.display_name == "b"
    assert list(runner.tables) == ["iris"]
    with pytest.raises(FileNotFoundError):
        manager.create_runner_from_yaml(str(tmp_path / "missing.yaml"), "c")


def test_delete_job_refuses_ambiguous_names_with_the_commands(
    manager: Manager, client: FakeClient
) -> None:
    _add(client, "j1", SET_A, 1)
    _add(client, "j2", SET_B, 2)
    with pytest.raises(ValueError, match="2 runs are named 'demo'") as info:
        manager.delete_job("demo")
    assert f"manager.delete_job_by_id('{SET_A}')" in str(info.value)
    assert f"manager.delete_job_by_id('{SET_B}')" in str(info.value)
    assert client.server.deleted_batches == []
    with pytest.raises(ValueError, match="No run named 'ghost'"):
        manager.delete_job("ghost")


def test_delete_job_and_delete_job_by_id(manager: Manager, client: FakeClient) -> None:
    _add(client, "j1", SET_A, 1)
    _add(client, "j2", SET_A, 2, kind="report")
    _add(client, "j3", SET_B, 3, display="other")
    deleted = manager.delete_job("demo")
    assert sorted(deleted.deleted_jobs) == ["j1", "j2"]
    assert deleted.failed_jobs == []
    by_id = manager.delete_job_by_id(uuid.UUID(SET_B))
    assert by_id.deleted_jobs == ["j3"]
    assert client.server.jobs == {}
    with pytest.raises(ValueError, match="not a UUID"):
        manager.delete_job_by_id("j3")


def test_delete_jobs_batches_by_100_and_aggregates(manager: Manager, client: FakeClient) -> None:
    names = [f"job{i}" for i in range(250)]
    for i, name in enumerate(names[:240]):
        _add(client, name, SET_A, i % 60)
    response = manager.delete_jobs(names)
    assert [len(b) for b in client.server.deleted_batches] == [BULK_DELETE_BATCH, 100, 50]
    assert response.deleted_jobs == names[:240]
    assert response.failed_jobs == names[240:]
    assert type(response).__name__ == "BulkDeleteResponse"


def test_last_jobs_and_results(manager: Manager, client: FakeClient) -> None:
    _add(client, "old", SET_A, 1)
    _add(client, "running", SET_A, 2, status="running")
    _add(client, "new", SET_A, 3, kind="privacy_metrics")
    client.add_results("old")
    client.add_results("new")
    assert list(manager.get_last_jobs(2)) == ["new", "running"]
    results = manager.get_last_results(2)
    assert [r["job_name"] for r in results] == ["new", "old"]
    assert results[0]["privacy_metrics"] == "wbcd.privacy_metrics.json"
    assert results[1]["shuffled"] == "wbcd.shuffled.csv"
    assert results[1]["kind"] == "standard"
    assert all(isinstance(v, str) for r in results for v in r.values())
    with pytest.raises(ValueError, match="at least 1"):
        manager.get_last_jobs(0)
    html = manager.get_last_jobs(3)._repr_html_()  # type: ignore[attr-defined]
    assert "<table" in html
    assert "running" in html
    assert "wbcd.shuffled.csv" in results._repr_html_()  # type: ignore[attr-defined]


def test_get_health(manager: Manager) -> None:
    assert manager.get_health() == {"status": "ok", "version": "1"}


def test_local_uses_the_embedded_server_launcher(monkeypatch: pytest.MonkeyPatch) -> None:
    import avatars._local

    calls: list[str] = []

    def fake_local_server() -> SimpleNamespace:
        calls.append("started")
        return SimpleNamespace(base_url="http://127.0.0.1:5999", api_key="local-key")

    monkeypatch.setattr(avatars._local, "local_server", fake_local_server)
    monkeypatch.setenv("AVATAR_VERIFY_COMPATIBILITY", "0")
    manager = Manager.local()
    assert calls == ["started"]
    assert manager.auth_client.base_url == "http://127.0.0.1:5999/api"
    assert manager.auth_client.api_key == "local-key"
