"""Departments and their superiors (上级执法部门), as a forest of codes."""

from __future__ import annotations

from collections.abc import Mapping


class Hierarchy:
    """Parent links by department code; unknown departments are roots of their own."""

    def __init__(self, parents: Mapping[str, str | None]) -> None:
        self._parents = {code: parent for code, parent in parents.items() if parent}

    def ancestors(self, code: str) -> list[str]:
        """The superiors of `code`, nearest first (a cycle is cut where it closes)."""
        found: list[str] = []
        parent = self._parents.get(code)
        while parent and parent not in found and parent != code:
            found.append(parent)
            parent = self._parents.get(parent)
        return found

    def is_superior(self, superior: str, of: str) -> bool:
        return superior in self.ancestors(of)

    def depth(self, code: str) -> int:
        return len(self.ancestors(code))

    def with_descendants(self, code: str) -> list[str]:
        """`code` and every department below it."""
        below = [c for c in self._parents if code in self.ancestors(c)]
        return [code, *sorted(below)]

    def cycle_through(self, code: str) -> bool:
        seen = {code}
        parent = self._parents.get(code)
        while parent:
            if parent in seen:
                return True
            seen.add(parent)
            parent = self._parents.get(parent)
        return False
