"""Every `chengnuo` command says what it does (`--help`), and so does every option and argument."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import typer
from typer.testing import CliRunner

from services.cli.main import app


def commands(group: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, group
    for name, command in getattr(group, "commands", {}).items():
        yield from commands(command, (*path, name))


def test_every_command_and_parameter_has_help_text() -> None:
    tree = list(commands(typer.main.get_command(app)))
    assert len(tree) > 60  # the whole tree, not just the top level
    silent = [" ".join(path) for path, command in tree if not (command.help or "").strip()]
    assert silent == []
    undocumented = [
        f"{' '.join(path)} {param.name}"
        for path, command in tree
        for param in command.params
        if not getattr(param, "help", None) and param.name != "help"
    ]
    assert undocumented == []


def test_help_prints_the_description_of_a_nested_command() -> None:
    result = CliRunner().invoke(app, ["verify", "conclude", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "Conclude a task" in result.stdout
    assert "责令限期整改" in result.stdout  # the measure syntax is explained where it is typed
