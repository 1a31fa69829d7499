"""Read the repository's Dockerfile and .dockerignore the way Docker does, for static checks
(no Docker engine runs here, so the image itself is never built by the tests)."""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from tests.deploy.model import ROOT


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str

    def exec_form(self) -> list[str]:
        """The JSON-array ("exec") form's words; fails for the shell form."""
        words = json.loads(self.arguments)
        assert isinstance(words, list), f"{self.keyword} is not in exec form"
        return [str(w) for w in words]


@dataclass
class Stage:
    base: str
    name: str
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]


def stages(text: str | None = None) -> list[Stage]:
    """The build stages, each with its instructions (continuation lines joined, comments dropped)."""
    text = (ROOT / "Dockerfile").read_text() if text is None else text
    logical = re.sub(r"\\\n(?:\s*#[^\n]*\n)*", " ", text)
    found: list[Stage] = []
    for raw in logical.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, arguments = line.partition(" ")
        keyword, arguments = keyword.upper(), arguments.strip()
        if keyword == "FROM":
            base, _, name = re.sub(r"--platform=\S+\s+", "", arguments).partition(" AS ")
            found.append(Stage(base.strip(), name.strip()))
        else:
            assert found, f"{keyword} before FROM"
            found[-1].instructions.append(Instruction(keyword, arguments))
    return found


def ignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def in_context(path: str, patterns: list[str]) -> bool:
    """Whether `path` reaches the build context: the last pattern matching the path or one of its
    parent folders decides; `!` re-includes (Docker's .dockerignore rules)."""
    parts = PurePosixPath(path).parts
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    included = True
    for pattern in patterns:
        negated = pattern.startswith("!")
        body = pattern.lstrip("!").strip("/")
        if any(_match(body, c) for c in candidates):
            included = negated
    return included


def _match(pattern: str, path: str) -> bool:
    if pattern.startswith("**/"):
        tail = pattern[3:]
        pieces = path.split("/")
        return any(_match(tail, "/".join(pieces[i:])) for i in range(len(pieces)))
    # Docker's `*` does not cross '/': compare piece by piece.
    wanted, pieces = pattern.split("/"), path.split("/")
    return len(wanted) == len(pieces) and all(
        fnmatch.fnmatchcase(p, w) for p, w in zip(pieces, wanted, strict=True)
    )
