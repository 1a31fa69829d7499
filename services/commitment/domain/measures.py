"""Measures that act after a verification found a commitment false (承诺不实), with no I/O:
终止办理 stops the matter, 撤销 revokes the licence granted on it, and for safety-related items each
bars the subject from applying for that item again for a period (不得再次申请).

The measures on a false commitment are 终止办理、责令限期整改、撤销行政决定、给予行政处罚
(《祁阳市提升行政执法质量建设法治营商环境工作方案》三(三)12); the bans are
《中华人民共和国行政许可法》第七十八条 (1 year: false materials, licence not granted) and 第七十九条
(3 years: licence obtained by deception, revoked). The periods are rule data
(services/commitment/rules/REAPPLICATION-*.json), chosen by the decision date.
"""

from __future__ import annotations

import calendar
import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from services.commitment.domain.eligibility import Restriction
from services.kernel.rule_sets import RuleSet, choose

STOP_PROCESSING = "MEASURE_KIND_STOP_PROCESSING"
REVOKE_DECISION = "MEASURE_KIND_REVOKE_DECISION"
ACTING = (STOP_PROCESSING, REVOKE_DECISION)
KIND = "reapplication"
BANNED = "REAPPLICATION_BANNED"


@dataclass(frozen=True, slots=True)
class Taken:
    """One acting measure of a conclusion: its kind and the legal basis the decision states."""

    kind: str  # STOP_PROCESSING or REVOKE_DECISION
    legal_basis: str


@dataclass(frozen=True, slots=True)
class Decision:
    """A measure that acted on the commitment's matter: when, by whom, on which basis, and the
    re-application ban it brought for the item, if any."""

    decided_on: dt.date
    department: str
    task_id: uuid.UUID
    legal_basis: str
    ban_ends_on: dt.date | None = None  # the first day the subject may apply again
    ban_rule_set: str = ""


@dataclass(frozen=True, slots=True)
class Ban:
    """不得再次申请 for one (subject, item): from the decision until the day before `ends_on`."""

    measure: str
    decided_on: dt.date
    last_day: dt.date
    ends_on: dt.date  # the first day the subject may apply again
    rule_set: str
    label: str
    citation: str

    def description(self, department: str, commitment_code: str) -> str:
        return (
            f"{self.label} by {department} on {self.decided_on.isoformat()} (commitment {commitment_code}):"
            f" no new application for this item through {self.last_day.isoformat()}; {self.citation}"
        )


def acting(measures: Iterable[tuple[str, str]]) -> list[Taken]:
    """The measures of a conclusion that act on the matter, once per kind (the first's basis)."""
    found: dict[str, Taken] = {}
    for kind, basis in measures:
        if kind in ACTING and kind not in found:
            found[kind] = Taken(kind, basis.strip())
    return list(found.values())


def years_after(day: dt.date, years: int) -> dt.date:
    """The same day `years` later, or the last day of that month when it has none (29 February)
    (《中华人民共和国民法典》第二百零二条: 没有对应日的，月末日为期间的最后一日)."""
    year = day.year + years
    return dt.date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


def ban_for(rule_sets: Iterable[RuleSet], measure: str, safety_related: bool, decided: dt.date) -> Ban | None:
    """The ban a measure decided on `decided` imposes, or None (not safety-related, or no rule)."""
    rule_set = choose(rule_sets, KIND, decided, service="commitment")
    for rule in rule_set.rules["bans"]:
        if rule["measure"] != measure:
            continue
        if rule["safety_related_only"] and not safety_related:
            return None
        # The decision day does not count (《中华人民共和国民法典》第二百零一条); the period's last day
        # is its anniversary, so the subject may apply again the day after.
        last = years_after(decided, int(rule["years"]))
        return Ban(
            measure=measure,
            decided_on=decided,
            last_day=last,
            ends_on=last + dt.timedelta(days=1),
            rule_set=rule_set.id,
            label=str(rule["label"]),
            citation=str(rule["citation"]),
        )
    return None


def decide(
    rule_sets: Iterable[RuleSet],
    measure: Taken,
    safety_related: bool,
    *,
    decided: dt.date,
    department: str,
    task_id: uuid.UUID,
) -> tuple[Decision, Ban | None]:
    """The decision a measure leaves on the commitment, and the ban it brings, if any."""
    ban = ban_for(rule_sets, measure.kind, safety_related, decided)
    decision = Decision(
        decided_on=decided,
        department=department,
        task_id=task_id,
        legal_basis=measure.legal_basis,
        ban_ends_on=ban.ends_on if ban else None,
        ban_rule_set=ban.rule_set if ban else "",
    )
    return decision, ban


def restriction(task_id: str, description: str, ends_on: dt.date) -> Restriction:
    """A stored ban as the eligibility reason it is (for its item only)."""
    return Restriction(BANNED, task_id, description, ends_on=ends_on)
