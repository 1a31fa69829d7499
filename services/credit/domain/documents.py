"""Reading a rule set document (JSON) into a RuleSet, naming every problem by its path.

An administrator loads rule sets as data; a document that would break a decision later is
refused now, with the path of each bad value (e.g. `document.periods.ORDINARY.maximum_months`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from services.credit.domain import blacklist, grades, inspections, measures, persons, records
from services.credit.domain.rule_sets import KINDS
from services.credit.domain.schema import Checker
from services.kernel.identifiers import validate_region_code
from services.kernel.rule_sets import RuleSet

MAX_DOCUMENT = 200_000
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

_VALIDATORS: dict[str, Callable[[Checker, dict[str, Any]], None]] = {
    "records": records.check_rules,
    "grading": grades.check_rules,
    "blacklist": blacklist.check_rules,
    "measures": measures.check_rules,
    "inspection_records": inspections.check_rules,
    "responsible_persons": persons.check_rules,
}


def parse(text: str, field: str = "document") -> tuple[RuleSet | None, list[tuple[str, str]]]:
    """The rule set, or None and every (field, problem)."""
    if len(text) > MAX_DOCUMENT:
        return None, [(field, f"at most {MAX_DOCUMENT} characters")]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [(field, f"not JSON: {exc}")]
    if not isinstance(data, dict):
        return None, [(field, "must be a JSON object")]
    check = Checker(field)
    rule_set = _header(check, data)
    if rule_set is not None:
        _VALIDATORS[rule_set.kind](check, data)
    return (rule_set if not check.problems else None), check.problems


def _header(check: Checker, data: dict[str, Any]) -> RuleSet | None:
    rule_set_id = check.text(data, "id", 64)
    if rule_set_id and not _ID.fullmatch(rule_set_id):
        check.add("id", "letters, digits, '.', '_' or '-', starting with a letter or digit")
    kind = check.choice(data, "kind", KINDS)
    region = _region(check, data)
    start = check.date(data, "effective_from")
    end = check.date(data, "effective_to", required=False)
    if start and end and end < start:
        check.add("effective_to", "must not be before effective_from")
    citation = check.text(data, "citation", 2000)
    if check.problems or not (rule_set_id and kind and start and citation):
        return None
    return RuleSet(rule_set_id, kind, region, start, end, citation, data)


def _region(check: Checker, data: dict[str, Any]) -> str:
    region = data.get("region", "")
    if region in ("", None):
        return ""
    try:
        return validate_region_code(str(region))
    except ValueError as exc:
        check.add("region", str(exc))
        return ""
