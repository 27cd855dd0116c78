"""Running each job kind of a resource set through the engine, and dataset loading."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from avatar_server.figures_on_demand import (
    FiguresUnavailableError,
    ensure_result_file,
    promised_figures,
)
from avatar_server.pipeline import (
    JobCancelled,
    JobContext,
    JobFailure,
    read_columns,
    read_dataset,
    run_job,
)
from avatar_server.resource_sets import ResourceSet, ResourceSetError, parse_resource_set

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def wbcd_yaml(file: str = "wbcd.csv", k: int = 10, extra_columns: str = "", seed: int = 7) -> str:
    return f"""\
kind: AvatarMetadata
metadata: {{name: avatar-metadata-demo}}
spec:
  display_name: demo
  pia_metadata: {{datarecipient: internal, data_type: health, datasubject: patients,
                 sensitivity_level: high}}
  max_distribution_plots: 4
---
kind: AvatarSchema
metadata: {{name: schema}}
spec:
  tables:
  - name: wbcd
    data: {{volume: input, file: {file}}}
    columns:
    - {{field: Class, type: category}}{extra_columns}
---
kind: AvatarSchema
metadata: {{name: schema_avatarized}}
spec:
  schema_ref: schema
  tables:
  - {{name: wbcd, avatars_data: {{auto: true}}}}
---
kind: AvatarParameters
metadata: {{name: standard}}
spec:
  schema: schema
  seed: {seed}
  avatarization:
    wbcd: {{k: {k}, ncp: 4}}
---
kind: AvatarPrivacyMetricsParameters
metadata: {{name: privacy_metrics}}
spec:
  schema: schema_avatarized
  avatarization_ref: standard
  seed: 1
  privacy_metrics:
    wbcd: {{ncp: 4}}
---
kind: AvatarSignalMetricsParameters
metadata: {{name: signal_metrics}}
spec:
  schema: schema_avatarized
  avatarization_ref: standard
  seed: 1
  signal_metrics:
    wbcd: {{ncp: 4}}
---
kind: AvatarReportParameters
metadata: {{name: report}}
spec: {{report_type: basic, output_format: pdf, language: en}}
---
kind: AvatarAdviceParameters
metadata: {{name: advice}}
spec:
  schema: schema
  seed: 3
  advice: {{advisor_type: [parameters]}}
"""


HOSPITAL_YAML = """\
kind: AvatarSchema
metadata: {name: schema}
spec:
  tables:
  - name: patient
    data: {volume: input, file: patient.csv}
    columns:
    - {field: p_id, primary_key: true}
  - name: doctor
    data: {volume: input, file: doctor.csv}
    columns:
    - {field: d_id, primary_key: true}
  - name: visit
    data: {volume: input, file: visit.csv}
    columns:
    - {field: visit_id, primary_key: true}
    links:
    - {field: patient_id, to: {table: patient, field: p_id}, method: bottom_projection}
    - {field: doctor_id, to: {table: doctor, field: d_id}, method: bottom_projection}
---
kind: AvatarParameters
metadata: {name: standard}
spec:
  schema: schema
  seed: 5
  avatarization:
    patient: {k: 5, ncp: 3}
    doctor: {k: 4, ncp: 2}
    visit: {k: 5, ncp: 3}
"""


class Recorder:
    """Collects progress calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, str]] = []

    def __call__(self, fraction: float, phase: str) -> None:
        self.calls.append((fraction, phase))


def make_context(
    rs: ResourceSet,
    name: str,
    output: Path,
    datasets: dict[str, Path],
    parents: dict[str, Path] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> tuple[JobContext, Recorder]:
    output.mkdir(parents=True, exist_ok=True)
    recorder = Recorder()
    kind = rs.job_kind(name)
    assert kind is not None
    ctx = JobContext(
        kind=kind,
        parameters_name=name,
        resource_set=rs,
        dataset_paths=datasets,
        parent_outputs=parents or {},
        output_dir=output,
        progress=recorder,
        should_stop=should_stop,
    )
    return ctx, recorder


def parse(text: str) -> ResourceSet:
    return parse_resource_set(text, max_bytes=1_000_000)



def report_html(folder: Path, datasets: dict[str, Path]) -> str:
    """``report.html`` of a report job's results, drawn on demand as its first download does."""
    ensure_result_file(folder, "report.html", lambda name: Path(datasets.get(name, "/missing")))
    return (folder / "report.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def wbcd_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run standard, both metrics and the report once on wbcd; share the outputs."""
    root = tmp_path_factory.mktemp("wbcd_run")
    rs = parse(wbcd_yaml())
    datasets = {"wbcd.csv": FIXTURES / "wbcd.csv"}
    dirs: dict[str, Path] = {}
    progress: dict[str, Recorder] = {}
    for name in ("standard", "privacy_metrics", "signal_metrics"):
        parents = {"standard": dirs["standard"]} if name != "standard" else {}
        ctx, recorder = make_context(rs, name, root / name, datasets, parents)
        run_job(ctx)
        dirs[name], progress[name] = root / name, recorder
    ctx, progress["report"] = make_context(rs, "report", root / "report", datasets, dict(dirs))
    run_job(ctx)
    dirs["report"] = root / "report"
    return {"rs": rs, "dirs": dirs, "progress": progress, "datasets": datasets, "root": root}


# --------------------------------------------------------------------------- job kinds


@pytest.mark.slow
def test_standard_job_writes_every_result_file(wbcd_run: dict[str, Any]) -> None:
    # the figures are drawn by the report job of the run (a standard job alone draws none)
    names = sorted(p.name for p in wbcd_run["dirs"]["standard"].iterdir())
    assert names == [
        ".figures.json",
        "wbcd.avatar_projections.csv",
        "wbcd.correlations.png",
        "wbcd.distributions.png",
        "wbcd.original_projections.csv",
        "wbcd.projection.png",
        "wbcd.run_metadata.json",
        "wbcd.shuffled.csv",
        "wbcd.unshuffled.csv",
    ]


@pytest.mark.slow
def test_standard_outputs_have_the_shape_of_the_input(wbcd_run: dict[str, Any]) -> None:
    out = wbcd_run["dirs"]["standard"]
    original = pd.read_csv(FIXTURES / "wbcd.csv")
    shuffled = pd.read_csv(out / "wbcd.shuffled.csv")
    unshuffled = pd.read_csv(out / "wbcd.unshuffled.csv")
    assert list(shuffled.columns) == list(original.columns)
    assert len(shuffled) == len(unshuffled) == len(original)
    assert set(shuffled["Class"]) <= set(original["Class"])
    projections = pd.read_csv(out / "wbcd.original_projections.csv")
    assert list(projections.columns) == ["Dim.1", "Dim.2", "Dim.3", "Dim.4"]
    assert len(projections) == len(original)
    metadata = json.loads((out / "wbcd.run_metadata.json").read_text())
    assert metadata["table"] == "wbcd"
    assert metadata["dataset"] == "wbcd.csv"
    for figure in ("projection", "distributions", "correlations"):
        assert (out / f"wbcd.{figure}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_progress_is_monotonic_and_ends_done(wbcd_run: dict[str, Any]) -> None:
    for kind, recorder in wbcd_run["progress"].items():
        fractions = [f for f, _ in recorder.calls]
        assert fractions, kind
        assert all(0.0 <= f <= 1.0 for f in fractions), kind
        assert fractions == sorted(fractions), kind
        assert recorder.calls[-1] == (1.0, "done"), kind
        assert all(phase for _, phase in recorder.calls), kind


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["privacy_metrics", "signal_metrics"])
def test_metrics_jobs_write_engine_metrics(wbcd_run: dict[str, Any], kind: str) -> None:
    out = wbcd_run["dirs"][kind]
    assert sorted(p.name for p in out.iterdir()) == [f"{kind}_summary.json", f"wbcd.{kind}.json"]
    payload = json.loads((out / f"wbcd.{kind}.json").read_text())
    # the established client's per-table summary: {table: {reference: share of targets met}}
    summary = json.loads((out / f"{kind}_summary.json").read_text())
    assert list(summary) == ["wbcd"]
    assert list(summary["wbcd"]) == ["standalone"]
    assert 0.0 <= summary["wbcd"]["standalone"] <= 100.0
    assert payload["metrics"]
    assert isinstance(payload["passed"], bool)
    for metric in payload["metrics"].values():
        assert {"value", "target", "passed"} <= set(metric)
    expected = "hidden_rate" if kind == "privacy_metrics" else "hellinger_mean"
    assert expected in payload["metrics"]


@pytest.mark.slow
def test_privacy_job_measures_wp29_risks_on_a_control_set(wbcd_run: dict[str, Any]) -> None:
    out = wbcd_run["dirs"]["privacy_metrics"]
    payload = json.loads((out / "wbcd.privacy_metrics.json").read_text())
    for name in ("singling_out_risk", "linkability_risk", "inference_risk", "dcr_share"):
        entry = payload["metrics"][name]
        low, high = entry["ci"]
        assert low <= entry["value"] <= high, name
        assert isinstance(entry["passed"], bool), name
    holdout = payload["details"]["holdout"]
    # the second avatarization saw 75 % of the rows; the rest is the control set
    assert holdout["n_train"] == round(0.75 * 683)
    assert holdout["n_train"] + holdout["n_control"] == 683
    assert payload["failures"] == [] if payload["passed"] else payload["failures"]
    assert "control set" in payload["verdict_rule"]


@pytest.mark.slow
def test_report_job_writes_the_pdf_and_the_rest_when_first_asked(
    wbcd_run: dict[str, Any], tmp_path: Path
) -> None:
    out = wbcd_run["root"] / f"report-{tmp_path.name}"  # beside the jobs it was made from
    shutil.copytree(wbcd_run["dirs"]["report"], out)
    kinds = ("correlation", "correlation_difference", "contribution", "2d_projection",
             "3d_projection", "distribution", "aggregate_stats", "metrics_summary")
    plots = sorted(f"wbcd.{kind}.{suffix}" for kind in kinds for suffix in ("html", "png"))
    everything = sorted(["pia.docx", "pia.pdf", "report.html", "report.pdf", *plots])
    # the job made the PDF and what it embeds; the listing names the rest already
    made = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert "report.pdf" in made
    assert not {"pia.pdf", "pia.docx", "report.html", "wbcd.distribution.png"} & set(made)
    assert {"wbcd.contribution.png", "wbcd.3d_projection.png"} <= set(made)
    assert sorted({*made, *promised_figures(out)}) == everything
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")
    pdf_before = (out / "report.pdf").read_bytes()
    # a first request of one of them draws them all, from the job's own inputs
    ensure_result_file(out, "pia.docx", lambda name: wbcd_run["datasets"][name])
    assert sorted(p.name for p in out.iterdir()) == everything
    assert promised_figures(out) == []
    assert (out / "report.pdf").read_bytes() == pdf_before
    assert b"Plotly.newPlot" in (out / "wbcd.3d_projection.html").read_bytes()
    assert (out / "wbcd.distribution.png").read_bytes().startswith(b"\x89PNG")
    assert (out / "pia.pdf").read_bytes().startswith(b"%PDF")
    assert (out / "pia.docx").read_bytes().startswith(b"PK")
    html = (out / "report.html").read_text()
    assert "wbcd" in html
    assert "hidden" in html.lower()
    assert "Privacy impact assessment" in html  # PIA metadata from the YAML
    assert "patients" in html


@pytest.mark.slow
def test_report_rest_is_refused_once_the_dataset_was_replaced(
    wbcd_run: dict[str, Any], tmp_path: Path
) -> None:
    out = wbcd_run["root"] / f"report-{tmp_path.name}"  # beside the jobs it was made from
    shutil.copytree(wbcd_run["dirs"]["report"], out)
    replaced = tmp_path / "wbcd.csv"
    replaced.write_text((FIXTURES / "wbcd.csv").read_text() + "1,1,1,1,1,1,1,1,1,2\n")
    with pytest.raises(FiguresUnavailableError, match="replaced"):
        ensure_result_file(out, "report.html", lambda name: replaced)
    assert not (out / "report.html").exists()


@pytest.mark.slow
@pytest.mark.parametrize("helper", ["fails", "unavailable"])
def test_report_figures_are_drawn_when_the_helper_process_cannot_draw_them(
    wbcd_run: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, helper: str
) -> None:
    import avatar_server.job_report as job_report

    if helper == "unavailable":
        monkeypatch.delattr(job_report.os, "fork")
    else:  # the helper dies at once: the job draws the figures itself
        monkeypatch.setattr(job_report, "die_with_parent", lambda worker: job_report.os._exit(3))
    standard = tmp_path / "standard"  # the standard results before any figure was drawn
    shutil.copytree(wbcd_run["dirs"]["standard"], standard,
                    ignore=shutil.ignore_patterns("*.png"))
    parents = {k: v for k, v in wbcd_run["dirs"].items() if k not in {"report", "standard"}}
    ctx, _ = make_context(parse(wbcd_yaml()), "report", tmp_path / "out",
                          wbcd_run["datasets"], {**parents, "standard": standard})
    run_job(ctx)
    expected = sorted(p.name for p in wbcd_run["dirs"]["report"].iterdir())
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == expected
    for figure in ("projection", "distributions", "correlations"):
        assert (standard / f"wbcd.{figure}.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.slow
def test_report_language_comes_from_the_yaml(wbcd_run: dict[str, Any], tmp_path: Path) -> None:
    rs = parse(wbcd_yaml().replace("language: en", "language: fr"))
    parents = {k: v for k, v in wbcd_run["dirs"].items() if k != "report"}
    out = wbcd_run["root"] / f"fr-{tmp_path.name}"  # beside the jobs it was made from
    ctx, _ = make_context(rs, "report", out, wbcd_run["datasets"], parents)
    run_job(ctx)
    html = report_html(out, wbcd_run["datasets"])
    assert "Rapport d’avatarisation : demo" in html
    assert "Privacy impact assessment" not in html
    assert "Avatarization report" not in html


@pytest.mark.slow
def test_report_without_standard_parent_fails_clearly(tmp_path: Path) -> None:
    rs = parse(wbcd_yaml())
    ctx, _ = make_context(rs, "report", tmp_path / "r", {"wbcd.csv": FIXTURES / "wbcd.csv"})
    with pytest.raises(JobFailure, match="depends_on"):
        run_job(ctx)


@pytest.mark.slow
def test_metrics_without_parent_fails_clearly(tmp_path: Path) -> None:
    rs = parse(wbcd_yaml())
    ctx, _ = make_context(
        rs, "privacy_metrics", tmp_path / "p", {"wbcd.csv": FIXTURES / "wbcd.csv"}
    )
    with pytest.raises(JobFailure, match="standard"):
        run_job(ctx)


@pytest.mark.slow
def test_advice_job_recommends_parameters(tmp_path: Path) -> None:
    rs = parse(wbcd_yaml())
    ctx, _ = make_context(rs, "advice", tmp_path / "a", {"wbcd.csv": FIXTURES / "wbcd.csv"})
    run_job(ctx)
    advice = json.loads((tmp_path / "a" / "wbcd.advice.json").read_text())
    assert advice["k"] >= 2
    assert advice["ncp"] >= 1
    assert advice["reasons"]["k"]


@pytest.mark.slow
def test_parquet_input_gives_parquet_tables(tmp_path: Path) -> None:
    source = tmp_path / "wbcd.parquet"
    pd.read_csv(FIXTURES / "wbcd.csv").to_parquet(source, index=False)
    rs = parse(wbcd_yaml(file="wbcd.parquet"))
    ctx, _ = make_context(rs, "standard", tmp_path / "out", {"wbcd.parquet": source})
    run_job(ctx)
    shuffled = pd.read_parquet(tmp_path / "out" / "wbcd.shuffled.parquet")
    assert len(shuffled) == 683
    assert (tmp_path / "out" / "wbcd.unshuffled.parquet").is_file()
    assert not (tmp_path / "out" / "wbcd.shuffled.csv").exists()


@pytest.mark.slow
def test_same_seed_gives_identical_files(tmp_path: Path, wbcd_run: dict[str, Any]) -> None:
    rs = parse(wbcd_yaml())
    ctx, _ = make_context(rs, "standard", tmp_path / "again", wbcd_run["datasets"])
    run_job(ctx)
    first = wbcd_run["dirs"]["standard"] / "wbcd.shuffled.csv"
    assert (tmp_path / "again" / "wbcd.shuffled.csv").read_bytes() == first.read_bytes()


@pytest.mark.slow
def test_multitable_links_survive_and_keys_are_rekeyed(tmp_path: Path) -> None:
    rs = parse(HOSPITAL_YAML)
    datasets = {n: FIXTURES / n for n in ("patient.csv", "doctor.csv", "visit.csv")}
    ctx, _ = make_context(rs, "standard", tmp_path / "out", datasets)
    run_job(ctx)
    out = tmp_path / "out"
    patient = pd.read_csv(out / "patient.shuffled.csv")
    doctor = pd.read_csv(out / "doctor.shuffled.csv")
    visit = pd.read_csv(out / "visit.shuffled.csv")
    assert set(visit["patient_id"]) <= set(patient["p_id"])
    assert set(visit["doctor_id"]) <= set(doctor["d_id"])
    assert patient["p_id"].is_unique
    original = pd.read_csv(FIXTURES / "patient.csv").set_index("p_id")
    # an avatar row must not carry the key of the original it came from
    unshuffled = pd.read_csv(out / "patient.unshuffled.csv")
    same_key = (patient["p_id"].to_numpy() == unshuffled["p_id"].to_numpy()).mean()
    assert same_key < 0.5
    assert len(original) == len(patient)


def test_identifier_columns_never_reach_the_shareable_table(tmp_path: Path) -> None:
    source = pd.read_csv(FIXTURES / "wbcd.csv")
    source.insert(0, "ssn", [f"SSN-{i:06d}" for i in range(len(source))])
    source.to_csv(tmp_path / "wbcd_ssn.csv", index=False)
    rs = parse(
        wbcd_yaml(
            file="wbcd_ssn.csv",
            extra_columns="\n    - {field: ssn, type: category, identifier: true}",
        )
    )
    ctx, _ = make_context(
        rs, "standard", tmp_path / "out", {"wbcd_ssn.csv": tmp_path / "wbcd_ssn.csv"}
    )
    run_job(ctx)
    shuffled = pd.read_csv(tmp_path / "out" / "wbcd.shuffled.csv", dtype={"ssn": str})
    assert shuffled["ssn"].is_unique
    assert not set(shuffled["ssn"]) & set(source["ssn"])


# --------------------------------------------------------------------------- failures


@pytest.mark.slow
def test_cancellation_stops_the_job(tmp_path: Path) -> None:
    rs = parse(wbcd_yaml())
    calls = {"n": 0}

    def stop_soon() -> bool:
        calls["n"] += 1
        return calls["n"] > 2

    ctx, _ = make_context(
        rs, "standard", tmp_path / "c", {"wbcd.csv": FIXTURES / "wbcd.csv"}, should_stop=stop_soon
    )
    with pytest.raises(JobCancelled):
        run_job(ctx)
    assert not (tmp_path / "c" / "wbcd.shuffled.csv").exists()


@pytest.mark.slow
def test_engine_errors_become_job_failures(tmp_path: Path) -> None:
    small = tmp_path / "small.csv"
    small.write_text("a,b\n1,x\n2,y\n3,x\n")
    text = wbcd_yaml(file="small.csv", k=50).replace("{field: Class, type: category}", "{field: b}")
    rs = parse(text)
    ctx, _ = make_context(rs, "standard", tmp_path / "e", {"small.csv": small})
    with pytest.raises(JobFailure) as info:
        run_job(ctx)
    assert "k" in info.value.user_message


def test_unparseable_declared_type_fails_naming_the_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("age,Class\n1,2\nold,4\n3,2\n")
    text = wbcd_yaml(file="bad.csv", extra_columns="\n    - {field: age, type: int}")
    rs = parse(text)
    ctx, _ = make_context(rs, "standard", tmp_path / "o", {"bad.csv": bad})
    with pytest.raises(JobFailure) as info:
        run_job(ctx)
    assert "'age'" in info.value.user_message
    assert "row 2" in info.value.user_message
    assert "old" not in info.value.user_message  # cell values never echoed


def test_missing_dataset_file_fails_clearly(tmp_path: Path) -> None:
    rs = parse(wbcd_yaml())
    ctx, _ = make_context(rs, "standard", tmp_path / "o", {})
    with pytest.raises(JobFailure, match="upload it again"):
        run_job(ctx)


def test_cancel_before_start(tmp_path: Path) -> None:
    rs = parse(wbcd_yaml())
    ctx, _ = make_context(
        rs,
        "standard",
        tmp_path / "o",
        {"wbcd.csv": FIXTURES / "wbcd.csv"},
        should_stop=lambda: True,
    )
    with pytest.raises(JobCancelled):
        run_job(ctx)


def test_wrong_kind_for_parameters_is_refused(tmp_path: Path) -> None:
    rs = parse(wbcd_yaml())
    ctx, _ = make_context(rs, "standard", tmp_path / "o", {})
    ctx.kind = "report"
    with pytest.raises(JobFailure, match="no report parameters"):
        run_job(ctx)


# --------------------------------------------------------------------------- datasets

BAD_FILES: list[tuple[str, bytes, str]] = [
    ("empty", b"", "is empty"),
    ("blank", b"\n\n\n", "is empty"),
    ("header only", b"a,b\n", "no data rows"),
    ("ragged", b"a,b\n1,2\n1,2,3\n", "same number of fields"),
    ("first row too long", b"a,b\n1,2,3\n4,5\n", "same number of fields"),
    ("open quote", b'a,b\n"x,1\n2,3\n', "quotes must be closed"),
    ("binary", bytes(range(256)) * 4, "binary"),
    ("duplicate header", b"a,a\n1,2\n", "appears twice"),
    ("unnamed column", b"a,\n1,2\n", "no name"),
    ("huge field", b"a,b\n" + b"x" * 150_000 + b",1\n", "characters on data row 1"),
    ("huge header", b"x" * 5000 + b"\n1\n", "characters long"),
    ("bad parquet", b"PAR1" + b"\x00" * 64, "Parquet"),
]


@pytest.mark.parametrize(("content", "words"), [pytest.param(c, w, id=i) for i, c, w in BAD_FILES])
def test_unreadable_datasets_fail_with_what_to_fix(
    tmp_path: Path, content: bytes, words: str
) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    with pytest.raises(JobFailure) as info:
        read_dataset(path, "data.csv")
    assert words in info.value.user_message
    assert "data.csv" in info.value.user_message


@pytest.mark.parametrize(
    ("content", "declared", "words"),
    [
        pytest.param(b"a\n1\nx\n", "int", "not a number", id="int text"),
        pytest.param(b"a\n1\n1.5\n", "int", "not a whole number", id="int fraction"),
        pytest.param(b"a\n1.5\nnan?\n", "float", "not a number", id="float"),
        pytest.param(b"a\nyes\nmaybe\n", "bool", "not a boolean", id="bool"),
        pytest.param(b"a\n2020-01-02\nsoon\n", "datetime", "not a date", id="datetime"),
    ],
)
def test_declared_types_that_do_not_parse_name_column_and_row(
    tmp_path: Path, content: bytes, declared: str, words: str
) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    with pytest.raises(JobFailure) as info:
        read_dataset(path, "t.csv", {"a": declared})
    assert words in info.value.user_message
    assert "column 'a'" in info.value.user_message
    assert "row 2" in info.value.user_message


def test_declared_types_are_applied(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("i,f,b,d,c\n1,1.5,yes,2020-01-02,x\n2,,no,2021-03-04 10:00,y\n")
    data = read_dataset(
        path, "t.csv", {"i": "int", "f": "float", "b": "bool", "d": "datetime", "c": "category"}
    )
    assert data["i"].dtype == "int64"
    assert data["f"].dtype == "float64"
    assert data["b"].tolist() == [True, False]
    assert pd.api.types.is_datetime64_any_dtype(data["d"])
    assert data["c"].tolist() == ["x", "y"]


def test_utf16_semicolon_and_bom_are_read(tmp_path: Path) -> None:
    utf16 = tmp_path / "u16.csv"
    utf16.write_bytes("a,b\nà,1\n".encode("utf-16"))
    assert read_dataset(utf16, "u16.csv")["a"].tolist() == ["à"]
    semi = tmp_path / "semi.csv"
    semi.write_bytes("\ufeffa;b\n1;2\n".encode())
    assert read_columns(semi, "semi.csv") == ["a", "b"]
    assert read_dataset(semi, "semi.csv")["b"].tolist() == [2]


def test_read_columns_reports_resource_set_errors(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    for content, words in ((b"", "empty"), (b"a,b\n\x00\x01,2\n", "binary")):
        path.write_bytes(content)
        with pytest.raises(ResourceSetError) as info:
            read_columns(path, "x.csv")
        assert info.value.code == "invalid_dataset"
        assert words in info.value.detail
    parquet = tmp_path / "p.parquet"
    pd.DataFrame({"u": [1], "v": ["a"]}).to_parquet(parquet)
    assert read_columns(parquet, "p.parquet") == ["u", "v"]


# --------------------------------------------------------------------------- fuzz


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


_CSV_ALPHABET = st.sampled_from([*'a,b;1.5\n\r"\\ \t\x00é-NaN', "true", "2020-01-01"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    content=st.one_of(
        st.binary(max_size=600),
        st.lists(_CSV_ALPHABET, max_size=120).map(lambda parts: "".join(parts).encode()),
    ),
    declared=st.sampled_from(["int", "float", "bool", "category", "datetime", "datetime_tz"]),
)
def test_any_bytes_either_load_or_fail_with_a_job_failure(
    fuzz_dir: Path, content: bytes, declared: str
) -> None:
    path = fuzz_dir / "fuzz.csv"
    path.write_bytes(content)
    message = _failure_of(lambda: read_dataset(path, "fuzz.csv"))
    if message is not None:
        assert "fuzz.csv" in message
        return
    data = read_dataset(path, "fuzz.csv")
    assert len(data) > 0
    column = str(data.columns[0])
    message = _failure_of(lambda: read_dataset(path, "fuzz.csv", {column: declared}))
    assert message is None or "fuzz.csv" in message


def _failure_of(action: Callable[[], Any]) -> str | None:
    """The user message of the JobFailure ``action`` raises, None if it succeeds."""
    try:
        action()
    except JobFailure as failure:
        return failure.user_message
    return None


@pytest.mark.slow
def test_multitable_children_attached_by_the_link_method(tmp_path: Path) -> None:
    rs = parse(HOSPITAL_YAML)
    datasets = {n: FIXTURES / n for n in ("patient.csv", "doctor.csv", "visit.csv")}
    ctx, _ = make_context(rs, "standard", tmp_path / "out", datasets)
    run_job(ctx)
    out = tmp_path / "out"
    metadata = json.loads((out / "visit.run_metadata.json").read_text())
    links = metadata["links"]
    assert set(links) == {"visit.patient_id->patient", "visit.doctor_id->doctor"}
    for link in links.values():
        assert link["method"] == "linear_sum_assignment"
        assert link["own_parent_attachment"]["measured"] < 0.1
    original = pd.read_csv(FIXTURES / "visit.csv")
    unshuffled = pd.read_csv(out / "visit.unshuffled.csv")
    assert (unshuffled["patient_id"] != original["patient_id"]).mean() > 0.9
    visit = pd.read_csv(out / "visit.shuffled.csv")
    patient = pd.read_csv(out / "patient.shuffled.csv")
    joined = visit.merge(patient, left_on="patient_id", right_on="p_id", how="inner")
    assert len(joined) == len(visit)
    assert not any(c.startswith("__") for c in [*visit.columns, *patient.columns])


HOSPITAL_PRIVACY_YAML = """\
---
kind: AvatarPrivacyMetricsParameters
metadata: {name: privacy_metrics}
spec:
  schema: schema
  avatarization_ref: standard
  seed: 1
  privacy_metrics:
    patient: {ncp: 3}
    doctor: {ncp: 2}
    visit: {ncp: 3}
"""


@pytest.mark.slow
def test_privacy_metrics_job_measures_the_structure(tmp_path: Path) -> None:
    rs = parse(HOSPITAL_YAML + HOSPITAL_PRIVACY_YAML)
    datasets = {n: FIXTURES / n for n in ("patient.csv", "doctor.csv", "visit.csv")}
    ctx, _ = make_context(rs, "standard", tmp_path / "std", datasets)
    run_job(ctx)
    ctx, _ = make_context(
        rs, "privacy_metrics", tmp_path / "p", datasets, {"standard": tmp_path / "std"}
    )
    run_job(ctx)
    structure = json.loads((tmp_path / "p" / "structure_metrics.json").read_text())
    assert set(structure) == {"visit.patient_id->patient", "visit.doctor_id->doctor"}
    for link in structure.values():
        assert 0.0 <= link["children_per_parent_hellinger"] <= 0.15
        assert link["joined_hidden_rate"] >= 90
        assert link["own_parent_attachment"]["measured"] < 0.1
        assert "hidden_rate" in link["joined_privacy_metrics"]


@pytest.mark.slow
def test_links_written_on_the_parent_table_use_their_method(tmp_path: Path) -> None:
    # The established client writes each link on the parent table, pointing at the child.
    text = HOSPITAL_YAML.replace(
        "    - {field: p_id, primary_key: true}\n",
        "    - {field: p_id, primary_key: true}\n    links:\n    - {field: p_id, to: {table: "
        "visit, field: patient_id}, method: minimum_distance_assignment}\n",
    ).replace(
        "    - {field: patient_id, to: {table: patient, field: p_id}, method: bottom_projection}\n",
        "",
    )
    rs = parse(text)
    datasets = {n: FIXTURES / n for n in ("patient.csv", "doctor.csv", "visit.csv")}
    ctx, _ = make_context(rs, "standard", tmp_path / "out", datasets)
    run_job(ctx)
    links = json.loads((tmp_path / "out" / "visit.run_metadata.json").read_text())["links"]
    assert links["visit.patient_id->patient"]["method"] == "minimum_distance_assignment"
    assert links["visit.doctor_id->doctor"]["method"] == "linear_sum_assignment"
    visit = pd.read_csv(tmp_path / "out" / "visit.shuffled.csv")
    patient = pd.read_csv(tmp_path / "out" / "patient.shuffled.csv")
    assert set(visit["patient_id"]) <= set(patient["p_id"])
