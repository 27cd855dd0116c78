"""Every module of `avatars._cli.commands` is a sub-command, found without a central list."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from avatars._cli import arguments, commands, main


def test_each_command_module_is_registered() -> None:
    parser = arguments.build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "==SUPPRESS==" and a.choices)
    names = list(subparsers.choices or {})
    assert names[:3] == ["run", "evaluate", "server"]
    assert {"jobs", "results", "api-key", "login"} <= set(names)
    assert len(arguments.command_modules()) >= 6


def test_a_new_module_becomes_a_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "hello.py").write_text(
        "ORDER = 1\n"
        "def register(commands):\n"
        "    hello = commands.add_parser('hello', help='say hello')\n"
        "    hello.set_defaults(handler=lambda args: print('hello') or 0)\n"
    )
    monkeypatch.setattr(commands, "__path__", [*commands.__path__, str(tmp_path)])
    monkeypatch.delitem(sys.modules, f"{commands.__name__}.hello", raising=False)
    assert main(["hello"]) == 0
    assert capsys.readouterr().out == "hello\n"
    assert arguments.command_modules()[0].__name__.endswith(".hello")
