"""The fenced code blocks of the Markdown docs, with what the docs test is told about each.

A block's info string says what it is: `sh` and `python` blocks are run by tests/e2e/test_docs.py,
anything else (`console` transcripts, `text`, `json`) only illustrates. An HTML comment on the line
right before a block tells the test more, as `;`-separated clauses:

    <!-- not run: REASON -->           a command a reader runs that the test must not (why; alone)
    <!-- runs until stopped -->        a server-like command: run for a bounded time, must not end
    <!-- prints: TEXT -->              its output must contain TEXT
    <!-- saved as: NAME -->            a file the doc tells the reader to save (a later block runs it)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RUNNABLE = frozenset({"sh", "python"})
CLAUSES = frozenset({"not run", "runs until stopped", "prints", "saved as"})
_FENCE = re.compile(r"^```(\S*)")
_DIRECTIVE = re.compile(r"^<!--(.*)-->\s*$")


class DirectiveError(ValueError):
    pass


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # 1-based line of the opening fence
    info: str
    text: str
    directives: dict[str, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(REPO)}:{self.line}"

    @property
    def runnable(self) -> bool:
        return self.info in RUNNABLE and "not run" not in self.directives


def _directives(line: str, where: str) -> dict[str, str]:
    found = _DIRECTIVE.match(line.strip())
    if not found:
        return {}
    content = found.group(1).strip()
    if content.startswith("not run"):  # the reason is free text, `;` and all
        return {"not run": content.removeprefix("not run").removeprefix(":").strip()}
    clauses: dict[str, str] = {}
    for clause in content.split(";"):
        key, _, value = clause.partition(":")
        key = key.strip()
        if key not in CLAUSES:
            raise DirectiveError(f"{where}: unknown clause {key!r}; known: {', '.join(sorted(CLAUSES))}")
        clauses[key] = value.strip()
    return clauses


def blocks_of(path: Path) -> list[Block]:
    """Every fenced block of `path`, in order (unclosed fences are an error)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        start = index
        index += 1
        while index < len(lines) and not lines[index].startswith("```"):
            index += 1
        if index == len(lines):
            raise DirectiveError(f"{path.relative_to(REPO)}:{start + 1}: the fence is never closed")
        where = f"{path.relative_to(REPO)}:{start + 1}"
        before = _directives(lines[start - 1], where) if start else {}
        text = "\n".join(lines[start + 1 : index]) + "\n"
        blocks.append(Block(path, start + 1, opening.group(1), text, before))
        index += 1
    return blocks


def documents() -> list[Path]:
    """The docs whose commands a user is told to run: README.md and docs/*.md."""
    return [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
