"""The serious-dishonesty list (严重失信主体名单): notice, statement period, listing, removal.

A subject is told before it is listed: the reasons, the basis and its rights (《国务院办公厅关于
进一步完善失信约束制度构建诚信建设长效机制的指导意见》(国办发〔2020〕49号)第（八）条), and may make
statements (陈述申辩). The notice tells the subject only once it is served (送达), so the statement
period runs from the day of service, not from the proposal; a listing waits until it has run, and a
notice never served lets no listing through.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from services.credit.domain.records import CLASSES, REVOKED, Record, add_months
from services.credit.domain.refusals import refusal, refuse
from services.credit.domain.schema import Checker
from services.kernel.calendar import WorkingCalendar
from services.kernel.errors import FailedPrecondition, NotFound, PermissionDenied
from services.kernel.identifiers import region_covers
from services.kernel.rule_sets import RuleSet

PROPOSED = "LIST_ENTRY_STATUS_PROPOSED"
LISTED = "LIST_ENTRY_STATUS_LISTED"
REMOVED = "LIST_ENTRY_STATUS_REMOVED"
NOT_LISTED = "LIST_ENTRY_STATUS_NOT_LISTED"
MAX_STATEMENTS = 10
LISTED_TRIGGER = "BLACKLISTED"  # what a listing is to the measure catalogue and the grade


@dataclass(frozen=True)
class Notice:
    """告知书 before listing: basis, reasons, measures, removal, remedies."""

    legal_basis: str
    reasons: str
    measures: tuple[str, ...]
    removal_conditions: str
    remedies: str
    statement_until: dt.date | None  # set when served: the last day of the statement period
    provisional: bool
    service: Service | None = None

    def as_json(self) -> dict[str, Any]:
        """The notice as kept with the entry (the reasons are a column of their own)."""
        kept: dict[str, Any] = {
            "legal_basis": self.legal_basis,
            "measures": list(self.measures),
            "removal_conditions": self.removal_conditions,
            "remedies": self.remedies,
            "provisional": self.provisional,
        }
        if self.statement_until is not None:
            kept["statement_until"] = self.statement_until.isoformat()
        if self.service is not None:
            kept["service"] = self.service.as_json()
        return kept

    @classmethod
    def from_json(cls, data: Mapping[str, Any], reasons: str) -> Notice:
        until = data.get("statement_until")
        return cls(
            data["legal_basis"],
            reasons,
            tuple(data["measures"]),
            data["removal_conditions"],
            data["remedies"],
            dt.date.fromisoformat(until) if until else None,
            data["provisional"],
            Service.from_json(data["service"]) if data.get("service") else None,
        )


@dataclass(frozen=True, slots=True)
class Service:
    """How and when the notice was served (送达): the day the statement period runs from."""

    method: str  # ServiceMethod name
    served_on: dt.date
    proof_reference: str
    recorded_by: str
    recorded_at: dt.datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "served_on": self.served_on.isoformat(),
            "proof_reference": self.proof_reference,
            "recorded_by": self.recorded_by,
            "recorded_at": self.recorded_at.isoformat(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Service:
        return cls(
            data["method"],
            dt.date.fromisoformat(data["served_on"]),
            data["proof_reference"],
            data["recorded_by"],
            dt.datetime.fromisoformat(data["recorded_at"]),
        )


@dataclass(frozen=True, slots=True)
class Statement:
    """A statement (陈述申辩) the subject made within the notice's period."""

    text: str
    evidence: tuple[str, ...]
    submitted_by: str
    submitted_at: dt.datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "evidence": list(self.evidence),
            "submitted_by": self.submitted_by,
            "submitted_at": self.submitted_at.isoformat(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Statement:
        at = dt.datetime.fromisoformat(data["submitted_at"])
        return cls(data["text"], tuple(data["evidence"]), data["submitted_by"], at)


@dataclass(frozen=True, slots=True)
class EarlyRemoval:
    """An application for early removal, and its decision once made."""

    obligations_performed: str
    harm_eliminated: str
    evidence: tuple[str, ...]
    applied_at: dt.datetime
    decision: str = ""  # RemovalDecision name once decided
    decision_reason: str = ""
    decided_at: dt.datetime | None = None

    def as_json(self) -> dict[str, Any]:
        kept: dict[str, Any] = {
            "obligations_performed": self.obligations_performed,
            "harm_eliminated": self.harm_eliminated,
            "evidence": list(self.evidence),
            "applied_at": self.applied_at.isoformat(),
        }
        if self.decision:
            assert self.decided_at is not None
            kept |= {
                "decision": self.decision,
                "decision_reason": self.decision_reason,
                "decided_at": self.decided_at.isoformat(),
            }
        return kept

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> EarlyRemoval | None:
        if not data:
            return None
        decided = data.get("decided_at")
        return cls(
            data["obligations_performed"],
            data["harm_eliminated"],
            tuple(data["evidence"]),
            dt.datetime.fromisoformat(data["applied_at"]),
            data.get("decision") or "",
            data.get("decision_reason", ""),
            dt.datetime.fromisoformat(decided) if decided else None,
        )


@dataclass(frozen=True, slots=True)
class ListEntry:
    """An entry of the list: proposed, then listed or not, then removed."""

    entry_id: uuid.UUID
    subject_kind: str
    subject_code: str
    subject_name: str
    status: str
    record_ids: tuple[uuid.UUID, ...]
    department: str
    region_code: str
    reasons: str
    notice: Notice
    statements: tuple[Statement, ...]
    proposed_on: dt.date
    proposed_by: str
    listed_on: dt.date | None
    early_removal_from: dt.date | None
    removal_due: dt.date | None
    removed_on: dt.date | None
    removal_reason: str
    decision_reason: str
    decided_by: str
    rule_set: str
    measures: tuple[str, ...]
    measure_catalogue: str
    restricts: tuple[str, ...]
    early_removal: EarlyRemoval | None
    created_at: dt.datetime

    @property
    def listed(self) -> bool:
        return self.status == LISTED

    @property
    def term(self) -> Term:
        """The listing's dates (only a listed or removed entry has them)."""
        listed_on, early, due = self.listed_on, self.early_removal_from, self.removal_due
        if listed_on is None or early is None or due is None:
            raise ValueError(f"list entry {self.entry_id} was never listed")
        return Term(listed_on, early, due)


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
    """The notice as proposed: its period is stated from service (the day is not known yet)."""
    rules = rule_set.rules
    days = int(rules["statement_working_days"])
    return Notice(
        legal_basis=rules["legal_basis"],
        reasons=reasons,
        measures=tuple(measure_names),
        removal_conditions=rules["removal_conditions"].format(**_numbers(rules)),
        remedies=rules["remedies"].format(statement_until=f"本告知书送达之日起第{days}个工作日"),
        statement_until=None,
        provisional=False,
    )


def served(rule_set: RuleSet, calendar: WorkingCalendar, notice: Notice, service: Service) -> Notice:
    """The notice once served: the statement period runs from the day of service, for the working
    days of the list rules the entry was proposed under."""
    until = calendar.add_working_days(service.served_on, int(rule_set.rules["statement_working_days"]))
    return replace(notice, statement_until=until.date, provisional=until.provisional, service=service)


def may_serve(entry: ListEntry, named: str) -> None:
    """Service is recorded once, on a proposal."""
    require_status(entry, PROPOSED)
    if entry.notice.service is not None:
        refuse("ALREADY_SERVED", named, f"the notice was served on {entry.notice.service.served_on}")


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


def require_status(entry: ListEntry, status: str) -> None:
    if entry.status != status:
        refuse("WRONG_LIST_STATUS", str(entry.entry_id), f"the entry is {entry.status}")


def basis_found(
    ids: Sequence[uuid.UUID], found: Mapping[uuid.UUID, Record], subject_code: str, caller_region: str
) -> list[Record]:
    """The records a proposal names, in its order: each the subject's, and decided within the
    proposing officer's region."""
    for i, record_id in enumerate(ids):
        record = found.get(record_id)
        if record is None or record.subject_code != subject_code:
            raise NotFound("record of the subject", str(record_id), f"record_ids[{i}]")
        if not region_covers(caller_region or "-", record.region_code):
            raise PermissionDenied(f"record {record_id} was decided outside the caller's region")
    return [found[i] for i in ids]


def require_basis(basis: Sequence[Record], accepted: Sequence[str]) -> None:
    """A listing rests only on records in force of a class the list rules accept."""
    for record in basis:
        if not record.in_force or record.record_class not in accepted:
            refuse(
                "NOT_A_LISTING_BASIS",
                str(record.record_id),
                f"only {', '.join(accepted).lower()} records in force may be the basis of a listing",
            )


def require_basis_in_force(entry: ListEntry, basis: Sequence[Record]) -> None:
    if not any(r.in_force for r in basis):
        refuse(
            "BASIS_NOT_IN_FORCE", str(entry.entry_id), "none of the records the proposal rests on is in force"
        )


def already_on_list(subject_code: str) -> FailedPrecondition:
    """The refusal of a proposal for a subject with an open (proposed or listed) entry."""
    return refusal("ALREADY_ON_LIST", subject_code, "the subject is already proposed for or on the list")


def may_state(entry: ListEntry, today: dt.date, named: str) -> None:
    """Statements are made on a proposal, within the notice's period (the subject may state from
    the proposal on; the period's end is fixed by service), up to MAX_STATEMENTS."""
    require_status(entry, PROPOSED)
    until = entry.notice.statement_until
    if until is not None and today > until:
        refuse("STATEMENT_PERIOD_OVER", named, f"the statement period ended on {until}")
    if len(entry.statements) >= MAX_STATEMENTS:
        refuse("TOO_MANY_STATEMENTS", named, f"at most {MAX_STATEMENTS} statements")


def may_decide_listing(entry: ListEntry, today: dt.date, named: str, *, listing: bool) -> None:
    """A listing needs the notice served and the statement period from service run; `until` names
    the first day it may be decided. Deciding not to list harms no one and may come any time (the
    hearing protects against the adverse decision), so a proposal never served can be closed."""
    require_status(entry, PROPOSED)
    if not listing:
        return
    until = entry.notice.statement_until
    if entry.notice.service is None or until is None:
        refuse("NOTICE_NOT_SERVED", named, "the pre-notice (告知书) has not been served (送达)")
    if today <= until:
        refuse(
            "STATEMENT_PERIOD_RUNNING",
            named,
            f"statements may be made until {until}",
            until + dt.timedelta(days=1),
            message=f"the statement period runs until {until}; the listing may be decided from "
            f"{until + dt.timedelta(days=1)}",
        )


def may_apply_for_early_removal(entry: ListEntry, today: dt.date, subject_records: Sequence[Record]) -> None:
    """Early removal: listed long enough, no application pending, no new serious record."""
    require_status(entry, LISTED)
    entry_id, term = str(entry.entry_id), entry.term
    if today < term.early_removal_from:
        refuse(
            "MINIMUM_LISTING_PERIOD_NOT_ENDED",
            entry_id,
            f"early removal may be applied for from {term.early_removal_from}",
            term.early_removal_from,
        )
    if entry.early_removal and not entry.early_removal.decision:
        refuse("REMOVAL_PENDING", entry_id, "an early-removal application is pending")
    newer = [
        r
        for r in subject_records
        if r.record_class == "SERIOUS" and r.decision_date > term.listed_on and r.status != REVOKED
    ]
    if newer:
        refuse(
            "NEW_SERIOUS_RECORD",
            entry_id,
            f"serious record {newer[0].record_id} was decided after the listing",
        )


def pending_early_removal(entry: ListEntry, named: str) -> EarlyRemoval:
    """The early-removal application a reviewer decides: the entry's, while undecided."""
    require_status(entry, LISTED)
    application = entry.early_removal
    if not application or application.decision:
        refuse("NO_PENDING_APPLICATION", named, "no early-removal application is pending")
    return application


def founded(rule_set: RuleSet, basis: Sequence[Record]) -> bool:
    """Whether a record an entry rests on still stands as a basis under the entry's list rules."""
    accepted = basis_classes(rule_set)
    return any(r.status != REVOKED and r.record_class in accepted for r in basis)


# What repair of a listed subject's basis record does (the seeds leave it open).
#
# 《失信行为纠正后的信用信息修复管理办法（试行）》(国家发展和改革委员会令2023年第58号) counts removal
# from the serious-dishonesty list (移出严重失信主体名单) among the forms of credit repair (信用修复), decided
# by the department that made the determination (谁认定、谁修复) once the subject has corrected the
# conduct, performed its obligations and made a credit-repair commitment, the conditions early removal
# asks for. 《信用修复管理办法》(国家发展和改革委员会令第36号, implementing 国办发〔2025〕22号) keeps that
# scope: 第三条 makes repair end publication and sharing and lift the punishment measures, and 第四条
# counts 严重失信主体名单信息 among the dishonesty information repair applies to. And
# 《祁阳市提升行政执法质量建设法治营商环境工作方案》三(三)10 ends the bar on the commitment route
# (不适用告知承诺制) at credit repair. A listing that kept its measures after every record it rests on was
# repaired would bar a subject the rules call repaired, so this project reads the repair of the basis as
# the early removal (提前移出) of the listing: when no record the entry rests on is in force any more
# (each repaired, withdrawn by an upheld objection, or ended), the listing ends that day with the
# `credit.delisted` event, and with it its measures, its bar and its weight in the grade. A listing on
# several records stays while any of them is in force: those still found it. The waiting time is the
# repair's own minimum period (rule data of the records rule set; 12 months for a serious record under
# 令第36号, the list's early-removal period), so no separate list period applies to this route.
REPAIRED_BASIS = "credit repair was approved for every record the listing rested on"


def ended_by_repair(basis: Sequence[Record]) -> bool:
    """Whether an open entry ends because none of the records it rests on is in force any more
    after a repair (see the reasoning above)."""
    return not any(r.in_force for r in basis)
