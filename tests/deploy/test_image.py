"""The container image definition, checked statically: no Docker engine runs here, so whether the
image builds is verified only where one does."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import pytest

from tests.deploy.dockerfile import ignore_patterns, in_context, stages
from tests.deploy.model import ROOT

PACKAGE_SOURCES = {"pyproject.toml", "README.md", "chengnuo", "services"}
SECRET_LIKE = re.compile(r"(secret|password|token|\.pem|\.key|private|credential)", re.IGNORECASE)


def _pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_the_build_is_multi_stage_on_python_311_slim() -> None:
    found = stages()
    assert len(found) >= 2
    assert all(s.name for s in found), "every stage is named"
    assert all(re.fullmatch(r"python:3\.11-slim(-\w+)?", s.base) for s in found)
    assert not any("pip install" in r.arguments for r in found[-1].all("RUN")), "nothing built at runtime"


def test_the_runtime_stage_only_copies_from_the_build_stage() -> None:
    *builders, runtime = stages()
    copies = runtime.all("COPY")
    assert copies
    names = {s.name for s in builders}
    for copy in copies:
        source = re.match(r"--from=(\S+)", copy.arguments)
        assert source is not None, f"runtime copies from the context: {copy.arguments}"
        assert source.group(1) in names
    assert runtime.all("ADD") == []


def test_only_package_sources_are_copied_and_nothing_secret() -> None:
    copied: set[str] = set()
    for stage in stages():
        assert stage.all("ADD") == [], "ADD can fetch URLs and unpack archives: use COPY"
        for copy in stage.all("COPY"):
            if copy.arguments.startswith("--from="):
                continue
            *sources, _ = copy.arguments.split()
            copied |= {s.rstrip("/") for s in sources}
        for instruction in (*stage.all("ENV"), *stage.all("ARG")):
            names = re.findall(r"(\w+)=", instruction.arguments) or instruction.arguments.split()[:1]
            assert not any(SECRET_LIKE.search(n) for n in names), instruction
    assert copied == PACKAGE_SOURCES
    assert not any(SECRET_LIKE.search(c) for c in copied)


def test_installs_the_one_distribution_without_extras() -> None:
    (build, *_) = stages()
    installs = [r.arguments for r in build.all("RUN") if "pip install" in r.arguments]
    assert len(installs) == 1
    command = installs[0].split("&&")[0]
    assert re.search(r"pip install( --[\w-]+)* \.(\s|$)", command), command
    assert "[" not in command, "no `embedded` or `dev` extras in the image"
    assert " -e " not in command, "a regular install, not an editable one"


def test_runs_as_a_fixed_non_root_user() -> None:
    runtime = stages()[-1]
    (user,) = runtime.all("USER")
    uid, _, gid = user.arguments.partition(":")
    assert uid.isdigit(), "numeric, so Kubernetes can check runAsNonRoot"
    assert int(uid) > 0
    assert not gid or int(gid) > 0
    assert runtime.instructions.index(user) > max(runtime.instructions.index(c) for c in runtime.all("COPY"))


def test_the_entrypoint_is_the_chengnuo_console_script() -> None:
    runtime = stages()[-1]
    (entrypoint,) = runtime.all("ENTRYPOINT")
    words = entrypoint.exec_form()  # exec form: the service is PID 1 and gets SIGTERM itself
    assert len(words) == 1
    assert words[0].rsplit("/", 1)[-1] == "chengnuo"
    scripts = _pyproject()["project"]["scripts"]
    assert scripts["chengnuo"] == "services.cli.main:main"
    venv = re.search(r"python -m venv (\S+)", " ".join(r.arguments for r in stages()[0].all("RUN")))
    assert venv is not None
    assert words[0] == f"{venv.group(1)}/bin/chengnuo"
    (cmd,) = runtime.all("CMD")
    assert "serve" not in cmd.exec_form(), "the service is chosen by the command, not baked in"


@pytest.mark.parametrize(
    ("path", "included"),
    [
        ("pyproject.toml", True),
        ("README.md", True),
        ("services/kernel/config.py", True),
        ("services/commitment/migrations/0001_init.sql", True),
        ("chengnuo/commitment/v1/commitment_pb2.py", True),
        (".git/config", False),
        (".venv/bin/python", False),
        (".chengnuo/keys/token-signing.pem", False),
        ("services/kernel/__pycache__/config.cpython-311.pyc", False),
        ("services/credit/leaked.key", False),
        ("services/kernel/dev-signing.pem", False),
        ("services/.env", False),
        ("tests/conftest.py", False),
        ("deploy/k8s/README.md", False),
        ("bench/results/run.json", False),
    ],
)
def test_dockerignore_lets_in_only_package_sources(path: str, included: bool) -> None:
    assert in_context(path, ignore_patterns()) is included
