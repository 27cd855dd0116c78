"""The user config file: location, 0600 permissions, validation, precedence in the CLI."""

from __future__ import annotations

import argparse
import os
import stat
from pathlib import Path

import pytest

from avatars import _cli, _config_file
from avatars._cli import connection
from avatars._config_file import ConfigFileError, UserConfig, read_config, write_config


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AVATARS_HOME", str(tmp_path))
    for name in ("AVATARS_CONFIG", "AVATAR_BASE_URL", "AVATAR_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def test_written_file_is_private_and_reads_back(tmp_path: Path) -> None:
    path = write_config(UserConfig(base_url="https://a.example/api", api_key='k"\\y'))
    assert path == tmp_path / "config.toml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_config() == UserConfig(base_url="https://a.example/api", api_key='k"\\y')
    assert not list(tmp_path.glob(".*tmp")), "temporary file left behind"


def test_rewrite_tightens_a_loose_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('base_url = "http://old"\n')
    path.chmod(0o644)
    write_config(UserConfig(base_url="http://new", api_key="k"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_config().base_url == "http://new"


def test_new_folder_is_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AVATARS_CONFIG", str(tmp_path / "deep" / "cfg.toml"))
    write_config(UserConfig(api_key="k"))
    assert stat.S_IMODE((tmp_path / "deep").stat().st_mode) == 0o700


def test_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = write_config(UserConfig(base_url="http://h", api_key="secret"))
    path.chmod(0o644)
    with pytest.raises(ConfigFileError, match="chmod 600"):
        read_config()


def test_missing_file_is_empty_and_bad_file_says_what_is_wrong(tmp_path: Path) -> None:
    assert read_config() == UserConfig()
    (tmp_path / "config.toml").write_text("base_url = [1, 2\n")
    with pytest.raises(ConfigFileError, match="not valid TOML"):
        read_config()
    (tmp_path / "config.toml").write_text("base_url = 3\n")
    with pytest.raises(ConfigFileError, match="must be a string"):
        read_config()


def test_default_location_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AVATARS_HOME")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    if os.name == "posix" and os.uname().sysname != "Darwin":
        assert _config_file.config_path() == tmp_path / "xdg" / "avatars" / "config.toml"


def _target(**kwargs: str | None) -> connection.Target:
    args = argparse.Namespace(server=kwargs.get("server"), api_key=kwargs.get("api_key"))
    return connection.target(args)


def test_cli_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _target().base_url is None, "nothing configured: the local server"
    write_config(UserConfig(base_url="http://team:8000", api_key="file-key"))
    source = str(_config_file.config_path())
    assert _target() == connection.Target("http://team:8000", "file-key", source)
    monkeypatch.setenv("AVATAR_BASE_URL", "http://env:8000/api")
    target = _target()
    assert (target.base_url, target.api_key, target.source) == (
        "http://env:8000/api",
        None,
        "AVATAR_BASE_URL",
    ), "the file's key belongs to the file's server only"
    monkeypatch.setenv("AVATAR_BASE_URL", "http://team:8000/api/")
    assert _target().api_key == "file-key"
    monkeypatch.setenv("AVATAR_API_KEY", "env-key")
    assert _target().api_key == "env-key"
    target = _target(server="http://flag:1", api_key="flag-key")
    assert (target.base_url, target.api_key) == ("http://flag:1", "flag-key")


def test_cli_reports_a_broken_config_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "config.toml").write_text("not toml at all = = =\n")
    assert _cli.main(["jobs"]) == 2
    err = capsys.readouterr().err
    assert "not valid TOML" in err
    assert "Traceback" not in err
