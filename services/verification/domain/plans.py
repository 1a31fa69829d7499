"""What a random-inspection plan (双随机抽查计划) must contain (no I/O)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.kernel.errors import Violations
from services.verification.domain.refusals import refuse
from services.verification.domain.rules import SamplingRules

MAX_NAME = 200
MAX_DEPARTMENTS = 20
MAX_CHECK_ITEMS = 50
MAX_FILTER_VALUES = 200
MAX_TEAM = 10
MIN_YEAR, MAX_YEAR = 2000, 2100
DEPARTMENT_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
TYPE_CODE = re.compile(r"[A-Z][A-Z0-9_]{0,63}")
LABEL = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
READY = "PLAN_STATUS_READY"
DRAWN = "PLAN_STATUS_DRAWN"


@dataclass(frozen=True)
class CheckItem:
    code: str
    name: str
    inspection_type: str
    department: str

    def as_json(self) -> dict[str, str]:
        return {
            "code": self.code,
            "name": self.name,
            "type": self.inspection_type,
            "department": self.department,
        }

    @classmethod
    def of_json(cls, stored: Mapping[str, str]) -> CheckItem:
        return cls(stored["code"], stored["name"], stored["type"], stored["department"])


@dataclass(frozen=True)
class Filter:
    region_codes: list[str] = field(default_factory=list)
    industries: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "regions": self.region_codes,
            "industries": self.industries,
            "kinds": self.kinds,
            "tags": self.tags,
        }

    @classmethod
    def of_json(cls, stored: Mapping[str, Any]) -> Filter:
        return cls(stored["regions"], stored["industries"], stored["kinds"], stored["tags"])


@dataclass(frozen=True)
class PlanDraft:
    name: str
    owner: str
    departments: list[str]
    check_items: list[CheckItem]
    filter: Filter
    ratios_bp: list[int]
    team_size: int
    domain: str
    window_start: dt.date
    window_end: dt.date
    rule_set: str
    annual_plan_id: uuid.UUID | None = None


def check_team_size(v: Violations, size: int, rules: SamplingRules) -> None:
    """A team has the rule set's minimum of inspectors, and at most MAX_TEAM."""
    if not rules.minimum_team <= size <= MAX_TEAM:
        v.add(
            "inspector_requirements.team_size",
            f"must be {rules.minimum_team} to {MAX_TEAM} (the minimum is from rule set {rules.id})",
        )


def check_plan_year(v: Violations, plan_year: int) -> bool:
    """0 (the year of the window's start) or a year the service plans for."""
    if plan_year and not MIN_YEAR <= plan_year <= MAX_YEAR:
        v.add("plan_year", f"0 (the year of window_start) or a year from {MIN_YEAR} to {MAX_YEAR}")
        return False
    return True


def annual_window(
    v: Violations, start: dt.date, end: dt.date, plan_year: int = 0
) -> tuple[dt.date, dt.date] | None:
    """A window of dates within the plan's year.

    An annual plan (年度抽查计划, 《连云港市优化营商环境攻坚年若干政策措施(第4号)》四(三)) belongs to
    one year: the cap of one inspection of a type per enterprise per year and the superior-department
    exclusion count against it. A window across a year end would count one visit against two
    years, so it is refused; the January part is a plan of the next year, which may be drawn in
    December (a draw needs no open window)."""
    if end < start:
        v.add("window_end", "must not be before window_start")
        return None
    year = plan_year or start.year
    if start.year != year:
        v.add("window_start", f"must lie in the plan's year {year}")
        return None
    if end.year != year:
        v.add(
            "window_end",
            f"an annual plan (年度抽查计划) belongs to one year: this one ({year}) ends by {year}-12-31;"
            f" plan the days from {year + 1}-01-01 as a {year + 1} plan (it may be drawn now)",
        )
        return None
    return start, end


def check_drawable(plan_id: str, status: str, draw_id: object) -> None:
    """A plan is drawn once (the draw is published and may be re-run, never redone)."""
    if status != READY:
        raise refuse("PLAN_ALREADY_DRAWN", plan_id, f"the plan was drawn as {draw_id}")


def other_departments(v: Violations, field: str, own: str, codes: Sequence[str], own_role: str) -> None:
    """Departments named besides `own` (a joint draw's or a visit's others): codes, each once, not
    `own`, which takes part anyway."""
    for j, code in enumerate(codes):
        if not DEPARTMENT_CODE.fullmatch(code):
            v.add(f"{field}[{j}]", "not a department code")
        elif code == own:
            v.add(f"{field}[{j}]", f"the {own_role} department takes part anyway; name the others")
        elif code in codes[:j]:
            v.add(f"{field}[{j}]", f"{code} is listed twice")
