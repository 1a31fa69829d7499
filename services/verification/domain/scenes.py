"""The scene list (检查场景清单) of joint inspections (综合查一次): what a valid scene is (no I/O).

A scene names the departments of one visit and the items of their own random inspection lists
that the visit checks. A department that goes but checks nothing would only add a visit's burden
to the enterprise, so every department of a scene checks at least one item.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.kernel.errors import Violations
from services.verification.domain.annual_plans import ItemInForce
from services.verification.domain.plans import LABEL, MAX_NAME, other_departments

MAX_COOPERATING = 20
MAX_ITEMS = 100


@dataclass(frozen=True, slots=True)
class SceneDraft:
    code: str
    name: str
    cooperating: tuple[str, ...]
    items: tuple[tuple[str, str], ...]  # (department, item code)
    effective_from: dt.date


@dataclass(frozen=True, slots=True)
class SceneItem:
    """An item of a scene as its version read on the scene's effective date."""

    department: str
    code: str
    version: int
    name: str
    inspection_type: str

    def as_json(self) -> dict[str, Any]:
        return {
            "department": self.department,
            "code": self.code,
            "version": self.version,
            "name": self.name,
            "type": self.inspection_type,
        }

    @classmethod
    def of_json(cls, data: Mapping[str, Any]) -> SceneItem:
        return cls(data["department"], data["code"], int(data["version"]), data["name"], data["type"])


def check_draft(v: Violations, lead: str, d: SceneDraft) -> None:
    """Every problem of a scene as stated (its items' existence is checked by `pinned`)."""
    if not LABEL.fullmatch(d.code):
        v.add("code", "required: 1 to 64 of A-Z a-z 0-9 _ . : -")
    if not d.name.strip() or len(d.name) > MAX_NAME:
        v.add("name", f"required, at most {MAX_NAME} characters")
    if not 1 <= len(d.cooperating) <= MAX_COOPERATING:
        v.add("cooperating_departments", f"a joint visit names 1 to {MAX_COOPERATING} other departments")
    else:
        other_departments(v, "cooperating_departments", lead, d.cooperating, "lead")
    if not 1 <= len(d.items) <= MAX_ITEMS:
        v.add("check_items", f"1 to {MAX_ITEMS} check items")
        return
    _items(v, lead, d)


def _items(v: Violations, lead: str, d: SceneDraft) -> None:
    departments = {lead, *d.cooperating}
    for i, (department, code) in enumerate(d.items):
        if department not in departments:
            v.add(f"check_items[{i}].department", "the lead or one of the cooperating departments")
        if not LABEL.fullmatch(code):
            v.add(f"check_items[{i}].code", "required: the code of an item of that department's list")
        if (department, code) in d.items[:i]:
            v.add(f"check_items[{i}].code", "listed twice")
    idle = sorted(departments - {department for department, _ in d.items})
    if idle and 1 <= len(d.cooperating) <= MAX_COOPERATING:
        v.add(
            "check_items", f"every department of the visit checks something; {', '.join(idle)} checks nothing"
        )


def pinned(
    v: Violations, i: int, department: str, code: str, *, on: dt.date, item: ItemInForce | None
) -> SceneItem | None:
    """The item as it reads on the scene's effective date, or None after recording why it cannot be used."""
    field = f"check_items[{i}].code"
    if item is None:
        v.add(field, f"{code!r} is not in {department}'s random inspection list on {on}")
        return None
    if item.retired_on is not None and item.retired_on <= on:
        v.add(field, f"{code!r} of {department} is retired from {item.retired_on}")
        return None
    return SceneItem(department, code, item.version, item.name, item.inspection_type)
