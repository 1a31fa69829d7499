"""Verification rule sets: which one is in force, and typed views of their numbers.

The numbers live in rule sets (services/verification/rules/*.json, loaded into the database);
this module only reads them. Each decision records the id of the rule set it applied.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from services.contracts.draw_algorithm import GRADES
from services.kernel.rule_sets import RuleSet, choose


@dataclass(frozen=True)
class Band:
    min_bp: int
    max_bp: int
    default_bp: int


@dataclass(frozen=True)
class SamplingRules:
    id: str
    bands: dict[int, Band]  # by grade 1..4
    ungraded: int
    priority_always_drawn: bool
    minimum_team: int
    # Grades a subject's sampling class moves by its risk level (风险等级), indexed by the level:
    # 0 not assessed, 1 一级 (highest risk) to 3 三级; all 0 in a rule set without risk levels.
    risk_shifts: tuple[int, int, int, int] = (0, 0, 0, 0)

    def sampling_class(self, grade: int, risk_level: int) -> int:
        """The stratum a subject is drawn in: its grade moved by its risk level, within A-D."""
        return min(len(GRADES), max(1, grade + self.risk_shifts[risk_level]))

    @classmethod
    def of(cls, rule_set: RuleSet) -> SamplingRules:
        r = rule_set.rules
        bands = {
            i + 1: Band(
                _bp(r["grades"][g]["min_percent"]),
                _bp(r["grades"][g]["max_percent"]),
                _bp(r["grades"][g]["default_percent"]),
            )
            for i, g in enumerate(GRADES)
        }
        return cls(
            id=rule_set.id,
            bands=bands,
            ungraded=grade_number(r["ungraded"]["grade"]),
            priority_always_drawn=bool(r["priority_supervision"]["always_drawn"]),
            minimum_team=int(r["team"]["minimum_inspectors"]),
            risk_shifts=_risk_shifts(r.get("risk_levels")),
        )


@dataclass(frozen=True)
class PublicationRules:
    id: str
    push_days: int
    publish_working_days: int
    decision_working_days: int
    decision_measures: frozenset[str]

    @classmethod
    def of(cls, rule_set: RuleSet) -> PublicationRules:
        r = rule_set.rules
        return cls(
            id=rule_set.id,
            push_days=int(r["push"]["days"]),
            publish_working_days=int(r["publish"]["working_days"]),
            decision_working_days=int(r["decision_publish"]["working_days"]),
            decision_measures=frozenset(r["decision_publish"]["measures"]),
        )


@dataclass(frozen=True)
class JointRules:
    """The annual cap and the superior-department rule.

    `exempt_types` are the types the cap does not apply to. JOINT-2022 read the consent
    exemptions (commitment items, environment, safety, special checks) as cap exemptions and
    applied them to the superior rule too; from JOINT-2026 the cap's only exception is a type a
    law provides otherwise for (`otherwise_provided`, with its basis), and the superior rule has
    its own list (empty: the text has no exception)."""

    id: str
    annual_cap: int
    exempt_types: frozenset[str]
    superior_excludes: bool
    superior_exempt_types: frozenset[str] = frozenset()
    otherwise_provided: tuple[tuple[str, str], ...] = ()  # (inspection type, legal basis)

    @classmethod
    def of(cls, rule_set: RuleSet) -> JointRules:
        r = rule_set.rules
        exempt = frozenset(r["exempt_types"]["types"])
        superior = r["superior_inspected_excludes"]
        provided = tuple((e["inspection_type"], e["legal_basis"]) for e in r.get("otherwise_provided", []))
        return cls(
            id=rule_set.id,
            annual_cap=int(r["annual_cap_per_type"]["count"]),
            exempt_types=exempt | {t for t, _ in provided},
            superior_excludes=bool(superior["applies"]),
            # JOINT-2022 has no list of its own: its exempt types were exempt from both rules
            superior_exempt_types=frozenset(superior.get("exempt_types", exempt)),
            otherwise_provided=provided,
        )


@dataclass(frozen=True)
class RegistrationRules:
    """Registration (报备) of inspections outside the plans and the joint meeting's consent."""

    id: str
    days_ahead: int  # calendar days
    consent_required: bool
    consent_exempt_types: frozenset[str]
    citation: str

    @classmethod
    def of(cls, rule_set: RuleSet) -> RegistrationRules:
        r = rule_set.rules
        return cls(
            id=rule_set.id,
            days_ahead=int(r["registration"]["calendar_days_ahead"]),
            consent_required=bool(r["consent"]["required"]),
            consent_exempt_types=frozenset(r["consent"]["exempt_types"]),
            citation=rule_set.citation,
        )


@dataclass(frozen=True)
class TaskRules:
    id: str
    on_site_minimum_inspectors: int
    max_extension_working_days: int

    @classmethod
    def of(cls, rule_set: RuleSet) -> TaskRules:
        r = rule_set.rules
        return cls(
            id=rule_set.id,
            on_site_minimum_inspectors=int(r["on_site_minimum_inspectors"]["count"]),
            max_extension_working_days=int(r["extension"]["max_working_days"]),
        )


@dataclass(frozen=True)
class AnnualPlanRules:
    id: str
    report_working_days: int
    completion_report_working_days: int
    max_entries: int

    @classmethod
    def of(cls, rule_set: RuleSet) -> AnnualPlanRules:
        r = rule_set.rules
        return cls(
            id=rule_set.id,
            report_working_days=int(r["report"]["working_days"]),
            completion_report_working_days=int(r["completion_report"]["working_days"]),
            max_entries=int(r["entries"]["max"]),
        )


@dataclass(frozen=True)
class EscalationRules:
    id: str
    resolution_working_days: int  # an unverifiable check (无法核实) is resolved within these

    @classmethod
    def of(cls, rule_set: RuleSet) -> EscalationRules:
        return cls(id=rule_set.id, resolution_working_days=int(rule_set.rules["resolution"]["working_days"]))


class RuleBook:
    """All rule sets known to the service, with a typed view per kind for a given day."""

    def __init__(self, rule_sets: Iterable[RuleSet]) -> None:
        self.rule_sets = list(rule_sets)

    def sampling(self, day: dt.date) -> SamplingRules:
        return SamplingRules.of(choose(self.rule_sets, "sampling", day))

    def publication(self, day: dt.date, region: str = "") -> PublicationRules:
        return PublicationRules.of(choose(self.rule_sets, "publication", day, region))

    def joint(self, day: dt.date) -> JointRules:
        return JointRules.of(choose(self.rule_sets, "joint", day))

    def tasks(self, day: dt.date) -> TaskRules:
        return TaskRules.of(choose(self.rule_sets, "tasks", day))

    def annual_plan(self, day: dt.date) -> AnnualPlanRules:
        return AnnualPlanRules.of(choose(self.rule_sets, "annual_plan", day))

    def escalation(self, day: dt.date) -> EscalationRules:
        return EscalationRules.of(choose(self.rule_sets, "escalation", day))

    def registration(self, day: dt.date) -> RegistrationRules:
        return RegistrationRules.of(choose(self.rule_sets, "registration", day))


def grade_number(letter: str) -> int:
    return GRADES.index(letter) + 1


def _bp(percent: float) -> int:
    return round(float(percent) * 100)


def _risk_shifts(levels: dict[str, Any] | None) -> tuple[int, int, int, int]:
    if not levels:
        return (0, 0, 0, 0)
    first, second, third = (int(levels[k]["grade_shift"]) for k in ("1", "2", "3"))
    return (0, first, second, third)
