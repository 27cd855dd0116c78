"""Files as spreadsheets write them, uploaded straight to the API (no SDK in between).

Windows spreadsheets export cp1252 (latin-1 for text) with ``;`` separators and decimal commas,
others UTF-8 with a byte-order mark; both must arrive with their accents and numbers intact.
A file that cannot be used is refused at upload with every problem listed, and a table with no
more rows than its k is refused with the resource set, before any job.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from palmerpenguins import load_penguins
from server_support import TestClient
from test_pipeline import make_context, parse

from avatar_server.pipeline import run_job

YAML = """\
kind: AvatarMetadata
metadata: {{name: avatar-metadata-penguins}}
spec: {{display_name: penguins}}
---
kind: AvatarSchema
metadata: {{name: schema}}
spec:
  tables:
  - name: penguins
    data: {{volume: input, file: {file}}}
---
kind: AvatarParameters
metadata: {{name: standard}}
spec:
  schema: schema
  seed: 3
  avatarization:
    penguins: {{k: {k}, ncp: 4}}
  results: {{volume: results, path: standard}}
"""
SPECIES = {"Adelie": "Adélie", "Chinstrap": "Chinstrap", "Gentoo": "Gentoo"}


def _penguins() -> pd.DataFrame:
    """The penguins with the French spelling of Adélie (an accented category)."""
    frame = load_penguins().dropna().reset_index(drop=True)
    frame["species"] = frame["species"].map(SPECIES)
    return frame.rename(columns={"island": "île"})


def _spreadsheet_bytes(encoding: str) -> bytes:
    text = _penguins().to_csv(index=False, sep=";", decimal=",")
    return text.encode(encoding) if encoding != "utf-8-sig" else b"\xef\xbb\xbf" + text.encode()


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "utf-8-sig"])
def test_spreadsheet_export_is_read_with_accents_and_numbers(
    tmp_path: Path, encoding: str
) -> None:
    path = tmp_path / "penguins.csv"
    path.write_bytes(_spreadsheet_bytes(encoding))
    ctx, _ = make_context(
        parse(YAML.format(file="penguins.csv", k=8)), "standard", tmp_path / "out",
        {"penguins.csv": path},
    )
    run_job(ctx)
    avatars = pd.read_csv(tmp_path / "out" / "penguins.unshuffled.csv")
    original = _penguins()
    assert list(avatars.columns) == list(original.columns)
    assert set(avatars["species"]) <= set(SPECIES.values())
    assert "Adélie" in set(avatars["species"])
    assert set(avatars["île"]) <= set(original["île"])
    assert avatars["bill_length_mm"].dtype == float
    low, high = original["bill_length_mm"].min(), original["bill_length_mm"].max()
    assert avatars["bill_length_mm"].between(low - 1e-9, high + 1e-9).all()


def test_cp1252_upload_is_accepted_with_its_accented_columns(client_a: TestClient) -> None:
    response = client_a.put("/api/datasets/pingouins.csv", content=_spreadsheet_bytes("cp1252"))
    assert response.status_code == 201, response.text
    yaml_text = YAML.format(file="pingouins.csv", k=8).replace(
        "file: pingouins.csv}", "file: pingouins.csv}\n    columns: [{field: île, type: category}]"
    )
    stored = client_a.put(
        "/api/resources/pingouins", content=yaml_text.encode(),
        headers={"Content-Type": "text/yaml"},
    )
    assert stored.status_code == 201, stored.text  # the accented column name was read


def test_every_problem_of_a_file_is_listed_at_upload(client_a: TestClient) -> None:
    content = b'age,sex,age,\n34,F\n51,M,2,x\n"47,F,1,y\n'
    response = client_a.put("/api/datasets/messy.csv", content=content)
    assert response.status_code == 422
    detail = response.json()["detail"]
    for words in ("column 4 has no name", "'age' appears twice", "line 2 has 2 field(s)",
                  "never closed"):
        assert words in detail, (words, detail)


def test_table_with_no_more_rows_than_k_is_refused_before_any_job(
    client_a: TestClient,
) -> None:
    few = _penguins().head(6).to_csv(index=False).encode()
    assert client_a.put("/api/datasets/few.csv", content=few).status_code == 201
    response = client_a.put(
        "/api/resources/few", content=YAML.format(file="few.csv", k=10).encode(),
        headers={"Content-Type": "text/yaml"},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "too_few_rows"
    assert "table 'penguins' has 6 data row(s) but k=10" in body["detail"]
    assert "spec.avatarization.penguins.k to 5 or less" in body["detail"]
    fits = client_a.put(
        "/api/resources/few", content=YAML.format(file="few.csv", k=5).encode(),
        headers={"Content-Type": "text/yaml"},
    )
    assert fits.status_code == 201, fits.text
