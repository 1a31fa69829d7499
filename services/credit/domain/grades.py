"""Credit grades A/B/C/D (国市监信发〔2022〕6号): a score whose every point has a reason."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from services.credit.domain.feeds import GATHERED_KINDS
from services.credit.domain.records import CLASSES, add_months
from services.credit.domain.schema import Checker
from services.kernel.rule_sets import RuleSet

GRADES = ("A", "B", "C", "D")
UNGRADED = "B"  # what readers assume for a subject never graded
WHEN = ("active_record", "listed", "kept_commitment_within_months", "gathered_within_months")


@dataclass(frozen=True)
class Inputs:
    records: tuple[tuple[str, str], ...] = ()  # (record id, class) of records in force
    listed: tuple[str, ...] = ()  # entry ids of listings in force
    kept: tuple[tuple[str, dt.date], ...] = ()  # (commitment id, decision date) verified true
    # (information id, kind, decision date, description) gathered from other departments (归集)
    gathered: tuple[tuple[str, str, dt.date, str], ...] = ()


@dataclass(frozen=True)
class Point:
    rule: str
    points: int
    reason: str


@dataclass(frozen=True)
class Result:
    grade: str
    score: int
    rule_set: str
    points: tuple[Point, ...]
    # When the passing of time alone may change the result (a window closing).
    review_on: dt.date | None = None

    @property
    def reasons(self) -> list[str]:
        return [f"{p.points:+d} {p.reason} [{p.rule}]" for p in self.points]


@dataclass
class _Tally:
    points: list[Point] = field(default_factory=list)
    review: list[dt.date] = field(default_factory=list)


def grade(rule_set: RuleSet, inputs: Inputs, today: dt.date) -> Result:
    rules = rule_set.rules
    tally = _Tally([Point("baseline", int(rules["baseline"]["score"]), rules["baseline"]["reason"])])
    for rule in rules["points"]:
        _apply(rule, inputs, today, tally)
    score = sum(p.points for p in tally.points)
    letter = next(g["grade"] for g in rules["grades"] if g["min_score"] is None or score >= g["min_score"])
    return Result(letter, score, rule_set.id, tuple(tally.points), min(tally.review, default=None))


def _apply(rule: dict[str, Any], inputs: Inputs, today: dt.date, tally: _Tally) -> None:
    name, points, reason = rule["rule"], int(rule["points"]), rule["reason"]
    match rule["when"]:
        case "active_record":
            hits = [f"record {i}" for i, c in inputs.records if c == rule["class"]]
        case "listed":
            hits = [f"list entry {e}" for e in inputs.listed]
        case "kept_commitment_within_months":
            hits = _kept(rule, inputs, today, tally)
        case "gathered_within_months":
            hits = _gathered(rule, inputs, today, tally)
        case other:
            raise ValueError(f"unknown grading condition {other!r}")
    cap = rule.get("max_total")
    for hit in hits:
        if cap is not None and abs(sum(p.points for p in tally.points if p.rule == name) + points) > cap:
            break
        tally.points.append(Point(name, points, f"{reason}: {hit}"))


def _kept(rule: dict[str, Any], inputs: Inputs, today: dt.date, tally: _Tally) -> list[str]:
    months = int(rule["months"])
    recent = sorted((d, c) for c, d in inputs.kept if add_months(d, months) > today)
    tally.review += [add_months(d, months) for d, _ in recent]
    return [f"commitment {c} ({d})" for d, c in recent]


def _gathered(rule: dict[str, Any], inputs: Inputs, today: dt.date, tally: _Tally) -> list[str]:
    """Information of the rule's kind decided within the window (and not in the future): it counts
    until the window closes, so the grade is reviewed then."""
    months = int(rule["months"])
    recent = sorted(
        (d, i, text)
        for i, kind, d, text in inputs.gathered
        if kind == rule["kind"] and d <= today < add_months(d, months)
    )
    tally.review += [add_months(d, months) for d, _, _ in recent]
    return [f"{text} ({d})" for d, _, text in recent]


def check_rules(check: Checker, data: dict[str, Any]) -> None:
    baseline = check.obj(data, "baseline")
    check.at("baseline").integer(baseline, "score", 0, 1000)
    check.at("baseline").text(baseline, "reason", 500)
    for i, rule in enumerate(check.items(data, "points", at_least=0)):
        _check_point(check.at(f"points[{i}]"), rule if isinstance(rule, dict) else {})
    _check_grades(check, check.items(data, "grades", at_least=len(GRADES), at_most=len(GRADES)))


def _check_point(check: Checker, rule: dict[str, Any]) -> None:
    check.text(rule, "rule", 64)
    check.text(rule, "reason", 500)
    check.integer(rule, "points", -1000, 1000)
    when = check.choice(rule, "when", WHEN)
    if when == "active_record":
        check.choice(rule, "class", CLASSES)
    if when in {"kept_commitment_within_months", "gathered_within_months"}:
        check.integer(rule, "months", 1, 120)
    if when == "gathered_within_months":
        check.choice(rule, "kind", GATHERED_KINDS)
    if rule.get("max_total") is not None:
        check.integer(rule, "max_total", 0, 1000)


def _check_grades(check: Checker, grades: list[Any]) -> None:
    letters = [g.get("grade") if isinstance(g, dict) else None for g in grades]
    if grades and letters != list(GRADES):
        check.add("grades", "must list A, B, C and D in this order")
        return
    floors = [g.get("min_score") for g in grades]
    if grades and (floors[-1] is not None or any(not isinstance(f, int) for f in floors[:-1])):
        check.add("grades", "A, B and C need a whole-number min_score; D takes the rest (null)")
    elif grades and floors[:-1] != sorted(floors[:-1], reverse=True):
        check.add("grades", "min_score must fall from A to C")
