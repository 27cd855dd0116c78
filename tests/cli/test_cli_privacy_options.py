"""`avatars run` with the privacy toolkit's options, against the real reference server."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from cli_support import clean_env
from palmerpenguins import load_penguins

from avatars._cli.exits import CliError
from avatars._cli.privacy_options import add_privacy_options, privacy_parameters
from avatars._local import LocalServer

AVATARS = [sys.executable, "-m", "avatars._cli"]


def _avatars(args: list[str], home: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*AVATARS, *args], capture_output=True, text=True, cwd=cwd, env=clean_env(home),
        timeout=300, check=False,
    )


def _penguins_with_emails(folder: Path, complete: bool) -> Path:
    table = load_penguins()
    if complete:
        table = table.dropna().reset_index(drop=True)
    table.insert(0, "email", [f"keeper{i}@antarctica.example" for i in range(len(table))])
    path = folder / "penguins.csv"
    table.to_csv(path, index=False)
    return path


@pytest.mark.server
@pytest.mark.slow
def test_dp_pseudonyms_drop_quantile_threshold_and_pia_report(
    shared_server: LocalServer, shared_home: Path, tmp_path: Path
) -> None:
    source = _penguins_with_emails(tmp_path, complete=True)
    done = _avatars([
        "run", str(source), "--out", "out", "--seed", "3", "--dp-epsilon", "1",
        "--pseudonymize", "email=fake:email", "--drop", "year", "--quantile-threshold", "10",
        "--report-type", "pia",
    ], shared_home, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "epsilon-DP (OpenDP) with epsilon=1.0" in done.stdout
    out = tmp_path / "out"
    original = pd.read_csv(source)
    avatars = pd.read_csv(out / "penguins.avatars.csv")
    assert "year" not in avatars.columns
    assert list(avatars.columns) == [c for c in original.columns if c != "year"]
    # fake e-mail addresses, none of the originals
    assert avatars["email"].str.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]+").all()
    assert not set(avatars["email"]) & set(original["email"])
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["parameters"]["open_dp_epsilon"] == 1.0
    assert metrics["parameters"]["k"] is None
    assert metrics["parameters"]["pseudonymized_columns"] == {"email": "FAKER"}
    closeness = metrics["privacy_metrics"]["details"]["quantile_threshold"]
    assert closeness["quantile_threshold"] == 10
    assert (out / "pia.pdf").read_bytes().startswith(b"%PDF")
    assert (out / "pia.docx").read_bytes().startswith(b"PK")  # a .docx is a zip archive
    assert not (out / "report.pdf").exists()


@pytest.mark.server
@pytest.mark.slow
def test_augmentation_and_imputed_avatars(
    shared_server: LocalServer, shared_home: Path, tmp_path: Path
) -> None:
    source = _penguins_with_emails(tmp_path, complete=False)
    done = _avatars([
        "run", str(source), "--out", "out", "--k", "6", "--seed", "5",
        "--pseudonymize", "email=hash", "--augment", "minority", "--augment-target", "species",
        "--return-imputed",
    ], shared_home, tmp_path)
    assert done.returncode == 0, done.stderr
    original = pd.read_csv(source)
    avatars = pd.read_csv(tmp_path / "out" / "penguins.avatars.csv")
    counts = original["species"].value_counts()
    assert avatars["species"].value_counts()["Chinstrap"] == counts["Adelie"]
    assert original.isna().sum().sum() > 0
    assert avatars.drop(columns=["email"]).isna().sum().sum() == 0
    assert avatars["email"].str.fullmatch(r"[0-9a-f]{64}").all()
    assert (tmp_path / "out" / "report.pdf").read_bytes().startswith(b"%PDF")


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_privacy_options(parser)
    return parser.parse_args(list(argv))


def test_options_become_the_sdk_keywords() -> None:
    parameters = privacy_parameters(_parse(
        "--fast-dp-epsilon", "2", "--pseudonymize", "id=id:P-####",
        "--pseudonymize", "name=fake:full_name:fr_FR", "--augment", "Gentoo=0.5,Adelie=1",
        "--augment-target", "species", "--augment-with-originals", "--dp-target", "species",
    ), k=20)
    assert parameters["fast_dp_epsilon"] == 2.0
    assert parameters["dp_target"] == "species"
    assert "k" not in parameters
    assert parameters["pseudonymized_columns"]["id"].pattern == "P-####"
    assert parameters["pseudonymized_columns"]["name"].locale == "fr_FR"
    assert parameters["data_augmentation_strategy"] == {"Gentoo": 0.5, "Adelie": 1.0}
    assert parameters["data_augmentation_should_anonymize_original_table"] is False


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--pseudonymize", "email"], "expected COL=METHOD"),
        (["--pseudonymize", "email=rot13"], "unknown method 'rot13'"),
        (["--pseudonymize", "email=fake:pokemon"], "unknown fake data type 'pokemon'"),
        (["--augment", "lots"], "use a ratio"),
        (["--augment-target", "species"], "go with --augment"),
        (["--dp-target", "species"], "--dp-target goes with --dp-epsilon"),
    ],
)
def test_bad_option_values_say_what_to_pass(argv: list[str], message: str) -> None:
    with pytest.raises(CliError, match=message):
        privacy_parameters(_parse(*argv), k=20)


@pytest.mark.parametrize(
    "argv",
    [["--dp-epsilon", "0"], ["--dp-epsilon", "1", "--fast-dp-epsilon", "1"],
     ["--quantile-threshold", "100"], ["--report-type", "long"]],
)
def test_out_of_range_values_are_refused_by_the_parser(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        _parse(*argv)
