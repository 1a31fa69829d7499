"""What a random-inspection plan (双随机抽查计划) must contain (no I/O)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from chengnuo.common.v1 import subject_pb2
from chengnuo.verification.v1 import inspections_pb2 as ipb
from services.kernel import convert
from services.kernel.errors import Violations
from services.kernel.identifiers import validate_region_code
from services.verification.domain import sampling
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


def parse_plan(request: ipb.CreatePlanRequest, owner: str, rules: SamplingRules) -> PlanDraft:
    """The plan, or InvalidArgument naming every problem of the request at once."""
    v = Violations()
    name = request.name.strip()
    if not name or len(name) > MAX_NAME:
        v.add("name", f"required, at most {MAX_NAME} characters")
    departments = check_departments(v, "departments", request.departments, owner)
    items = _check_items(v, request.check_items, departments, owner)
    plan_filter = _filter(v, request.filter)
    ratios = sampling.parse_ratios(v, request.ratios, rules)
    team = request.inspector_requirements
    if not rules.minimum_team <= team.team_size <= MAX_TEAM:
        v.add(
            "inspector_requirements.team_size",
            f"must be {rules.minimum_team} to {MAX_TEAM} (the minimum is from rule set {rules.id})",
        )
    if team.domain and not LABEL.fullmatch(team.domain):
        v.add("inspector_requirements.domain", "letters, digits and _.:- only, at most 64")
    start, end = v.ok(window(v, request.window_start, request.window_end, request.plan_year))
    return PlanDraft(
        name,
        owner,
        departments,
        items,
        plan_filter,
        ratios,
        team.team_size,
        team.domain,
        start,
        end,
        rules.id,
    )


def check_departments(v: Violations, name: str, codes: Sequence[str], caller: str) -> list[str]:
    cleaned = [c.strip() for c in codes]
    if not 1 <= len(cleaned) <= MAX_DEPARTMENTS:
        v.add(name, f"1 to {MAX_DEPARTMENTS} departments")
    for i, code in enumerate(cleaned):
        if not DEPARTMENT_CODE.fullmatch(code):
            v.add(f"{name}[{i}]", "a department code: letters, digits and _.- only, at most 64")
        elif code in cleaned[:i]:
            v.add(f"{name}[{i}]", f"{code} is listed twice")
    if cleaned and caller not in cleaned:
        v.add(name, f"must include the caller's department {caller}")
    return cleaned


def _check_items(
    v: Violations, items: Sequence[ipb.CheckItem], departments: list[str], owner: str
) -> list[CheckItem]:
    if not 1 <= len(items) <= MAX_CHECK_ITEMS:
        v.add("check_items", f"1 to {MAX_CHECK_ITEMS} check items")
    parsed = []
    for i, item in enumerate(items):
        where = f"check_items[{i}]"
        if not LABEL.fullmatch(item.code.strip()):
            v.add(f"{where}.code", "required: letters, digits and _.:- only, at most 64")
        if not item.name.strip() or len(item.name) > MAX_NAME:
            v.add(f"{where}.name", f"required, at most {MAX_NAME} characters")
        if not TYPE_CODE.fullmatch(item.inspection_type):
            v.add(f"{where}.inspection_type", "required: an upper-case code such as FOOD_SAFETY")
        department = item.department.strip() or owner
        if department not in departments:
            v.add(f"{where}.department", f"{department} is not one of the plan's departments")
        parsed.append(CheckItem(item.code.strip(), item.name.strip(), item.inspection_type, department))
    return parsed


def _filter(v: Violations, message: ipb.SubjectFilter) -> Filter:
    for name in ("region_codes", "industries", "kinds", "tags"):
        if len(getattr(message, name)) > MAX_FILTER_VALUES:
            v.add(f"filter.{name}", f"at most {MAX_FILTER_VALUES} values")
    for i, code in enumerate(message.region_codes):
        try:
            validate_region_code(code)
        except ValueError as exc:
            v.add(f"filter.region_codes[{i}]", str(exc))
    for name in ("industries", "tags"):
        for i, label in enumerate(getattr(message, name)):
            if not LABEL.fullmatch(label):
                v.add(f"filter.{name}[{i}]", "letters, digits and _.:- only, at most 64")
    kinds = subject_pb2.SubjectKind
    for i, kind in enumerate(message.kinds):
        if kind == kinds.SUBJECT_KIND_UNSPECIFIED or kind not in kinds.values():
            v.add(f"filter.kinds[{i}]", "a subject kind")
    return Filter(
        list(message.region_codes),
        list(message.industries),
        [kinds.Name(k) for k in message.kinds if k in kinds.values()],
        list(message.tags),
    )


def window(
    v: Violations, start_date: Any, end_date: Any, plan_year: int = 0
) -> tuple[dt.date, dt.date] | None:
    """A window of dates within the plan's year.

    An annual plan (年度抽查计划, 连云港市优化营商环境攻坚年若干政策措施(第4号) 四(三)) belongs to one
    year: the cap of one inspection of a type per enterprise per year and the superior-department
    exclusion count against it. A window across a year end would count one visit against two
    years, so it is refused; the January part is a plan of the next year, which may be drawn in
    December (a draw needs no open window)."""
    if plan_year and not MIN_YEAR <= plan_year <= MAX_YEAR:
        v.add("plan_year", f"0 (the year of window_start) or a year from {MIN_YEAR} to {MAX_YEAR}")
        return None
    start = convert.date_field(v, "window_start", start_date)
    end = convert.date_field(v, "window_end", end_date)
    if not start or not end:
        return None
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
