"""`chengnuo --version` names the installed package's version and does nothing else."""

from __future__ import annotations

from importlib.metadata import version

from typer.testing import CliRunner

from services.cli.main import app


def test_version_prints_the_package_version_and_exits_0() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert (result.exit_code, result.stdout) == (0, f"chengnuo {version('chengnuo')}\n")


def test_version_is_listed_in_the_top_level_help() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert (result.exit_code, "--version" in result.stdout) == (0, True)
