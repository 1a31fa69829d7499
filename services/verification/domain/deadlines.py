"""Deadlines of verification: the check itself, and the publication of its outcome.

Working days come from the official calendar; an answer that relies on a year with no loaded
schedule is provisional and is recomputed when that year arrives (consumers.DeadlineRecompute).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from services.kernel.calendar import DateAnswer, WorkingCalendar
from services.verification.domain.rules import PublicationRules


def due_date(calendar: WorkingCalendar, approved_on: dt.date, working_days: int) -> DateAnswer:
    """The check concludes within `working_days` working days after approval
    (《祁阳市提升行政执法质量建设法治营商环境工作方案》三(三)12)."""
    return calendar.add_working_days(approved_on, working_days)


@dataclass(frozen=True)
class PublicationDeadlines:
    push: dt.date  # to the supervision platforms (《连云港市优化营商环境攻坚年若干政策措施(第4号)》四(四))
    publish: DateAnswer  # to the public (《祁阳市提升行政执法质量建设法治营商环境工作方案》三(一)1)
    decision: DateAnswer | None  # licence/penalty decision (双公示), when a measure is one
    rule_set: str


def publication_deadlines(
    calendar: WorkingCalendar, rules: PublicationRules, decided: dt.date, measures: Iterable[str]
) -> PublicationDeadlines:
    decision = None
    if rules.decision_measures.intersection(measures):
        decision = calendar.add_working_days(decided, rules.decision_working_days)
    return PublicationDeadlines(
        push=decided + dt.timedelta(days=rules.push_days),
        publish=calendar.add_working_days(decided, rules.publish_working_days),
        decision=decision,
        rule_set=rules.id,
    )
