"""Jobs through real worker processes on wbcd: lifecycle, dependencies, results."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from server_support import (
    LARGE_YAML,
    WBCD_CSV,
    WBCD_YAML,
    ServerHarness,
    create_job,
    put_resource_set,
    started_server,
    upload_dataset,
    wait_for_job,
    wait_for_status,
    write_large_dataset,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def jobs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHarness]:
    with started_server(tmp_path_factory.mktemp("jobs"), workers=2) as harness:
        yield harness


@pytest.fixture(scope="module")
def alice(jobs_server: ServerHarness) -> Any:
    client = jobs_server.user("alice")
    upload_dataset(client, WBCD_CSV, "wbcd.csv")
    return client


@pytest.fixture(scope="module")
def wbcd_set(alice: Any) -> str:
    return put_resource_set(alice, WBCD_YAML)


@pytest.fixture(scope="module")
def pipeline_jobs(alice: Any, wbcd_set: str) -> dict[str, str]:
    standard = create_job(alice, wbcd_set, "standard")
    privacy = create_job(alice, wbcd_set, "privacy_metrics", [standard])
    signal = create_job(alice, wbcd_set, "signal_metrics", [standard])
    report = create_job(alice, wbcd_set, "report", [standard, privacy, signal])
    return {"standard": standard, "privacy": privacy, "signal": signal, "report": report}


def test_end_to_end_standard_metrics_and_report(
    alice: Any, pipeline_jobs: dict[str, str]
) -> None:
    report = wait_for_job(alice, pipeline_jobs["report"])
    assert report["status"] == "finished", report["exception"]
    assert report["depends_on"] == [
        pipeline_jobs["standard"],
        pipeline_jobs["privacy"],
        pipeline_jobs["signal"],
    ]
    for key in ("standard", "privacy", "signal", "report"):
        job = alice.get(f"/api/jobs/{pipeline_jobs[key]}").json()
        assert job["status"] == "finished"
        assert job["done"] is True
        assert job["progress"] == 1.0
        assert job["started_at"] <= job["finished_at"]
    results = alice.get(f"/api/results/{pipeline_jobs['standard']}").json()
    assert results["shuffled"] == ["wbcd.shuffled.csv"]
    assert results["unshuffled"] == ["wbcd.unshuffled.csv"]
    assert results["run_metadata"] == ["wbcd.run_metadata.json"]
    assert sorted(results["figures"]) == [
        "wbcd.correlations.png",
        "wbcd.distributions.png",
        "wbcd.projection.png",
    ]
    shuffled = alice.get(f"/api/results/{pipeline_jobs['standard']}/wbcd.shuffled.csv")
    assert shuffled.status_code == 200
    avatars = pd.read_csv(io.BytesIO(shuffled.content))
    original = pd.read_csv(WBCD_CSV)
    assert list(avatars.columns) == list(original.columns)
    assert len(avatars) == len(original)
    privacy_files = alice.get(f"/api/results/{pipeline_jobs['privacy']}").json()
    assert privacy_files == {"privacy_metrics": ["wbcd.privacy_metrics.json"],
                             "privacy_metrics_summary": ["privacy_metrics_summary.json"]}
    metrics = alice.get(
        f"/api/results/{pipeline_jobs['privacy']}/wbcd.privacy_metrics.json"
    ).json()
    assert "metrics" in metrics
    assert isinstance(metrics["passed"], bool)
    signal = alice.get(f"/api/results/{pipeline_jobs['signal']}").json()
    assert signal == {"signal_metrics": ["wbcd.signal_metrics.json"],
                      "signal_metrics_summary": ["signal_metrics_summary.json"]}
    report_files = alice.get(f"/api/results/{pipeline_jobs['report']}").json()
    assert "report.pdf" in report_files["report"]
    pdf = alice.get(f"/api/results/{pipeline_jobs['report']}/report.pdf")
    assert pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    part = alice.get(
        f"/api/results/{pipeline_jobs['report']}/report.pdf", headers={"Range": "bytes=0-3"}
    )
    assert part.status_code == 206
    assert part.content == b"%PDF"


def test_results_are_private_and_names_checked(
    jobs_server: ServerHarness, alice: Any, pipeline_jobs: dict[str, str]
) -> None:
    standard = pipeline_jobs["standard"]
    wait_for_job(alice, standard)
    bob = jobs_server.user("bob")
    assert bob.get(f"/api/jobs/{standard}").status_code == 404
    assert bob.get(f"/api/results/{standard}").status_code == 404
    assert bob.get(f"/api/results/{standard}/wbcd.shuffled.csv").status_code == 404
    assert bob.post(f"/api/jobs/{standard}/cancel").status_code == 404
    for bad in ("..%2Fjwt_secret", ".hidden", "nope.csv"):
        response = alice.get(f"/api/results/{standard}/{bad}")
        assert response.status_code == 404, bad
    cancel = alice.post(f"/api/jobs/{standard}/cancel")
    assert cancel.status_code == 409
    assert cancel.json()["code"] == "job_already_done"


def test_idempotency_key_returns_the_same_job(alice: Any, wbcd_set: str) -> None:
    headers = {"Idempotency-Key": "retry-me-1"}
    total_before = alice.get("/api/jobs").json()["total"]
    body = {"set_name": wbcd_set, "parameters_name": "advice", "depends_on": []}
    first = alice.post("/api/jobs", json=body, headers=headers)
    second = alice.post("/api/jobs", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert first.headers["location"] == f"/api/jobs/{first.json()['name']}"
    assert first.json()["Location"] == first.headers["location"]
    assert alice.get("/api/jobs").json()["total"] == total_before + 1
    changed = alice.post(
        "/api/jobs", json={**body, "parameters_name": "standard"}, headers=headers
    )
    assert changed.status_code == 409
    assert changed.json()["code"] == "idempotency_key_reused"
    wait_for_job(alice, first.json()["name"])


def test_creation_rules(jobs_server: ServerHarness, alice: Any, wbcd_set: str) -> None:
    def post(body: dict[str, Any]) -> Any:
        return alice.post("/api/jobs", json={"set_name": wbcd_set, **body})

    missing = post({"parameters_name": "privacy_metrics"})
    assert missing.status_code == 422
    assert missing.json()["code"] == "missing_dependency"
    unknown = post({"parameters_name": "nope"})
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "unknown_parameters"
    assert "standard" in unknown.json()["detail"]
    ghost_parent = post({"parameters_name": "privacy_metrics", "depends_on": ["x" * 36]})
    assert ghost_parent.status_code == 404
    no_set = alice.post("/api/jobs", json={"set_name": "nope", "parameters_name": "standard"})
    assert no_set.status_code == 404
    bob = jobs_server.user("bob")
    other = bob.post("/api/jobs", json={"set_name": wbcd_set, "parameters_name": "standard"})
    assert other.status_code == 404
    bad_body = alice.post("/api/jobs", json={"set_name": 3})
    assert bad_body.status_code == 422
    assert set(bad_body.json()) == {"detail", "code"}


def test_failed_parent_gives_parent_error(jobs_server: ServerHarness) -> None:
    carol = jobs_server.user("carol")
    upload_dataset(carol, WBCD_CSV, "wbcd.csv")
    set_name = put_resource_set(carol, WBCD_YAML)
    assert carol.delete("/api/datasets/wbcd.csv").status_code == 204
    standard = create_job(carol, set_name, "standard")
    privacy = create_job(carol, set_name, "privacy_metrics", [standard])
    report_parent = create_job(carol, set_name, "signal_metrics", [standard])
    report = create_job(carol, set_name, "report", [standard, privacy, report_parent])
    failed = wait_for_job(carol, standard)
    assert failed["status"] == "error", failed
    assert "wbcd.csv" in failed["exception"]
    for name in (privacy, report_parent, report):
        child = wait_for_job(carol, name)
        assert child["status"] == "parent_error"
        failed_parents = {standard, privacy, report_parent}
        assert any(parent in child["exception"] for parent in failed_parents), child


def test_long_poll_returns_when_the_job_finishes(alice: Any, wbcd_set: str) -> None:
    name = create_job(alice, wbcd_set, "standard")
    started = time.monotonic()
    job = alice.get(f"/api/jobs/{name}", params={"wait": 60}).json()
    elapsed = time.monotonic() - started
    assert job["done"] is True
    assert job["status"] == "finished"
    assert elapsed < 55
    quick = alice.get(f"/api/jobs/{name}", params={"wait": 60})
    assert quick.json()["done"] is True
    capped = alice.get(f"/api/jobs/{name}", params={"wait": 3600})
    assert capped.status_code == 200
    negative = alice.get(f"/api/jobs/{name}", params={"wait": -1})
    assert negative.status_code == 422


def test_cancel_queued_and_running_jobs(
    jobs_server: ServerHarness, tmp_path_factory: pytest.TempPathFactory
) -> None:
    dave = jobs_server.user("dave")
    big = write_large_dataset(Path(tmp_path_factory.mktemp("large")) / "large.csv")
    upload_dataset(dave, big, "large.csv")
    set_name = put_resource_set(dave, LARGE_YAML, "large")
    running = create_job(dave, set_name, "standard")
    job = wait_for_status(dave, running, {"running", "finished", "error"})
    assert job["status"] == "running", job
    deadline = time.monotonic() + 30
    while job["progress"] == 0.0 and time.monotonic() < deadline:
        time.sleep(0.1)
        job = dave.get(f"/api/jobs/{running}").json()
    assert 0.0 < job["progress"] < 1.0, job
    assert job["phase"] not in (None, "starting")
    waiting = create_job(dave, set_name, "standard")  # queued behind or beside the first
    cancelled_waiting = dave.post(f"/api/jobs/{waiting}/cancel").json()
    assert cancelled_waiting["status"] in {"cancelled", "running"}
    answer = dave.post(f"/api/jobs/{running}/cancel")
    assert answer.status_code == 200
    final = wait_for_job(dave, running, timeout=120)
    assert final["status"] == "cancelled", final
    assert final["exception"] == "The job was cancelled."
    assert dave.get(f"/api/results/{running}").json() == {}
    assert wait_for_job(dave, waiting)["status"] == "cancelled"


def test_paging_filters_and_bulk_delete(jobs_server: ServerHarness) -> None:
    erin = jobs_server.user("erin")
    upload_dataset(erin, WBCD_CSV, "wbcd.csv")
    first_set = put_resource_set(erin, WBCD_YAML, "one")
    second_set = put_resource_set(erin, WBCD_YAML, "two")
    names = [create_job(erin, first_set, "advice") for _ in range(3)]
    names.append(create_job(erin, second_set, "advice"))
    for name in names:
        wait_for_job(erin, name)
    page = erin.get("/api/jobs", params={"limit": 2, "offset": 0}).json()
    assert page["total"] == 4
    assert [job["name"] for job in page["jobs"]] == [names[3], names[2]]
    rest = erin.get("/api/jobs", params={"limit": 2, "offset": 2}).json()
    assert [job["name"] for job in rest["jobs"]] == [names[1], names[0]]
    assert erin.get("/api/jobs", params={"display_name": "two"}).json()["total"] == 1
    assert erin.get("/api/jobs", params={"set_name": first_set}).json()["total"] == 3
    results_dir = jobs_server.settings.data_dir / "users"
    assert any(results_dir.rglob(names[0]))
    deleted = erin.post(
        "/api/jobs/bulk-delete", json={"job_names": [names[0], names[1], "unknown"]}
    ).json()
    assert deleted == {"deleted_jobs": [names[0], names[1]], "failed_jobs": ["unknown"]}
    assert not any(results_dir.rglob(names[0]))
    assert erin.get(f"/api/jobs/{names[0]}").status_code == 404
    assert erin.get("/api/jobs").json()["total"] == 2
    too_many = erin.post("/api/jobs/bulk-delete", json={"job_names": ["x"] * 101})
    assert too_many.status_code == 422
    advice = erin.get(f"/api/results/{names[3]}").json()
    assert advice == {"advice": ["wbcd.advice.json"]}
    payload = json.loads(erin.get(f"/api/results/{names[3]}/wbcd.advice.json").content)
    assert {"k", "ncp"} <= payload.keys()


def test_a_crashed_worker_fails_its_job_and_is_replaced(
    jobs_server: ServerHarness, tmp_path_factory: pytest.TempPathFactory
) -> None:
    import os
    import signal

    from avatar_server.job_supervisor import CRASH_MESSAGE
    from avatar_server.models import Job

    frank = jobs_server.user("frank")
    big = write_large_dataset(Path(tmp_path_factory.mktemp("crash")) / "large.csv")
    upload_dataset(frank, big, "large.csv")
    set_name = put_resource_set(frank, LARGE_YAML, "large")
    name = create_job(frank, set_name, "standard")
    assert wait_for_status(frank, name, {"running", "finished", "error"})["status"] == "running"
    with jobs_server.app.state.server.sessions() as db:
        run_token = db.get(Job, name).run_token
    os.kill(int(run_token.split("-")[0]), signal.SIGKILL)
    crashed = wait_for_job(frank, name, timeout=60)
    assert crashed["status"] == "error"
    assert crashed["exception"] == CRASH_MESSAGE
    upload_dataset(frank, WBCD_CSV, "wbcd.csv")
    after = create_job(frank, put_resource_set(frank, WBCD_YAML), "standard")
    assert wait_for_job(frank, after)["status"] in {"finished", "error"}
    assert wait_for_job(frank, after)["exception"] != CRASH_MESSAGE


def test_workers_are_woken_not_polling(tmp_path: Path) -> None:
    """With a 60 s idle poll, queued jobs (and their dependants) still start at once."""
    with started_server(tmp_path, job_poll_seconds=60.0) as server:
        client = server.user("gina")
        upload_dataset(client, WBCD_CSV, "wbcd.csv")
        set_name = put_resource_set(client, WBCD_YAML)
        started = time.monotonic()
        standard = create_job(client, set_name, "standard")
        privacy = create_job(client, set_name, "privacy_metrics", [standard])
        assert wait_for_job(client, privacy, timeout=50)["status"] == "finished"
        assert time.monotonic() - started < 50


def test_figures_are_drawn_on_first_download_and_refused_after_the_dataset_changed(
    alice: Any, tmp_path: Path
) -> None:
    upload_dataset(alice, WBCD_CSV, "figures.csv")
    set_name = put_resource_set(alice, WBCD_YAML.replace("wbcd.csv", "figures.csv"), "figures")
    first, second = create_job(alice, set_name, "standard"), create_job(alice, set_name, "standard")
    for name in (first, second):
        assert wait_for_job(alice, name)["status"] == "finished"
    listed = alice.get(f"/api/results/{first}").json()
    assert listed["figures"] == [
        "wbcd.correlations.png", "wbcd.distributions.png", "wbcd.projection.png"
    ]
    projection = alice.get(f"/api/results/{first}/wbcd.projection.png")
    assert projection.status_code == 200
    assert projection.content.startswith(b"\x89PNG\r\n\x1a\n")
    again = alice.get(f"/api/results/{first}/wbcd.projection.png")
    assert again.content == projection.content
    assert alice.get(f"/api/results/{first}").json() == listed

    changed = tmp_path / "figures.csv"
    changed.write_bytes(b"".join(WBCD_CSV.read_bytes().splitlines(keepends=True)[:300]))
    upload_dataset(alice, changed, "figures.csv")
    refused = alice.get(f"/api/results/{second}/wbcd.correlations.png")
    assert refused.status_code == 409
    assert refused.json()["code"] == "figures_unavailable"
    assert "run the avatarization again" in refused.json()["detail"]
    kept = alice.get(f"/api/results/{first}/wbcd.distributions.png")  # drawn before: kept
    assert kept.status_code == 200
    assert kept.content.startswith(b"\x89PNG")
