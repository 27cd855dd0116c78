"""The report of a multi-table run: a section per table and one per link for the structure."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from test_pipeline import FIXTURES, HOSPITAL_YAML, make_context, parse, report_html

from avatar_server.pipeline import run_job

REPORT_YAML = """\
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
---
kind: AvatarReportParameters
metadata: {name: report}
spec: {report_type: basic, output_format: pdf, language: LANGUAGE}
"""


def _run(root: Path, language: str) -> tuple[dict[str, object], str]:
    rs = parse(HOSPITAL_YAML + REPORT_YAML.replace("LANGUAGE", language))
    datasets = {n: FIXTURES / n for n in ("patient.csv", "doctor.csv", "visit.csv")}
    dirs: dict[str, Path] = {}
    for name in ("standard", "privacy_metrics", "report"):
        ctx, _ = make_context(rs, name, root / name, datasets, dict(dirs))
        run_job(ctx)
        dirs[name] = root / name
    structure = json.loads((dirs["privacy_metrics"] / "structure_metrics.json").read_text())
    return structure, report_html(dirs["report"], datasets)


@pytest.mark.slow
def test_report_has_a_section_per_table_and_per_link(tmp_path: Path) -> None:
    structure, html = _run(tmp_path, "en")
    text = re.sub(r"<[^>]+>", " ", html)
    for table in ("patient", "doctor", "visit"):
        assert f"Table “{table}”" in text
    for link, measures in structure.items():
        assert measures["method"] == "linear_sum_assignment"
        assert f"Structure “{link}”" in html.replace("&gt;", ">")
    assert text.count("Children per parent (Hellinger)") == 2
    assert text.count("Own-parent attachment (x chance, upper bound)") == 2
    assert text.count("Cross-table associations (gap)") == 2
    # the joined view's privacy block: hidden rate and the WP29 risks, once per link more
    assert text.count("Hidden rate") >= 5
    flat = re.sub(r"\s+", " ", text.replace("&lt;", "<").replace("&gt;", ">"))
    hellinger = structure["visit.patient_id->patient"]["children_per_parent_hellinger"]
    assert hellinger <= 0.05
    # the joined view's WP29 risks, against a control set of whole parents: measured with
    # their 95 % interval, no longer "n/a"
    for link, measures in structure.items():
        risks = measures["joined_privacy_metrics"]
        holdout = measures["joined_holdout"]
        assert holdout["split"] == "parents", link
        assert holdout["control_parents"] > 0
        for name in ("singling_out_risk", "linkability_risk", "inference_risk"):
            low, high = risks[name]["ci"]
            assert low <= risks[name]["value"] <= high, (link, name)
            assert risks[name]["passed"] is True, (link, name, risks[name])
        assert risks["dcr_share"]["value"] is not None
    section = flat.split("Structure “visit.patient_id->patient”")[-1]
    risk_row = r"Singling-out risk .*?\(95 % CI\)\. ([0-9.]+) \[[0-9.]+–[0-9.]+\] < 0\.1 ✔ Pass"
    shown = re.search(risk_row, section)
    assert shown is not None, section[:3000]
    singling_out = structure["visit.patient_id->patient"]["joined_privacy_metrics"]
    assert float(shown.group(1)) == pytest.approx(
        singling_out["singling_out_risk"]["value"], abs=1e-3
    )
    rows = re.findall(r"Children per parent \(Hellinger\) .*? ([0-9.]+) < 0\.05 ✔ Pass", flat)
    assert [float(value) for value in rows] == pytest.approx(
        [m["children_per_parent_hellinger"] for m in structure.values()], abs=1e-3
    )


@pytest.mark.slow
def test_structure_section_is_worded_in_french(tmp_path: Path) -> None:
    _, html = _run(tmp_path, "fr")
    assert html.count("Enfants par parent (Hellinger)") == 2
    assert "Structure « visit.doctor_id->doctor »" in html.replace("&gt;", ">")
