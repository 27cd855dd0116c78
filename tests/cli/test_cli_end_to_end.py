"""`avatars` against the real reference server, as a user runs it."""

from __future__ import annotations

import json
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from cli_support import WBCD, clean_env, server_pids

from avatars import Manager, _config_file
from avatars._cli import main
from avatars._local import LocalServer, free_port

pytestmark = [pytest.mark.server, pytest.mark.slow]

AVATARS = [sys.executable, "-m", "avatars._cli"]


def _avatars(
    args: list[str], home: Path, cwd: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*AVATARS, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=clean_env(home, **env),
        timeout=240,
        check=False,
    )


def test_run_writes_avatars_metrics_report_and_stops_its_server(tmp_path: Path) -> None:
    home = tmp_path / "home"
    done = _avatars(["run", str(WBCD), "--out", "out", "--k", "10", "--seed", "7"], home, tmp_path)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "out"

    original = pd.read_csv(WBCD)
    avatars = pd.read_csv(out / "wbcd.avatars.csv")
    assert list(avatars.columns) == list(original.columns)
    assert len(avatars) == len(original)

    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["parameters"] == {
        "k": 10, "ncp": 5, "seed": 7, "imputation_method": None, "types": {},
        "identifier_policy": "drop",
    }
    assert {c["column"]: c["type"] for c in metrics["columns"]}["Class"] == "category"
    modes = {stat.S_IMODE((out / name).stat().st_mode)
             for name in ("wbcd.avatars.csv", "metrics.json", "report.pdf")}
    assert len(modes) == 1
    privacy = metrics["privacy_metrics"]["metrics"]
    signal = metrics["signal_metrics"]["metrics"]
    assert privacy
    assert signal
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")

    lines = done.stdout.splitlines()
    assert re.match(r"Metric\s+Family\s+Value\s+Target\s+Result", lines[1])
    for family, entries in (("privacy", privacy), ("signal", signal)):
        for entry in entries.values():
            row = next(line for line in lines if line.startswith(entry["label"] + " "))
            assert family in row
            if entry["passed"] is None:  # not applicable or information: neither pass nor fail
                assert ("n/a" in row) == (entry["value"] is None)
                assert "pass" not in row
                assert "FAIL" not in row
            else:
                assert ("pass" if entry["passed"] else "FAIL") in row
    assert "meet their target" in done.stdout
    assert str(Path("out") / "report.pdf") in lines[-1]
    assert str(Path("out") / "metrics.json") in lines[-1]

    assert "Traceback" not in done.stderr
    assert not server_pids(home / "server"), "a server process was left running"
    assert not (home / "server" / "local-server.json").exists()
    credentials = home / "server" / "credentials.json"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600


def test_commands_reuse_a_running_server(
    shared_server: LocalServer, shared_home: Path, tmp_path: Path
) -> None:
    done = _avatars(["run", str(WBCD), "--out", "out", "--k", "8"], shared_home, tmp_path)
    assert done.returncode == 0, done.stderr
    assert shared_server.running, "the command stopped a server it did not start"
    assert server_pids(shared_home / "server") == [shared_server.pid]

    jobs = _avatars(["jobs", "--limit", "4"], shared_home, tmp_path)
    assert jobs.returncode == 0, jobs.stderr
    manager = Manager(base_url=shared_server.base_url, api_key=shared_server.api_key)
    last = manager.get_last_jobs(4)
    assert len(last) == 4
    for name in last:
        assert name in jobs.stdout
    assert "finished" in jobs.stdout

    kinds = {name: str(getattr(job.kind, "value", job.kind)) for name, job in last.items()}
    report_job = next(name for name, kind in kinds.items() if kind == "report")
    listing = _avatars(
        ["results", report_job, "--download", "dl", "--file", "report.pdf"], shared_home, tmp_path
    )
    assert listing.returncode == 0, listing.stderr
    assert "report.pdf" in listing.stdout
    assert (tmp_path / "dl" / "report.pdf").read_bytes().startswith(b"%PDF")
    assert shared_server.running


def test_unreachable_server_exits_3_with_the_url_and_the_fix(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    done = _avatars(["run", str(WBCD), "--server", url, "--api-key", "k"], tmp_path, tmp_path)
    assert done.returncode == 3, done.stderr
    assert url in done.stderr
    assert "avatars server" in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_api_key_exits_4(shared_server: LocalServer, tmp_path: Path) -> None:
    done = _avatars(
        ["jobs", "--server", shared_server.base_url, "--api-key", "not-a-key"], tmp_path, tmp_path
    )
    assert done.returncode == 4, done.stderr
    assert "refused the credentials" in done.stderr
    assert "Traceback" not in done.stderr


def test_login_stores_a_working_key_without_echoing_the_password(
    shared_server: LocalServer,
    shared_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    credentials = json.loads((shared_home / "server" / "credentials.json").read_text())
    password = credentials["password"]
    prompts: list[str] = []

    def fake_getpass(prompt: str = "Password: ") -> str:
        prompts.append(prompt)
        return password

    monkeypatch.setenv("AVATARS_HOME", str(tmp_path))
    monkeypatch.delenv("AVATAR_BASE_URL", raising=False)
    monkeypatch.delenv("AVATAR_API_KEY", raising=False)
    monkeypatch.setattr("avatars._cli.commands.login.getpass.getpass", fake_getpass)
    monkeypatch.setattr("builtins.input", lambda prompt="": credentials["username"])

    assert main(["login", "--server", shared_server.base_url]) == 0
    captured = capsys.readouterr()
    assert prompts == ["Password: "]
    assert password not in captured.out + captured.err
    config = tmp_path / "config.toml"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    text = config.read_text()
    assert password not in text
    assert shared_server.base_url in text
    assert shared_server.api_key not in text, "login must create its own key"

    # later commands use the stored server and key, without starting a local server
    assert main(["api-key", "list"]) == 0
    listed = capsys.readouterr().out
    assert "avatars-cli" in listed
    assert not (tmp_path / "server").exists()

    # logging in again replaces the stored key and revokes the old one
    first_key = _config_file.read_config(config).api_key
    assert first_key is not None
    assert main(["login", "--server", shared_server.base_url]) == 0
    assert f"({first_key.partition('.')[0]}) is revoked" in capsys.readouterr().out
    second_key = _config_file.read_config(config).api_key
    assert second_key not in (None, first_key)
    refused = _avatars(["jobs", "--server", shared_server.base_url, "--api-key", first_key],
                       tmp_path, tmp_path)
    assert refused.returncode == 4, refused.stderr
    assert main(["api-key", "list"]) == 0
    capsys.readouterr()

    monkeypatch.setattr(
        "avatars._cli.commands.login.getpass.getpass", lambda prompt="": "wrong password"
    )
    assert main(["login", "--server", shared_server.base_url]) == 4
    assert "refused the credentials" in capsys.readouterr().err
    assert _config_file.read_config(config).api_key == second_key


def test_api_key_create_list_revoke(
    shared_server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    flags = ["--server", shared_server.base_url, "--api-key", shared_server.api_key]
    assert main(["api-key", "create", "ci-key", *flags]) == 0
    created = capsys.readouterr()
    key = created.out.strip()
    assert key
    assert "shown only once" in created.err
    assert main(["jobs", "--server", shared_server.base_url, "--api-key", key]) == 0
    capsys.readouterr()
    assert main(["api-key", "list", *flags]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if " ci-key " in line)
    key_id = row.split()[0]
    assert "active" in row
    assert main(["api-key", "revoke", key_id, *flags]) == 0
    capsys.readouterr()
    assert main(["jobs", "--server", shared_server.base_url, "--api-key", key]) == 4


def test_too_few_rows_for_k_exits_2_before_any_job(
    shared_server: LocalServer, shared_home: Path, tmp_path: Path
) -> None:
    small = tmp_path / "small.csv"
    small.write_text("age,weight\n" + "".join(f"{20 + i},{60 + 3 * i}\n" for i in range(10)))
    done = _avatars(["run", str(small), "--k", "20", "--out", "out"], shared_home, tmp_path)
    assert done.returncode == 2, done.stderr
    assert "table 'small' has 10 rows but k=20" in done.stderr
    assert "--k 9" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out" / "metrics.json").exists()
    assert shared_server.running


def test_failed_job_exits_5_with_the_servers_reason(
    shared_server: LocalServer, shared_home: Path, tmp_path: Path
) -> None:
    wide = tmp_path / "wide.csv"
    rows = "".join(f"c{i:05d},{20 + i % 50},{i % 7}\n" for i in range(3100))
    wide.write_text("code,age,group_size\n" + rows)
    done = _avatars(
        ["run", str(wide), "--k", "5", "--categorical", "code", "--out", "out"],
        shared_home, tmp_path,
    )
    assert done.returncode == 5, done.stderr
    assert "the avatarization job" in done.stderr
    assert "column 'code'" in done.stderr
    assert "use_categorical_reduction" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out" / "metrics.json").exists()
    assert shared_server.running


def _default_interrupt() -> None:
    # a shell without job control starts background commands with SIGINT ignored, and
    # Python keeps an ignored SIGINT: give the command the disposition of a terminal
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_interrupt_exits_130_and_stops_the_local_server(tmp_path: Path) -> None:
    home = tmp_path / "home"
    process = subprocess.Popen(
        [*AVATARS, "run", str(WBCD), "--out", "out"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=clean_env(home),
        preexec_fn=_default_interrupt,
    )
    state = home / "server" / "local-server.json"
    deadline = time.monotonic() + 120
    while not state.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert state.exists(), process.communicate()[1]
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "interrupted" in err
    assert "Traceback" not in err
    assert not server_pids(home / "server")


def test_parquet_in_parquet_out(
    shared_server: LocalServer, shared_home: Path, tmp_path: Path
) -> None:
    original = pd.read_csv(WBCD.with_name("iris.csv"))
    source = tmp_path / "flowers.parquet"
    original.to_parquet(source, index=False)
    done = _avatars(
        ["run", str(source), "--k", "5", "--ncp", "3", "--language", "fr", "--out", "out"],
        shared_home,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    avatars = pd.read_parquet(tmp_path / "out" / "flowers.avatars.parquet")
    assert list(avatars.columns) == list(original.columns)
    assert len(avatars) == len(original)
    assert "Metrics for flowers (k=5, ncp=3)" in done.stdout
    assert (tmp_path / "out" / "report.pdf").read_bytes().startswith(b"%PDF")


def test_evaluate_judges_avatars_made_elsewhere_and_names_the_leak(tmp_path: Path) -> None:
    from avatar_engine import AvatarizationParameters, avatarize

    original = pd.read_csv(WBCD)
    avatars = avatarize(original, AvatarizationParameters(k=20, seed=1)).unshuffled
    copied = original.sample(frac=0.15, random_state=2).index
    avatars.loc[copied] = original.loc[copied].to_numpy()  # 15 % of rows are the originals
    avatars.sample(frac=1.0, random_state=4).to_csv(tmp_path / "synthetic.csv", index=False)
    done = _avatars(["evaluate", str(WBCD), "synthetic.csv", "--out", "judged"],
                    tmp_path / "home", tmp_path)
    assert done.returncode == 0, done.stderr
    metrics = json.loads((tmp_path / "judged" / "metrics.json").read_text())
    assert metrics["passed"] is False
    assert metrics["privacy_metrics"]["details"]["paired"] is False
    failures = metrics["privacy_metrics"]["failures"]
    assert [m for m in failures if m.startswith("exact copies of original rows")], failures
    assert "Privacy verdict: do not share. exact copies of original rows" in done.stdout
    assert (tmp_path / "judged" / "report.pdf").read_bytes().startswith(b"%PDF")
    assert not list((tmp_path / "judged").glob("*.avatars.*"))
