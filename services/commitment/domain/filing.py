"""Filing (备案) of published catalogue versions with the justice bureau, with no I/O.

After every change the two lists are re-published and filed within a period of working days
(《鄂尔多斯市行政执法质量提升方案》(五) 全面推行证明事项告知承诺制, 进度安排); the period is rule
data (services/commitment/rules/FILING-*.json, read by store/rules.py), chosen by the publication
date and the department's region like the credit rule sets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from services.kernel.calendar import WorkingCalendar
from services.kernel.clock import china_date
from services.kernel.errors import InvalidArgument
from services.kernel.identifiers import region_covers


@dataclass(frozen=True, slots=True)
class FilingRule:
    id: str
    region: str
    effective_from: dt.date
    effective_to: dt.date | None
    citation: str
    working_days: int

    def applies(self, day: dt.date, region: str) -> bool:
        in_force = self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)
        return in_force and (not self.region or region_covers(self.region, region))


@dataclass(frozen=True, slots=True)
class Due:
    date: dt.date
    provisional: bool
    rule: FilingRule


def rule_of(data: dict[str, object]) -> FilingRule:
    """A filing rule as its rule file states it."""
    until = data.get("effective_to")
    return FilingRule(
        id=str(data["id"]),
        region=str(data["region"]),
        effective_from=dt.date.fromisoformat(str(data["effective_from"])),
        effective_to=dt.date.fromisoformat(str(until)) if until else None,
        citation=str(data["citation"]),
        working_days=int(str(data["filing_working_days"])),
    )


def choose(rules: Iterable[FilingRule], published_on: dt.date, region: str) -> FilingRule | None:
    """The rule in force on the publication day; a narrower region beats a wider one."""
    candidates = [r for r in rules if r.applies(published_on, region)]
    return max(candidates, key=lambda r: len(r.region.rstrip("0")), default=None)


def due(
    rules: Iterable[FilingRule], calendar: WorkingCalendar, published_on: dt.date, region: str
) -> Due | None:
    rule = choose(rules, published_on, region)
    if rule is None:
        return None
    answer = calendar.add_working_days(published_on, rule.working_days)
    return Due(answer.date, answer.provisional, rule)


def status(deadline: Due | None, filed_on: dt.date | None, today: dt.date) -> str:
    """A FilingStatus name: filed (on time or late), pending, overdue, or no deadline."""
    if filed_on is not None:
        late = deadline is not None and filed_on > deadline.date
        return "FILING_STATUS_FILED_LATE" if late else "FILING_STATUS_FILED"
    if deadline is None:
        return "FILING_STATUS_NO_DEADLINE"
    return "FILING_STATUS_OVERDUE" if today > deadline.date else "FILING_STATUS_PENDING"


def check_filed(filed_on: dt.date, published_at: dt.datetime) -> None:
    """A version cannot have been filed before it was published (the day in China)."""
    if filed_on < china_date(published_at):
        raise InvalidArgument.one("filed_on", "must not be before the version was published")
