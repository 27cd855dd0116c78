"""The user's configuration file: which server the `avatars` command talks to, with which key.

A small TOML file written by `avatars login`, readable by its owner only (mode 0600):

    base_url = "https://avatars.example.org"
    api_key = "..."

Location: `$AVATARS_CONFIG` if set, else `$AVATARS_HOME/config.toml` if `AVATARS_HOME` is set,
else the platform's per-user config folder: `$XDG_CONFIG_HOME/avatars/config.toml` (default
`~/.config/avatars/config.toml`) on Linux, `~/Library/Application Support/avatars/config.toml`
on macOS, `%APPDATA%\\avatars\\config.toml` on Windows.
"""

from __future__ import annotations

import json
import os
import sys
import tomllib
import uuid
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ConfigFileError", "UserConfig", "config_path", "read_config", "write_config"]

_KEYS = ("base_url", "api_key")


class ConfigFileError(ValueError):
    """The configuration file exists but cannot be used; the message says how to fix it."""


@dataclass(frozen=True)
class UserConfig:
    """Settings stored in the user's configuration file (each may be missing)."""

    base_url: str | None = None
    api_key: str | None = None


def config_path() -> Path:
    """Path of the user's configuration file (it may not exist yet).

    Example:
        >>> config_path().name
        'config.toml'
    """
    explicit = os.environ.get("AVATARS_CONFIG", "").strip()
    if explicit:
        return Path(explicit).expanduser()
    home = os.environ.get("AVATARS_HOME", "").strip()
    if home:
        return Path(home).expanduser() / "config.toml"
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        xdg = os.environ.get("XDG_CONFIG_HOME", "").strip()
        base = Path(xdg) if xdg else Path.home() / ".config"
    return base / "avatars" / "config.toml"


def read_config(path: Path | None = None) -> UserConfig:
    """Read the configuration file; an absent file gives empty settings.

    Raises:
        ConfigFileError: The file is not valid TOML, holds values that are not strings, or
            holds an API key while other users can read it.

    Example:
        >>> read_config().base_url  # doctest: +SKIP
        'https://avatars.example.org'
    """
    path = path or config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return UserConfig()
    except OSError as exc:
        raise ConfigFileError(f"cannot read the config file {path}: {exc.strerror}") from None
    try:
        content = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigFileError(
            f"the config file {path} is not valid TOML ({exc}); fix it or delete it and run "
            f"`avatars login` again"
        ) from None
    values: dict[str, str | None] = {}
    for key in _KEYS:
        value = content.get(key)
        if value is not None and not isinstance(value, str):
            raise ConfigFileError(f"`{key}` in the config file {path} must be a string")
        values[key] = value or None
    if values["api_key"] and _readable_by_others(path):
        raise ConfigFileError(
            f"the config file {path} holds an API key but other users can read it; "
            f"run `chmod 600 {path}`"
        )
    return UserConfig(base_url=values["base_url"], api_key=values["api_key"])


def write_config(config: UserConfig, path: Path | None = None) -> Path:
    """Write the configuration file atomically, readable by its owner only (0600).

    Example:
        >>> config = UserConfig(base_url="http://127.0.0.1:8000", api_key="k")
        >>> write_config(config)  # doctest: +SKIP
        PosixPath('/home/me/.config/avatars/config.toml')
    """
    path = path or config_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    lines = ["# Written by `avatars login`. Keep it private: it holds an API key.\n"]
    for key in _KEYS:
        value = getattr(config, key)
        if value is not None:
            # A JSON string is a valid TOML basic string.
            lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}\n")
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.writelines(lines)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    if sys.platform != "win32":
        os.chmod(path, 0o600)
    return path


def _readable_by_others(path: Path) -> bool:
    if sys.platform == "win32":
        return False
    return bool(path.stat().st_mode & 0o077)
