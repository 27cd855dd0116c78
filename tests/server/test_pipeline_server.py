"""A multi-table resource set (Parquet and CSV inputs) run through the server's API."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from server_support import TestClient, put_resource_set, started_server

pytestmark = [pytest.mark.slow, pytest.mark.server]

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

HOSPITAL_YAML = """\
kind: AvatarMetadata
metadata: {name: avatar-metadata-hospital}
spec: {display_name: hospital}
---
kind: AvatarSchema
metadata: {name: schema}
spec:
  tables:
  - name: patient
    data: {volume: input, file: patient.parquet}
    individual_level: true
    columns:
    - {field: p_id, type: category, primary_key: true}
    - {field: gender, type: category}
  - name: doctor
    data: {volume: input, file: doctor.csv}
    columns:
    - {field: d_id, primary_key: true}
    links:
    - {field: d_id, to: {table: visit, field: doctor_id}, method: bottom_projection}
  - name: visit
    data: {volume: input, file: visit.csv}
    individual_level: false
    columns:
    - {field: visit_id, primary_key: true}
    links:
    - {field: patient_id, to: {table: patient, field: p_id}, method: bottom_projection}
---
kind: AvatarSchema
metadata: {name: schema_avatarized}
spec:
  schema_ref: schema
  tables:
  - {name: patient, avatars_data: {auto: true}}
  - {name: doctor, avatars_data: {auto: true}}
  - {name: visit, avatars_data: {auto: true}}
---
kind: AvatarParameters
metadata: {name: standard}
spec:
  schema: schema
  seed: 3
  avatarization:
    patient: {k: 5, ncp: 3}
    doctor: {k: 4, ncp: 2}
    visit: {k: 5, ncp: 3}
---
kind: AvatarSignalMetricsParameters
metadata: {name: signal_metrics}
spec:
  schema: schema_avatarized
  avatarization_ref: standard
  signal_metrics:
    visit: {ncp: 2}
"""


def upload(client: TestClient, name: str, content: bytes) -> None:
    response = client.put(
        f"/api/datasets/{name}",
        content=content,
        headers={"Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 201, response.text


def run(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    created = client.post("/api/jobs", json=body)
    assert created.status_code == 201, created.text
    name = created.json()["name"]
    deadline = time.monotonic() + 180
    job: dict[str, Any] = {}
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{name}", params={"wait": 10}).json()
        if job["done"]:
            return job
    raise AssertionError(f"job {name} did not finish: {job}")


def test_multitable_set_with_parquet_runs_and_keeps_links(tmp_path: Path) -> None:
    with started_server(tmp_path) as server:
        client = server.user("carol")
        parquet = io.BytesIO()
        pd.read_csv(FIXTURES / "patient.csv").to_parquet(parquet, index=False)
        upload(client, "patient.parquet", parquet.getvalue())
        for name in ("doctor.csv", "visit.csv"):
            upload(client, name, (FIXTURES / name).read_bytes())
        set_name = put_resource_set(client, HOSPITAL_YAML, "hospital")

        standard = run(client, {"set_name": set_name, "parameters_name": "standard"})
        assert standard["status"] == "finished", standard
        assert standard["progress"] == 1.0
        files = client.get(f"/api/results/{standard['name']}").json()
        assert sorted(files["shuffled"]) == [
            "doctor.shuffled.csv",
            "patient.shuffled.parquet",
            "visit.shuffled.csv",
        ]
        for kind in ("unshuffled", "original_projections", "avatar_projections", "run_metadata"):
            assert len(files[kind]) == 3, (kind, files)
        assert len(files["figures"]) == 9

        def table(file: str) -> pd.DataFrame:
            content = client.get(f"/api/results/{standard['name']}/{file}").content
            if file.endswith(".parquet"):
                return pd.read_parquet(io.BytesIO(content))
            return pd.read_csv(io.BytesIO(content))

        patient = table("patient.shuffled.parquet")
        doctor = table("doctor.shuffled.csv")
        visit = table("visit.shuffled.csv")
        assert len(patient) == len(pd.read_csv(FIXTURES / "patient.csv"))
        assert set(visit["patient_id"].dropna().astype(str)) <= set(patient["p_id"].astype(str))
        assert set(visit["doctor_id"].dropna()) <= set(doctor["d_id"])

        signal = run(
            client,
            {
                "set_name": set_name,
                "parameters_name": "signal_metrics",
                "depends_on": [standard["name"]],
            },
        )
        assert signal["status"] == "finished", signal
        assert sorted(client.get(f"/api/results/{signal['name']}").json()["signal_metrics"]) == [
            "doctor.signal_metrics.json",
            "patient.signal_metrics.json",
            "visit.signal_metrics.json",
        ]
