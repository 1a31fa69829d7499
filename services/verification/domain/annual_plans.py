"""Annual inspection plans (年度检查计划): what a valid plan lists and how it changes (no I/O).

《连云港市优化营商环境攻坚年若干政策措施(第4号)》四(三) has each department plan its inspections
for the year; an inspection outside the plan must be registered (报备) ahead. So a plan names
items of the department's own random inspection list (随机抽查事项清单) with the windows in which
it will draw, is changed only while a draft, and once published stays as it was published.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.kernel.errors import Violations
from services.verification.domain.plans import (
    MAX_NAME,
    MAX_YEAR,
    MIN_YEAR,
    other_departments,
)
from services.verification.domain.refusals import refuse

MAX_COOPERATING = 20
MAX_NOTE = 500
DRAFT = "ANNUAL_PLAN_STATUS_DRAFT"
PUBLISHED = "ANNUAL_PLAN_STATUS_PUBLISHED"
RANDOM_DRAW = "PLANNED_CHECK_KIND_RANDOM_DRAW"
JOINT_DRAW = "PLANNED_CHECK_KIND_JOINT_DRAW"


@dataclass(frozen=True, slots=True)
class EntryDraft:
    check_item_code: str
    kind: str  # a PlannedCheckKind name, "" when the request left it unset
    window_start: dt.date
    window_end: dt.date
    cooperating: tuple[str, ...]
    note: str


@dataclass(frozen=True, slots=True)
class ItemInForce:
    """What a plan entry needs of the list's item: the version in force on its first day."""

    version: int
    name: str
    inspection_type: str
    retired_on: dt.date | None
    advance_notice_allowed: bool = True
    no_notice_reason: str = ""


@dataclass(frozen=True, slots=True)
class Entry:
    """A planned check as the plan keeps it: the item as it read when planned."""

    check_item_code: str
    check_item_version: int
    check_item_name: str
    inspection_type: str
    kind: str
    window_start: dt.date
    window_end: dt.date
    cooperating: tuple[str, ...]
    note: str

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.check_item_code,
            "version": self.check_item_version,
            "name": self.check_item_name,
            "type": self.inspection_type,
            "kind": self.kind,
            "start": self.window_start.isoformat(),
            "end": self.window_end.isoformat(),
            "cooperating": list(self.cooperating),
            "note": self.note,
        }

    @classmethod
    def of_json(cls, data: Mapping[str, Any]) -> Entry:
        return cls(
            data["code"],
            int(data["version"]),
            data["name"],
            data["type"],
            data["kind"],
            dt.date.fromisoformat(data["start"]),
            dt.date.fromisoformat(data["end"]),
            tuple(data["cooperating"]),
            data["note"],
        )


def check_heading(v: Violations, year: int, name: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        v.add("year", f"required: {MIN_YEAR} to {MAX_YEAR}")
    if not name.strip() or len(name) > MAX_NAME:
        v.add("name", f"required, at most {MAX_NAME} characters")


def check_entries(
    v: Violations, year: int, department: str, entries: Sequence[EntryDraft], most: int
) -> None:
    """Every problem of the entries as stated (the list's items are checked by `pinned`)."""
    if len(entries) > most:
        v.add("entries", f"at most {most} entries")
        return
    seen: set[tuple[str, str, dt.date]] = set()
    for i, e in enumerate(entries):
        where = f"entries[{i}]"
        if not e.kind:
            v.add(f"{where}.kind", "required: a random draw or a joint draw")
        _window(v, where, year, e)
        _cooperating(v, where, department, e)
        if len(e.note) > MAX_NOTE:
            v.add(f"{where}.note", f"at most {MAX_NOTE} characters")
        key = (e.check_item_code, e.kind, e.window_start)
        if key in seen:
            v.add(f"{where}.check_item_code", "the same check of the item in the same window is listed twice")
        seen.add(key)


def _window(v: Violations, where: str, year: int, e: EntryDraft) -> None:
    if e.window_start.year != year:
        v.add(f"{where}.window_start", f"must lie in the plan's year {year}")
    elif e.window_end.year != year:
        v.add(f"{where}.window_end", f"must lie in the plan's year {year}")
    elif e.window_end < e.window_start:
        v.add(f"{where}.window_end", "must not be before window_start")


def _cooperating(v: Violations, where: str, department: str, e: EntryDraft) -> None:
    field = f"{where}.cooperating_departments"
    if e.kind == JOINT_DRAW and not 1 <= len(e.cooperating) <= MAX_COOPERATING:
        v.add(field, f"a joint draw names 1 to {MAX_COOPERATING} other departments")
        return
    if e.kind != JOINT_DRAW and e.cooperating:
        v.add(field, "only a joint draw has cooperating departments")
        return
    other_departments(v, field, department, e.cooperating, "planning")


def pinned(v: Violations, where: str, e: EntryDraft, item: ItemInForce | None) -> Entry | None:
    """The entry with the list's item as it reads on the window's first day, or None after
    recording why the item cannot be planned then."""
    field = f"{where}.check_item_code"
    if item is None:
        v.add(
            field,
            f"{e.check_item_code!r} is not in the department's random inspection list on {e.window_start}",
        )
        return None
    if item.retired_on is not None and item.retired_on <= e.window_end:
        v.add(field, f"{e.check_item_code!r} is retired from {item.retired_on}, within the window")
        return None
    return Entry(
        e.check_item_code,
        item.version,
        item.name,
        item.inspection_type,
        e.kind,
        e.window_start,
        e.window_end,
        e.cooperating,
        e.note.strip(),
    )


def check_draft_at(plan_id: str, status: str, revision: int, expected: int) -> None:
    """A plan still a draft, at the revision the caller read."""
    if status != DRAFT:
        raise refuse(
            "ANNUAL_PLAN_PUBLISHED", plan_id, "a published plan is not changed; register what it lacks"
        )
    if expected != revision:
        raise refuse("REVISION_CHANGED", plan_id, f"now at revision {revision}")


def carried_out(plan_id: str, status: str, entries: Sequence[Entry], draw: DrawFacts, v: Violations) -> None:
    """A random-inspection plan that says it carries out an annual plan does: the annual plan is
    published, and each of the department's check items is planned there for the draw's window,
    with the same inspection type and the draw's kind."""
    if status != PUBLISHED:
        raise refuse("ANNUAL_PLAN_NOT_PUBLISHED", plan_id, "only a published annual plan is carried out")
    kind = JOINT_DRAW if draw.joint else RANDOM_DRAW
    for i, (code, inspection_type) in enumerate(draw.items):
        planned = [
            e
            for e in entries
            if e.check_item_code == code
            and e.kind == kind
            and e.window_start <= draw.window_start
            and draw.window_end <= e.window_end
        ]
        if not planned:
            what = "joint" if draw.joint else "random"
            v.add(
                f"check_items[{i}].code",
                f"{code!r} is not planned as a {what} draw from {draw.window_start} to {draw.window_end}"
                f" in annual plan {plan_id}; register an unplanned inspection instead",
            )
        elif all(e.inspection_type != inspection_type for e in planned):
            v.add(
                f"check_items[{i}].inspection_type",
                f"annual plan {plan_id} plans {code!r} as {planned[0].inspection_type}",
            )


@dataclass(frozen=True, slots=True)
class DrawFacts:
    """What a random-inspection plan states that its annual plan must cover."""

    joint: bool
    window_start: dt.date
    window_end: dt.date
    items: tuple[tuple[str, str], ...]  # the department's own check items: (code, inspection type)
