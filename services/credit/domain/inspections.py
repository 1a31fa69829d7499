"""Which inspection results (双随机 and 综合查一次) become dishonesty records (失信信息), and of
which class: rule sets of kind `inspection_records` (services/credit/rules/INSPECTION-RESULTS-*.json).

A result without a problem never does; with a problem, the first rule whose measure the result
carries decides the class. Periods, repair and objection are the records rule set's in force.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from services.credit.domain.records import CLASSES
from services.credit.domain.schema import Checker
from services.kernel.rule_sets import RuleSet

MEASURES = (
    "RESULT_MEASURE_KIND_ORDER_RECTIFICATION",
    "RESULT_MEASURE_KIND_PENALTY_CASE",
    "RESULT_MEASURE_KIND_REFERRAL",
)


@dataclass(frozen=True)
class RecordRule:
    rule: str  # "<rule set id>/<rule>", kept with the record
    record_class: str


def record_rule(rule_set: RuleSet, problem_found: bool, measures: Iterable[str]) -> RecordRule | None:
    """The rule that makes a record of this result, or None when no record is made."""
    if not problem_found:
        return None
    taken = set(measures)
    for r in rule_set.rules["records"]:
        if r["when_measure"] in taken:
            return RecordRule(f"{rule_set.id}/{r['rule']}", r["class"])
    return None


def check_rules(check: Checker, data: dict[str, Any]) -> None:
    check.text(data, "record_legal_basis", 2000)
    for i, rule in enumerate(check.items(data, "records", at_least=0, at_most=20)):
        nested = check.at(f"records[{i}]")
        if not isinstance(rule, dict):
            nested.add("", "must be an object")
            continue
        nested.text(rule, "rule", 64)
        nested.choice(rule, "when_measure", MEASURES)
        nested.choice(rule, "class", CLASSES)
