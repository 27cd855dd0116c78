"""Runner: tables, parameters, YAML, running jobs and reading results (server faked)."""

from __future__ import annotations

import uuid
import warnings
from pathlib import Path

import pandas as pd
import pytest
import yaml
from sdk_fakes import FakeClient

from avatars._server_calls import idempotency_key
from avatars.constants import DataRecipient, ReportLanguage, SensitivityLevel
from avatars.errors import JobFailedError
from avatars.runner import MetricsResult, Runner

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@pytest.fixture
def client() -> FakeClient:
    return FakeClient()


@pytest.fixture
def runner(client: FakeClient) -> Runner:
    r = Runner(client, "demo", show_progress=False)  # type: ignore[arg-type]
    r.add_table("wbcd", FIXTURES / "wbcd.csv")
    return r


def _docs(runner: Runner) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in yaml.safe_load_all(runner.get_yaml())}


def test_add_table_infers_types_from_the_file(runner: Runner) -> None:
    columns = _docs(runner)["schema"]["spec"]["tables"][0]["columns"]
    assert columns[0] == {"field": "Clump_Thickness", "type": "int"}
    assert [c["field"] for c in columns] == list(pd.read_csv(FIXTURES / "wbcd.csv").columns)


def test_add_table_from_a_dataframe_with_keys_and_overrides(client: FakeClient) -> None:
    r = Runner(client, "multi")  # type: ignore[arg-type]
    frame = pd.DataFrame({"id": [1, 2], "x": [0.5, 1.5], "when": ["2020-01-01", "2020-02-01"]})
    r.add_table("t", frame, primary_key="id", types={"x": "category"}, individual_level=True)
    r.add_table("u", pd.DataFrame({"uid": [1], "t_id": [1], "v": [True]}), primary_key="uid",
                foreign_keys=["t_id"])
    r.add_link("t", "id", "u", "t_id")
    tables = _docs(r)["schema"]["spec"]["tables"]
    assert tables[0]["columns"] == [
        {"field": "id", "type": "int", "primary_key": True},
        {"field": "x", "type": "category"},
        {"field": "when", "type": "datetime"},
    ]
    assert tables[0]["individual_level"] is True
    assert tables[1]["columns"][1] == {"field": "t_id", "type": "int", "identifier": True}
    assert tables[1]["columns"][2]["type"] == "bool"
    assert tables[1]["links"] == [
        {"field": "t_id", "to": {"table": "t", "field": "id"}, "method": "bottom_projection"}
    ]
    r.delete_table("t")
    assert "links" not in _docs(r)["schema"]["spec"]["tables"][0]


@pytest.mark.parametrize(
    ("name", "data", "kwargs", "error", "message"),
    [
        ("bad name", FIXTURES / "wbcd.csv", {}, ValueError, "Invalid table name"),
        ("wbcd.v2", FIXTURES / "wbcd.csv", {}, ValueError, "Invalid table name"),
        ("t", FIXTURES / "nope.csv", {}, FileNotFoundError, "nope.csv"),
        ("t", 42, {}, TypeError, "file path or a pandas DataFrame"),
        ("t", FIXTURES / "wbcd.csv", {"primary_key": "nope"}, ValueError, "'nope' is not in"),
        ("t", FIXTURES / "wbcd.csv", {"types": {"Class": "text"}}, ValueError, "Unknown type"),
    ],
)
def test_add_table_refuses_bad_input(
    client: FakeClient, name: str, data: object, kwargs: dict, error: type, message: str
) -> None:
    r = Runner(client, "demo")  # type: ignore[arg-type]
    with pytest.raises(error, match=message):
        r.add_table(name, data, **kwargs)  # type: ignore[arg-type]


def test_a_table_cannot_be_added_twice(runner: Runner) -> None:
    with pytest.raises(ValueError, match=r"delete_table\('wbcd'\)"):
        runner.add_table("wbcd", FIXTURES / "wbcd.csv")


def test_every_parameter_lands_in_the_yaml(runner: Runner) -> None:
    runner.set_parameters(
        "wbcd",
        k=15,
        ncp=4,
        column_weights={"Class": 2},
        use_categorical_reduction=True,
        imputation_method="median",
        imputation_k=4,
        imputation_training_fraction=0.5,
        exclude_variable_names=["Mitoses"],
        exclude_replacement_strategy="row_order",
        known_variables=["Clump_Thickness"],
        target="Class",
    )
    docs = _docs(runner)
    assert docs["standard"]["spec"]["avatarization"]["wbcd"] == {
        "k": 15,
        "ncp": 4,
        "column_weights": {"Class": 2.0},
        "use_categorical_reduction": True,
        "imputation": {"method": "median", "k": 4, "training_fraction": 0.5},
        "exclude_variables": {"variable_names": ["Mitoses"], "replacement_strategy": "row_order"},
    }
    # the metrics leave the excluded variable out (use_excluded_variables_in_metrics=False)
    excluded = {"variable_names": ["Mitoses"], "replacement_strategy": "row_order"}
    assert docs["privacy_metrics"]["spec"]["privacy_metrics"]["wbcd"] == {
        "known_variables": ["Clump_Thickness"],
        "target": "Class",
        "ncp": 4,
        "exclude_variables": excluded,
    }
    assert docs["signal_metrics"]["spec"]["signal_metrics"]["wbcd"] == {
        "ncp": 4, "exclude_variables": excluded}


def test_update_and_delete_parameters(runner: Runner) -> None:
    runner.set_parameters("wbcd", k=15, imputation_method="mode", imputation_k=3)
    runner.update_parameters("wbcd", ncp=3)
    assert _docs(runner)["standard"]["spec"]["avatarization"]["wbcd"] == {
        "k": 15, "ncp": 3, "imputation": {"method": "mode", "k": 3}}
    runner.set_parameters("wbcd", k=10)
    assert _docs(runner)["standard"]["spec"]["avatarization"]["wbcd"] == {"k": 10}
    runner.update_parameters("wbcd", imputation_method="mean")
    runner.delete_parameters("wbcd", ["imputation_method"])
    assert _docs(runner)["standard"]["spec"]["avatarization"]["wbcd"] == {"k": 10}
    runner.delete_parameters("wbcd")
    assert "standard" not in _docs(runner)
    with pytest.raises(TypeError, match="Unknown parameters"):
        runner.update_parameters("wbcd", kk=3)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k": 1}, "at least 2"),
        ({"k": "15"}, "positive integer"),
        ({"column_weights": {"nope": 1.0}}, "'nope'"),
        ({"imputation_method": "magic"}, "Unknown imputation_method"),
        ({"imputation_training_fraction": 1.5}, "training_fraction"),
        ({"exclude_replacement_strategy": "row_order"}, "pass exclude_variable_names"),
        ({"exclude_variable_names": ["x"]}, "'x'"),
        ({"target": "nope"}, "'nope'"),
    ],
)
def test_bad_parameters_are_refused(runner: Runner, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        runner.set_parameters("wbcd", **kwargs)


def test_parameters_of_an_unknown_table_are_refused(runner: Runner) -> None:
    with pytest.raises(ValueError, match=r"add_table\('iris', data\)"):
        runner.set_parameters("iris", k=5)


def test_create_settings_reach_the_yaml(client: FakeClient) -> None:
    r = Runner(
        client,  # type: ignore[arg-type]
        "my run",
        seed=7,
        max_distribution_plots=3,
        pia_data_recipient=DataRecipient.RESEARCH,
        pia_sensitivity_level=SensitivityLevel.HIGH,
        report_language=ReportLanguage.FR,
    )
    r.add_table("t", FIXTURES / "iris.csv")
    r.set_parameters("t", k=5)
    docs = _docs(r)
    meta = docs["avatar-metadata-my-run"]["spec"]
    assert meta["display_name"] == "my run"
    assert meta["pia_metadata"]["datarecipient"] == "research"
    assert meta["pia_metadata"]["sensitivity_level"] == "high"
    assert meta["max_distribution_plots"] == 3
    assert docs["standard"]["spec"]["seed"] == 7
    assert docs["report"]["spec"]["language"] == "fr"
    with pytest.raises(ValueError, match="seed"):
        Runner(client, "x", seed=-1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="non-empty name"):
        Runner(client, " ")  # type: ignore[arg-type]


def test_run_uploads_stores_and_posts_jobs_with_dependencies(
    runner: Runner, client: FakeClient
) -> None:
    runner.set_parameters("wbcd", k=15)
    assert runner.set_name is None
    jobs = runner.run()
    server = client.server
    assert len(server.uploads) == 1
    dataset = server.uploads[0]
    assert dataset.startswith("wbcd-")
    assert dataset.endswith(".csv")
    assert server.datasets[dataset] == (FIXTURES / "wbcd.csv").read_bytes()
    display, text = server.resource_sets[runner.set_name]  # type: ignore[index]
    assert display == "demo"
    assert f"file: {dataset}" in text
    assert [c["parameters_name"] for c in server.created] == list(jobs)
    assert list(jobs) == ["standard", "privacy_metrics", "signal_metrics", "report"]
    depends = {c["parameters_name"]: c["depends_on"] for c in server.created}
    assert depends == {
        "standard": [],
        "privacy_metrics": [jobs["standard"]],
        "signal_metrics": [jobs["standard"]],
        "report": [jobs["standard"], jobs["privacy_metrics"], jobs["signal_metrics"]],
    }
    keys = [c["idempotency_key"] for c in server.created]
    assert keys == [idempotency_key(str(runner.set_name), kind) for kind in jobs]
    assert all(uuid.UUID(k) for k in keys)
    assert len(set(keys)) == 4
    # a second run re-uses the uploaded dataset (same content) and makes a new set
    first_set = runner.set_name
    runner.run(jobs_to_run=["standard"])
    assert server.uploads == [dataset]
    assert runner.set_name != first_set
    assert list(runner.jobs) == ["standard"]


def test_run_adds_dependencies_with_a_warning(runner: Runner) -> None:
    runner.set_parameters("wbcd", k=15)
    with pytest.warns(UserWarning, match="depend on"):
        jobs = runner.run(jobs_to_run=["report"])
    assert list(jobs) == ["standard", "privacy_metrics", "signal_metrics", "report"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        runner.run(jobs_to_run=["signal_metrics"], ignore_warnings=True)


def test_run_refuses_incomplete_configurations(client: FakeClient, runner: Runner) -> None:
    with pytest.raises(ValueError, match="add_table"):
        Runner(client, "empty").run()  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"have no k.*advise_parameters"):
        runner.run()
    runner.set_parameters("wbcd", k=15)
    with pytest.raises(ValueError, match="Unknown jobs"):
        runner.run(jobs_to_run=["everything"])
    assert client.server.created == []


def test_a_dataframe_is_uploaded_as_csv(client: FakeClient) -> None:
    r = Runner(client, "df")  # type: ignore[arg-type]
    frame = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    r.add_table("t", frame)
    r.set_parameters("t", k=2)
    r.run(jobs_to_run=["standard"])
    (name,) = client.server.uploads
    assert client.server.datasets[name] == b"a,b\n1,x\n2,y\n3,z\n"


def test_results_wait_for_their_job_and_come_back_as_pandas(
    runner: Runner, client: FakeClient, tmp_path: Path
) -> None:
    runner.set_parameters("wbcd", k=3)
    jobs = runner.run()
    for name in jobs.values():
        client.add_results(name)
    assert list(runner.shuffled("wbcd").columns) == ["a", "b"]
    assert runner.sensitive_unshuffled("wbcd").shape == (3, 2)
    original, avatars = runner.projections("wbcd")
    assert list(original.columns) == ["Dim.1", "Dim.2"]
    assert avatars.iloc[0, 0] == pytest.approx(0.3)
    privacy = runner.privacy_metrics("wbcd")
    assert isinstance(privacy, MetricsResult)
    assert privacy.to_frame().loc["hidden_rate", "passed"]
    assert "Hidden rate" in privacy._repr_html_()
    assert runner.signal_metrics("wbcd")["passed"] is True
    assert runner.run_metadata("wbcd") == {"parameters": {"k": 3}}
    assert runner.render_plot("wbcd", "projection", path=tmp_path / "p.png") == b"\x89PNG fake"
    assert (tmp_path / "p.png").read_bytes() == b"\x89PNG fake"
    with pytest.raises(ValueError, match="Unknown plot kind"):
        runner.render_plot("wbcd", "pie")
    with pytest.raises(ValueError, match="no correlations result"):
        runner.render_plot("wbcd", "correlations")
    report = runner.download_report(tmp_path / "r.pdf")
    assert report.read_bytes().startswith(b"%PDF")
    everything = runner.get_all_results()
    assert set(everything["wbcd"]) == {
        "shuffled", "unshuffled", "original_projections", "avatar_projections", "run_metadata",
        "privacy_metrics", "signal_metrics"}
    assert runner.get_status("report") == "finished"
    assert runner.get_job(jobs["standard"]).name == jobs["standard"]
    assert set(runner.wait()) == set(jobs)
    assert "standard" in runner._repr_html_()


def test_a_failed_job_raises_with_the_servers_reason(runner: Runner, client: FakeClient) -> None:
    client.server.job_status = "error"
    client.server.job_exception = "column 'Class' has a single value"
    runner.set_parameters("wbcd", k=3)
    runner.run(jobs_to_run=["standard"])
    with pytest.raises(JobFailedError, match="single value") as info:
        runner.shuffled("wbcd")
    assert info.value.job_name == runner.jobs["standard"]


def test_results_before_run_say_what_to_do(runner: Runner) -> None:
    with pytest.raises(ValueError, match=r"call run\(\)"):
        runner.shuffled("wbcd")
    with pytest.raises(ValueError, match="run"):
        runner.wait()


def test_yaml_round_trip_uploads_files_next_to_the_yaml(
    runner: Runner, client: FakeClient, tmp_path: Path
) -> None:
    runner.set_parameters("wbcd", k=9)
    (tmp_path / "wbcd.csv").write_bytes((FIXTURES / "wbcd.csv").read_bytes())
    runner.get_yaml(tmp_path / "run.yaml")
    other = Runner(client, "from-yaml")  # type: ignore[arg-type]
    other.from_yaml(tmp_path / "run.yaml")
    assert other.display_name == "from-yaml"
    assert _docs(other)["standard"]["spec"]["avatarization"] == {"wbcd": {"k": 9}}
    other.run(jobs_to_run=["standard"])
    assert client.server.uploads[0].startswith("wbcd-")


def test_advise_parameters_runs_an_advice_job_and_applies_it(
    client: FakeClient, runner: Runner
) -> None:
    original_create = client.jobs.create_job

    def create_and_finish(*args: object, **kwargs: object) -> object:
        created = original_create(*args, **kwargs)  # type: ignore[arg-type]
        client.add_results(created.name)
        return created

    client.jobs.create_job = create_and_finish  # type: ignore[method-assign]
    advice = runner.advise_parameters()
    assert advice == {"wbcd": {"k": 7, "ncp": 3, "reasons": {"k": "r"}}}
    assert [c["parameters_name"] for c in client.server.created] == ["advice"]
    assert _docs(runner)["standard"]["spec"]["avatarization"]["wbcd"] == {"k": 7, "ncp": 3}
    assert runner.set_name is None  # advice does not make the run


def test_print_parameters(runner: Runner, capsys: pytest.CaptureFixture[str]) -> None:
    runner.print_parameters()
    assert "wbcd: no parameters" in capsys.readouterr().out
    runner.set_parameters("wbcd", k=4, target="Class")
    runner.print_parameters("wbcd")
    out = capsys.readouterr().out
    assert "{'k': 4}" in out
    assert "'target': 'Class'" in out


def test_a_parquet_file_keeps_its_format_and_types(client: FakeClient, tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"when": pd.to_datetime(["2020-01-01", "2021-01-01", "2022-01-01"]),
         "flag": [True, False, True]}
    )
    frame.to_parquet(tmp_path / "events.parquet")
    r = Runner(client, "pq")  # type: ignore[arg-type]
    r.add_table("events", tmp_path / "events.parquet")
    r.set_parameters("events", k=2)
    assert _docs(r)["schema"]["spec"]["tables"][0]["columns"] == [
        {"field": "when", "type": "datetime"},
        {"field": "flag", "type": "bool"},
    ]
    r.run(jobs_to_run=["standard"])
    (name,) = client.server.uploads
    assert name.startswith("events-")
    assert name.endswith(".parquet")
    (tmp_path / "x.xlsx").write_text("")
    with pytest.raises(ValueError, match=r"not a readable \.xlsx file"):
        r.add_table("other", tmp_path / "x.xlsx")
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(ValueError, match=r"CSV \(.csv\), TSV \(.tsv\), Parquet"):
        r.add_table("other", tmp_path / "x.json")
    with pd.ExcelWriter(tmp_path / "book.xlsx") as writer:
        pd.DataFrame({"about": ["events"]}).to_excel(writer, sheet_name="about", index=False)
        pd.read_parquet(tmp_path / "events.parquet").to_excel(
            writer, sheet_name="events", index=False
        )
    r.add_table("booked", tmp_path / "book.xlsx", sheet="events")
    assert list(r.describe_columns("booked").index) == ["when", "flag"]


def test_add_table_reads_a_semicolon_latin1_export_and_uploads_it_normalized(
    client: FakeClient, tmp_path: Path
) -> None:
    original = pd.read_csv(FIXTURES / "wbcd.csv")
    path = tmp_path / "wbcd_excel_fr.csv"
    original.assign(Note="é").to_csv(path, sep=";", decimal=",", encoding="latin-1", index=False)
    r = Runner(client, "messy", show_progress=False)  # type: ignore[arg-type]
    r.add_table("wbcd", path)
    columns = _docs(r)["schema"]["spec"]["tables"][0]["columns"]
    assert [c["field"] for c in columns] == [*original.columns, "Note"]
    source = r._sources["wbcd"]
    assert source.path is None
    assert source.frame is not None
    assert source.frame["Note"].eq("é").all()
    r.add_table("plain", FIXTURES / "wbcd.csv")
    assert r._sources["plain"].path == FIXTURES / "wbcd.csv"


def test_add_table_refuses_a_broken_file_listing_its_problems(
    client: FakeClient, tmp_path: Path
) -> None:
    path = tmp_path / "broken.csv"
    path.write_text("a,b\n1,2\n3\n4,5,6\n", encoding="utf-8")
    r = Runner(client, "broken", show_progress=False)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"line 3 has 1 field\(s\), line 4 has 3 field\(s\)"):
        r.add_table("t", path)
