"""A small checker for rule set documents: typed reads that record a problem per bad path."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any


class Checker:
    def __init__(self, root: str) -> None:
        self.root = root
        self.problems: list[tuple[str, str]] = []

    def add(self, path: str, problem: str) -> None:
        self.problems.append((f"{self.root}.{path}" if path else self.root, problem))

    def at(self, path: str) -> Checker:
        """A checker for a nested object whose problems land in this one."""
        nested = Checker(f"{self.root}.{path}")
        nested.problems = self.problems
        return nested

    def obj(self, data: dict[str, Any], key: str) -> dict[str, Any]:
        value = data.get(key)
        if not isinstance(value, dict):
            self.add(key, "required: an object")
            return {}
        return value

    def items(self, data: dict[str, Any], key: str, *, at_least: int = 1, at_most: int = 200) -> list[Any]:
        value = data.get(key)
        if not isinstance(value, list) or not at_least <= len(value) <= at_most:
            self.add(key, f"required: a list of {at_least} to {at_most} entries")
            return []
        return value

    def text(self, data: dict[str, Any], key: str, limit: int, *, required: bool = True) -> str:
        value = data.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip() or len(value) > limit:
            self.add(key, f"required: text of 1 to {limit} characters")
            return ""
        return value

    def integer(self, data: dict[str, Any], key: str, low: int, high: int) -> int | None:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.add(key, f"required: a whole number from {low} to {high}")
            return None
        return value

    def flag(self, data: dict[str, Any], key: str) -> bool | None:
        value = data.get(key)
        if not isinstance(value, bool):
            self.add(key, "required: true or false")
            return None
        return value

    def choice(self, data: dict[str, Any], key: str, allowed: Sequence[str]) -> str:
        value = data.get(key)
        if value not in allowed:
            self.add(key, f"required: one of {', '.join(allowed)}")
            return ""
        return str(value)

    def template(self, data: dict[str, Any], key: str, limit: int, names: Sequence[str]) -> str:
        """Text with {placeholders}, which may use only `names`."""
        value = self.text(data, key, limit)
        if value and not _formats(value, names):
            self.add(key, f"may use only the placeholders {', '.join('{' + n + '}' for n in names)}")
        return value

    def date(self, data: dict[str, Any], key: str, *, required: bool = True) -> dt.date | None:
        value = data.get(key)
        if value is None and not required:
            return None
        try:
            return dt.date.fromisoformat(str(value)) if isinstance(value, str) else _fail()
        except ValueError:
            self.add(key, "required: a date YYYY-MM-DD" if required else "a date YYYY-MM-DD or null")
            return None


def _fail() -> dt.date:
    raise ValueError


def _formats(template: str, names: Sequence[str]) -> bool:
    try:
        template.format(**dict.fromkeys(names, ""))
    except (KeyError, IndexError, ValueError):
        return False
    return True
