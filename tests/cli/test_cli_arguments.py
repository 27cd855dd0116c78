"""Argument errors: exit code 2 and a message saying what to do, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from avatars._cli import main


def _run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "AVATARS_HOME": str(tmp_path / "home")}
    return subprocess.run(
        [sys.executable, "-m", "avatars._cli", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
        check=False,
    )


def test_missing_file_exits_2_with_the_fix(tmp_path: Path) -> None:
    done = _run(["run", "nope.csv"], tmp_path)
    assert done.returncode == 2
    assert "no such file: nope.csv ; pass a CSV, TSV, Parquet or Excel file" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "home").exists(), "no server must start for a wrong file"


def test_wrong_kind_of_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = tmp_path / "data.json"
    text.write_text("a,b\n1,2\n")
    assert main(["run", str(text)]) == 2
    assert "is not a CSV, TSV, Parquet or Excel file" in capsys.readouterr().err
    assert main(["run", str(tmp_path)]) == 2
    assert "is a folder, not a file" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run", "x.csv", "--k", "0"], "must be 1 or more"),
        (["run", "x.csv", "--ncp", "five"], "expected a whole number"),
        (["run", "x.csv", "--language", "de"], "invalid choice"),
        (["run", "x.csv", "--seed", "-1"], "must be between 0 and 4294967295"),
        (["run"], "the following arguments are required: DATA"),
        (["jobs", "--bogus"], "unrecognized arguments: --bogus"),
        (["api-key"], "the following arguments are required: ACTION"),
    ],
)
def test_bad_arguments_exit_2(
    args: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2
    assert expected in capsys.readouterr().err


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    err = capsys.readouterr().err
    assert "run" in err
    assert "login" in err


def test_bad_table_name_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "d.csv"
    data.write_text("a\n1\n")
    assert main(["run", str(data), "--table", "../etc"]) == 2
    assert "not a valid table name" in capsys.readouterr().err


def test_unknown_remote_server_without_key_exits_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AVATARS_HOME", str(tmp_path))
    monkeypatch.delenv("AVATAR_API_KEY", raising=False)
    monkeypatch.delenv("AVATAR_BASE_URL", raising=False)
    assert main(["jobs", "--server", "http://127.0.0.1:9"]) == 4
    err = capsys.readouterr().err
    assert "no API key for http://127.0.0.1:9" in err
    assert "avatars login --server http://127.0.0.1:9" in err


def test_avatars_debug_shows_the_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = str(tmp_path / "nope.csv")
    assert main(["run", missing]) == 2
    assert "Traceback" not in capsys.readouterr().err
    monkeypatch.setenv("AVATARS_DEBUG", "1")
    assert main(["run", missing]) == 2
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert "CliError" in err
    assert f"no such file: {missing} ; pass a CSV, TSV, Parquet or Excel file" in err


def test_evaluate_missing_avatars_file_exits_2_before_any_server(tmp_path: Path) -> None:
    original = tmp_path / "original.csv"
    original.write_text("a,b\n1,2\n3,4\n")
    done = _run(["evaluate", str(original), "synthetic.csv"], tmp_path)
    assert done.returncode == 2
    assert "no such file: synthetic.csv ; pass a CSV, TSV, Parquet or Excel file" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "home").exists(), "no server must start for a wrong file"
