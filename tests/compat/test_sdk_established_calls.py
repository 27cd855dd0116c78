"""Typical calls of the established client's users, run against this SDK and a live server.

Each call is written as users of octopize-avatar 1.30.0 write it (``table_name=``,
``JobKind``/``JobStatus``, ``privacy_metrics(t)[0]``, ``manager.get_jobs_by_name``...). The
calls this SDK claims are asserted one by one (result checked, not only "no exception"); the
few it does not provide must fail with a clear message, and at least 90 % of all must work.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docx
import pandas as pd
import pytest
from compat_support import FIXTURES, LiveServer, live_server

pytestmark = [pytest.mark.server, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("sdk-established")
    with live_server(folder / "data") as running:
        yield running


class Calls:
    """Runs the calls and keeps each outcome."""

    def __init__(self) -> None:
        self.outcomes: dict[str, tuple[bool, bool, str]] = {}

    def check(
        self, label: str, call: Callable[[], Any], expect: Callable[[Any], bool], claimed: bool
    ) -> Any:
        try:
            value = call()
        except Exception as exc:
            self.outcomes[label] = (False, claimed, f"{type(exc).__name__}: {exc}")
            return None
        ok = bool(expect(value))
        self.outcomes[label] = (ok, claimed, "" if ok else f"unexpected result {value!r:.300}")
        return value


def _until(predicate: Callable[[], bool], seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_established_client_calls_on_this_sdk(server: LiveServer, tmp_path: Path) -> None:
    calls = Calls()
    c = calls.check
    run_name = f"compat-{uuid.uuid4().hex[:8]}"

    # -- imports ---------------------------------------------------------------------------
    import avatars
    from avatars.constants import PlotKind, ReportType, Results
    from avatars.manager import Manager
    from avatars.models import BulkDeleteResponse, JobKind, JobResponse, JobStatus

    c(
        "from avatars import JobStatus",
        lambda: avatars.JobStatus.finished,
        lambda v: v == "finished",
        True,
    )
    c("avatars.models JobKind", lambda: JobKind.standard, lambda v: v == "standard", True)
    c("avatars.constants Results", lambda: Results.SHUFFLED, lambda v: v == "shuffled", True)

    # -- manager ---------------------------------------------------------------------------
    manager = c(
        "Manager(base_url, api_key=)",
        lambda: Manager(base_url=server.url, api_key=server.admin_key),
        lambda m: m.auth_client is not None,
        True,
    )
    assert manager is not None
    c("manager.get_health()", manager.get_health, lambda h: h.get("status") == "ok", True)
    runner = c(
        "manager.create_runner(set_name, seed=, output_format=)",
        lambda: manager.create_runner(set_name=run_name, seed=7, output_format="csv"),
        lambda r: r.display_name == run_name,
        True,
    )
    assert runner is not None

    # -- configuration ---------------------------------------------------------------------
    wbcd = FIXTURES / "wbcd.csv"
    c(
        "runner.add_table(table_name=, data=path)",
        lambda: runner.add_table(table_name="wbcd", data=str(wbcd)),
        lambda _: "wbcd" in runner.tables,
        True,
    )
    iris = pd.read_csv(FIXTURES / "iris.csv")
    c(
        "runner.add_table(name, DataFrame, columns_to_drop=)",
        lambda: runner.add_table("iris", iris, columns_to_drop=["variety"]),
        lambda _: "variety" not in runner.tables["iris"].column_names,
        True,
    )
    c(
        "runner.add_annotations({...})",
        lambda: runner.add_annotations({"project": "cohort"}),
        lambda _: "project: cohort" in runner.get_yaml(),
        True,
    )
    c(
        "runner.set_parameters(..., exclude_variable_method=)",
        lambda: runner.set_parameters(
            "iris",
            k=10,
            exclude_variable_names=["sepal.width"],
            exclude_variable_method="coordinate_similarity",
        ),
        lambda _: "coordinate_similarity" in str(runner._rs.parameters["iris"]),
        True,
    )
    c(
        "runner.set_parameters(table_name=, k=, ncp=)",
        lambda: runner.set_parameters(table_name="wbcd", k=15, ncp=5),
        lambda _: "k: 15" in runner.get_yaml(),
        True,
    )
    c(
        "runner.update_parameters(table_name=, ncp=)",
        lambda: runner.update_parameters(table_name="wbcd", ncp=4),
        lambda _: "ncp: 4" in runner.get_yaml(),
        True,
    )
    c(
        "runner.print_parameters(table_name=)",
        lambda: runner.print_parameters(table_name="wbcd"),
        lambda v: v is None,
        True,
    )
    c(
        "runner.delete_parameters(table_name=, parameters_names=)",
        lambda: runner.delete_parameters(table_name="iris", parameters_names=["ncp"]),
        lambda _: True,
        True,
    )
    c(
        "runner.delete_table(table_name=)",
        lambda: runner.delete_table(table_name="iris"),
        lambda _: list(runner.tables) == ["wbcd"],
        True,
    )
    c(
        "runner.set_parameters(k=, open_dp_epsilon=) [refused: k or epsilon]",
        lambda: runner.set_parameters("wbcd", k=15, open_dp_epsilon=1.0),
        lambda _: True,
        False,
    )
    yaml_path = tmp_path / "config.yaml"
    c("runner.get_yaml()", runner.get_yaml, lambda text: "kind: AvatarSchema" in text, True)
    c(
        "runner.get_yaml(path)",
        lambda: runner.get_yaml(str(yaml_path)),
        lambda _: yaml_path.is_file(),
        True,
    )

    # -- running and results ---------------------------------------------------------------
    c(
        "runner.run(jobs_to_run=[JobKind...])",
        lambda: runner.run(
            jobs_to_run=[
                JobKind.standard,
                JobKind.signal_metrics,
                JobKind.privacy_metrics,
                JobKind.report,
            ]
        ),
        lambda _: set(runner.jobs) == {"standard", "privacy_metrics", "signal_metrics", "report"},
        True,
    )
    c("runner.set_name", lambda: uuid.UUID(str(runner.set_name)), lambda v: True, True)
    c(
        "runner.shuffled(table_name=)",
        lambda: runner.shuffled(table_name="wbcd"),
        lambda frame: frame.shape == pd.read_csv(wbcd).shape,
        True,
    )
    c(
        "runner.get_status(JobKind.standard) == JobStatus.finished",
        lambda: runner.get_status(JobKind.standard),
        lambda v: v == JobStatus.finished,
        True,
    )
    c(
        "runner.get_status(job_kind=)",
        lambda: runner.get_status(job_kind="standard"),
        lambda v: v == "finished",
        True,
    )
    c(
        "runner.get_job(JobKind.standard)",
        lambda: runner.get_job(JobKind.standard),
        lambda job: str(job.set_name) == runner.set_name,
        True,
    )
    c(
        "runner.sensitive_unshuffled(table_name)",
        lambda: runner.sensitive_unshuffled("wbcd"),
        lambda frame: len(frame) == len(pd.read_csv(wbcd)),
        True,
    )
    c(
        "runner.projections(table_name)",
        lambda: runner.projections("wbcd"),
        lambda pair: pair[0].shape == pair[1].shape,
        True,
    )
    c(
        "runner.privacy_metrics(t)[0]['hidden_rate']",
        lambda: runner.privacy_metrics("wbcd")[0]["hidden_rate"],
        lambda v: 0 <= v <= 100,
        True,
    )
    c(
        "runner.signal_metrics(t)[0]",
        lambda: runner.signal_metrics(table_name="wbcd")[0],
        lambda entry: entry["metadata"]["table_name"] == "wbcd" and "targets" in entry,
        True,
    )
    c(
        "runner.statuses()",
        runner.statuses,
        lambda v: v.get("report") in (JobStatus.finished, JobStatus.running, JobStatus.queued)
        and v["standard"] == JobStatus.finished,
        True,
    )
    c(
        "runner.get_specific_result(t, JobKind.standard, Results.SHUFFLED)",
        lambda: runner.get_specific_result("wbcd", JobKind.standard, Results.SHUFFLED),
        lambda frame: isinstance(frame, pd.DataFrame) and len(frame) > 0,
        True,
    )
    c(
        "runner.get_specific_result(t, privacy_metrics, Results.PRIVACY_METRICS)",
        lambda: runner.get_specific_result(
            "wbcd", JobKind.privacy_metrics, Results.PRIVACY_METRICS
        ),
        lambda records: isinstance(records, list) and "hidden_rate" in records[0],
        True,
    )
    c(
        "runner.get_specific_result(t, 'standard', Results.METADATA)",
        lambda: runner.get_specific_result("wbcd", "standard", Results.METADATA),
        lambda meta: isinstance(meta, dict) and bool(meta),
        True,
    )
    c(
        "runner.get_specific_result(t, standard, Results.FIGURES)",
        lambda: runner.get_specific_result("wbcd", JobKind.standard, Results.FIGURES),
        lambda figures: all(png[0].startswith(b"\x89PNG") for png in figures.values()),
        True,
    )
    c(
        "runner.get_specific_result_urls(job, result)",
        lambda: runner.get_specific_result_urls("standard", Results.SHUFFLED),
        lambda urls: len(urls) == 1 and urls[0].startswith(server.url),
        True,
    )
    c(
        "runner.get_all_results()",
        runner.get_all_results,
        lambda results: "shuffled" in results["wbcd"],
        True,
    )
    c(
        "runner.render_plot(t, PlotKind.DISTRIBUTION)",
        lambda: runner.render_plot("wbcd", PlotKind.DISTRIBUTION),
        lambda png: png.startswith(b"\x89PNG"),
        True,
    )
    c(
        "runner.render_plot(table_name=, plot_kind=, open_in_browser=False)",
        lambda: runner.render_plot(
            table_name="wbcd", plot_kind=PlotKind.PROJECTION_2D, open_in_browser=False
        ),
        lambda png: png.startswith(b"\x89PNG"),
        True,
    )
    report = tmp_path / "report.pdf"
    c(
        "runner.download_report(path)",
        lambda: runner.download_report(str(report)),
        lambda _: report.read_bytes().startswith(b"%PDF"),
        True,
    )
    basic = tmp_path / "basic.pdf"
    c(
        "runner.download_report(path=, report_type=ReportType.BASIC)",
        lambda: runner.download_report(path=str(basic), report_type=ReportType.BASIC),
        lambda _: basic.read_bytes().startswith(b"%PDF"),
        True,
    )
    pia = tmp_path / "pia.docx"
    c(
        "runner.download_report(path, report_type=ReportType.PIA)",
        lambda: runner.download_report(str(pia), report_type=ReportType.PIA),
        lambda _: "Privacy impact assessment" in "\n".join(
            p.text for p in docx.Document(pia).paragraphs
        ),
        True,
    )
    c(
        "runner.render_privacy_metrics_summary()",
        runner.render_privacy_metrics_summary,
        lambda summary: 0 <= summary["wbcd"]["standalone"] <= 100,
        True,
    )
    c(
        "runner.render_signal_metrics_summary()",
        runner.render_signal_metrics_summary,
        lambda summary: list(summary["wbcd"]) == ["standalone"],
        True,
    )
    c(
        "runner.metrics_summary()",
        runner.metrics_summary,
        lambda frame: ("standalone", "privacy") in frame.columns and "wbcd" in frame.index,
        True,
    )
    c(
        "runner.table_summary(table_name)",
        lambda: runner.table_summary("wbcd"),
        lambda frame: frame.loc["Class", "distinct"] == 2,
        True,
    )

    # -- the manager on finished runs ------------------------------------------------------
    c(
        "manager.get_last_jobs(count=)",
        lambda: manager.get_last_jobs(count=4),
        lambda jobs: len(jobs) == 4,
        True,
    )
    c(
        "manager.get_last_jobs(count=, name=)",
        lambda: manager.get_last_jobs(count=10, name=run_name),
        lambda jobs: len(jobs) == 4 and all(j.display_name == run_name for j in jobs.values()),
        True,
    )
    c(
        "manager.get_last_results(count=)",
        lambda: manager.get_last_results(count=1),
        lambda results: len(results) == 1,
        True,
    )
    c(
        "manager.get_jobs_by_name(name)",
        lambda: manager.get_jobs_by_name(run_name),
        lambda jobs: len(jobs) == 4 and isinstance(jobs[0], JobResponse),
        True,
    )
    c(
        "manager.get_jobs_by_id(id)",
        lambda: manager.get_jobs_by_id(str(runner.set_name)),
        lambda jobs: {str(j.set_name) for j in jobs} == {runner.set_name},
        True,
    )
    c(
        "manager.get_last_set()",
        manager.get_last_set,
        lambda jobs: {str(j.set_name) for j in jobs} == {runner.set_name},
        True,
    )
    c(
        "manager.find_ids_by_name(name)",
        lambda: manager.find_ids_by_name(run_name),
        lambda runs: [uuid for uuid, _ in runs] == [runner.set_name],
        True,
    )
    c(
        "manager.create_runner_from_name(name)",
        lambda: manager.create_runner_from_name(run_name).shuffled("wbcd"),
        lambda frame: len(frame) == len(pd.read_csv(wbcd)),
        True,
    )
    c(
        "manager.create_runner_from_id(id)",
        lambda: manager.create_runner_from_id(runner.set_name).privacy_metrics("wbcd")[0],
        lambda entry: "hidden_rate" in entry,
        True,
    )
    c(
        "manager.cancel_job_by_id(id) on a finished run",
        lambda: manager.cancel_job_by_id(runner.set_name),
        lambda cancelled: cancelled == [],
        True,
    )
    c(
        "runner.cancel() on a finished run",
        runner.cancel,
        lambda cancelled: cancelled == [],
        True,
    )

    # -- advice, YAML, several tables ------------------------------------------------------
    adviced = manager.create_runner("compat-advice")
    adviced.add_table("iris", str(FIXTURES / "iris.csv"))
    c(
        "runner.advise_parameters(table_name=)",
        lambda: adviced.advise_parameters(table_name="iris"),
        lambda _: "k:" in adviced.get_yaml(),
        True,
    )
    c(
        "manager.create_runner_from_yaml(path, set_name)",
        lambda: manager.create_runner_from_yaml(str(yaml_path), "compat-from-yaml"),
        lambda r: list(r.tables) == ["wbcd"],
        True,
    )
    c(
        "runner.from_yaml(path)",
        lambda: adviced.from_yaml(str(yaml_path)),
        lambda _: list(adviced.tables) == ["wbcd"],
        True,
    )
    multi = manager.create_runner("compat-multi")
    for name, key in (("patient", "p_id"), ("doctor", "d_id")):
        multi.add_table(
            table_name=name, data=str(FIXTURES / f"{name}.csv"), primary_key=key,
            individual_level=True,
        )
    c(
        "runner.add_table(primary_key=, foreign_keys=, individual_level=)",
        lambda: multi.add_table(
            "visit",
            str(FIXTURES / "visit.csv"),
            primary_key="visit_id",
            foreign_keys=["patient_id", "doctor_id"],
            individual_level=False,
        ),
        lambda _: "visit" in multi.tables,
        True,
    )
    c(
        "runner.add_link(parent, field, child, field, method=)",
        lambda: multi.add_link(
            "patient", "p_id", "visit", "patient_id", method="linear_sum_assignment"
        ),
        lambda _: "linear_sum_assignment" in multi.get_yaml(),
        True,
    )
    multi.add_link("doctor", "d_id", "visit", "doctor_id")
    c(
        "runner.delete_link(parent, child)",
        lambda: multi.delete_link("doctor", "visit"),
        lambda _: [link.to_table for link in multi.tables["visit"].links] == ["patient"],
        True,
    )
    multi.add_link("doctor", "d_id", "visit", "doctor_id")
    for name in ("patient", "doctor", "visit"):
        multi.set_parameters(name, k=5, ncp=2)
    multi.run(jobs_to_run=["standard", "privacy_metrics", "signal_metrics"])
    c(
        "runner.render_privacy_metrics_summary() of a multi-table run",
        multi.render_privacy_metrics_summary,
        lambda summary: {t: sorted(refs) for t, refs in summary.items()} == {
            "patient": ["standalone"], "doctor": ["standalone"],
            "visit": ["doctor", "patient", "standalone"],
        } and all(0 <= v <= 100 for refs in summary.values() for v in refs.values()),
        True,
    )
    c(
        "runner.render_signal_metrics_summary() of a multi-table run",
        multi.render_signal_metrics_summary,
        # the joined references judge the children per parent (Hellinger <= 0.05)
        lambda summary: summary["visit"]["patient"] == summary["visit"]["doctor"] == 100.0,
        True,
    )
    c(
        "runner.metrics_summary() of a multi-table run",
        multi.metrics_summary,
        lambda frame: list(frame.index) == ["doctor", "patient", "visit"]
        and ("patient", "privacy") in frame.columns and ("standalone", "signal") in frame.columns
        and pd.isna(frame.loc["patient", ("patient", "privacy")]),
        True,
    )
    c(
        "runner.shuffled(t) of a multi-table run",
        lambda: {name: len(multi.shuffled(name)) for name in ("patient", "doctor", "visit")},
        lambda rows: rows
        == {n: len(pd.read_csv(FIXTURES / f"{n}.csv")) for n in ("patient", "doctor", "visit")},
        True,
    )
    unlinked = manager.create_runner("compat-links")
    unlinked.add_table("patient", str(FIXTURES / "patient.csv"), primary_key="p_id")
    unlinked.add_table("doctor", str(FIXTURES / "doctor.csv"), primary_key="d_id")
    unlinked.add_table(
        "visit",
        str(FIXTURES / "visit.csv"),
        primary_key="visit_id",
        foreign_keys=["patient_id", "doctor_id"],
    )
    c(
        "runner.advise_links()",
        lambda: unlinked.advise_links(),
        lambda advice: sorted(
            (link.parent_table, link.child_field, link.confidence) for link in advice.links
        )
        == [("doctor", "doctor_id", "high"), ("patient", "patient_id", "high")]
        and not advice.unlinked_foreign_keys
        and sorted(link.to_table for link in unlinked.tables["visit"].links)
        == ["doctor", "patient"],
        True,
    )

    # -- cancelling a run still going, deleting --------------------------------------------
    going = manager.create_runner("compat-going")
    # a table big enough that its avatarization is still running when it is cancelled
    large = tmp_path / "large.csv"
    lines = wbcd.read_bytes().splitlines(keepends=True)
    large.write_bytes(lines[0] + b"".join(lines[1:]) * 150)
    going.add_table("wbcd", str(large))
    going.set_parameters("wbcd", k=15)
    going.run()
    c(
        "runner.cancel() on a run still going",
        going.cancel,
        lambda cancelled: len(cancelled) >= 1
        and _until(lambda: going.statuses()["standard"] == JobStatus.cancelled)
        and JobStatus.finished not in going.statuses().values(),
        True,
    )
    killed = manager.create_runner("compat-killed")
    killed.add_table("wbcd", str(large))
    killed.set_parameters("wbcd", k=15)
    killed.run(jobs_to_run=["standard", "privacy_metrics"])
    c(
        "runner.kill()",
        killed.kill,
        lambda _: _until(
            lambda: set(killed.statuses().values()) == {JobStatus.cancelled}, seconds=120
        ),
        True,
    )
    c(
        "manager.cancel_jobs(names)",
        lambda: manager.cancel_jobs(list(going.jobs.values())),
        lambda cancelled: isinstance(cancelled, list),
        True,
    )
    c(
        "manager.cancel_job(name) on a run that is over",
        lambda: manager.cancel_job("compat-going"),
        lambda cancelled: cancelled == [],
        True,
    )
    c(
        "runner.delete()",
        going.delete,
        lambda response: isinstance(response, BulkDeleteResponse)
        and len(response.deleted_jobs) == 4,
        True,
    )
    c(
        "manager.delete_job(name)",
        lambda: manager.delete_job("compat-multi"),
        lambda response: len(response.deleted_jobs) == 3,
        True,
    )
    c(
        "manager.delete_jobs(names)",
        lambda: manager.delete_jobs([adviced.jobs["advice"]]),
        lambda response: response.deleted_jobs == [adviced.jobs["advice"]],
        True,
    )
    c(
        "manager.delete_job_by_id(id)",
        lambda: manager.delete_job_by_id(runner.set_name),
        lambda response: len(response.deleted_jobs) == 4,
        True,
    )

    outcomes = calls.outcomes
    broken = {k: why for k, (ok, claimed, why) in outcomes.items() if claimed and not ok}
    assert broken == {}, "\n".join(f"{k}: {why[:400]}" for k, why in broken.items())
    unclaimed = {k: why for k, (ok, claimed, why) in outcomes.items() if not claimed}
    assert all(why for why in unclaimed.values()), unclaimed
    working = sum(ok for ok, _, _ in outcomes.values())
    assert len(outcomes) >= 46
    assert working / len(outcomes) >= 0.9, (working, len(outcomes))
