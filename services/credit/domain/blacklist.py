"""The serious-dishonesty list (严重失信主体名单): notice, statement period, removal dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from services.credit.domain.records import CLASSES, add_months
from services.credit.domain.schema import Checker
from services.kernel.calendar import WorkingCalendar
from services.kernel.rule_sets import RuleSet


@dataclass(frozen=True)
class Notice:
    """告知书 before listing (domain.md §5): basis, reasons, measures, removal, remedies."""

    legal_basis: str
    reasons: str
    measures: tuple[str, ...]
    removal_conditions: str
    remedies: str
    statement_until: dt.date
    provisional: bool


@dataclass(frozen=True)
class Term:
    listed_on: dt.date
    early_removal_from: dt.date
    removal_due: dt.date


def notice(
    rule_set: RuleSet,
    calendar: WorkingCalendar,
    proposed_on: dt.date,
    reasons: str,
    measure_names: list[str],
) -> Notice:
    rules = rule_set.rules
    until = calendar.add_working_days(proposed_on, int(rules["statement_working_days"]))
    return Notice(
        legal_basis=rules["legal_basis"],
        reasons=reasons,
        measures=tuple(measure_names),
        removal_conditions=rules["removal_conditions"].format(**_numbers(rules)),
        remedies=rules["remedies"].format(statement_until=until.date.isoformat()),
        statement_until=until.date,
        provisional=until.provisional,
    )


def _numbers(rules: dict[str, Any]) -> dict[str, int]:
    return {k: int(rules[k]) for k in ("early_removal_months", "automatic_removal_months")}


def term(rule_set: RuleSet, listed_on: dt.date) -> Term:
    numbers = _numbers(rule_set.rules)
    return Term(
        listed_on,
        add_months(listed_on, numbers["early_removal_months"]),
        add_months(listed_on, numbers["automatic_removal_months"]),
    )


def basis_classes(rule_set: RuleSet) -> tuple[str, ...]:
    return tuple(rule_set.rules["basis_classes"])


def check_rules(check: Checker, data: dict[str, Any]) -> None:
    for i, value in enumerate(check.items(data, "basis_classes", at_most=len(CLASSES))):
        if value not in CLASSES:
            check.add(f"basis_classes[{i}]", f"one of {', '.join(CLASSES)}")
    check.integer(data, "statement_working_days", 1, 60)
    early = check.integer(data, "early_removal_months", 0, 120)
    automatic = check.integer(data, "automatic_removal_months", 1, 120)
    if early is not None and automatic is not None and early > automatic:
        check.add("early_removal_months", "must not exceed automatic_removal_months")
    check.text(data, "legal_basis", 2000)
    check.template(data, "removal_conditions", 2000, ("early_removal_months", "automatic_removal_months"))
    check.template(data, "remedies", 2000, ("statement_until",))
