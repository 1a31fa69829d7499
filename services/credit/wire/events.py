"""The credit service's event messages (services/contracts/credit_events.py names their subjects)."""

from __future__ import annotations

import datetime as dt

from chengnuo.events.v1 import credit_events_pb2 as events
from services.contracts.subjects import subject_of
from services.credit.domain import grades, standing
from services.credit.domain.blacklist import ListEntry
from services.credit.domain.cases import Objection, RepairApplication
from services.credit.domain.records import Record
from services.credit.wire.cases import objection, repair_application
from services.credit.wire.lists import list_entry
from services.credit.wire.records import grade, grade_points, record, record_class, restriction
from services.kernel import convert


def record_created(r: Record) -> events.RecordCreated:
    return events.RecordCreated(record=record(r))


def record_reclassified(r: Record, previous_class: str, reason: str) -> events.RecordReclassified:
    return events.RecordReclassified(
        record=record(r), previous_class=record_class(previous_class), reason=reason
    )


def record_expired(r: Record) -> events.RecordExpired:
    return events.RecordExpired(record=record(r))


def record_repaired(r: Record, application: RepairApplication) -> events.RecordRepaired:
    return events.RecordRepaired(record=record(r), application=repair_application(application))


def objection_filed(o: Objection, r: Record) -> events.ObjectionFiled:
    return events.ObjectionFiled(objection=objection(o), record=record(r))


def objection_decided(o: Objection, r: Record) -> events.ObjectionDecided:
    return events.ObjectionDecided(objection=objection(o), record=record(r))


def subject_listed(e: ListEntry) -> events.SubjectListed:
    return events.SubjectListed(entry=list_entry(e))


def subject_delisted(e: ListEntry) -> events.SubjectDelisted:
    return events.SubjectDelisted(entry=list_entry(e))


def listing_proposed(e: ListEntry) -> events.ListingProposed:
    return events.ListingProposed(entry=list_entry(e))


def notice_served(e: ListEntry) -> events.NoticeServed:
    return events.NoticeServed(entry=list_entry(e))


def restriction_changed(
    kind: str, code: str, version: int, current: list[standing.Restriction], at: dt.datetime
) -> events.RestrictionChanged:
    return events.RestrictionChanged(
        subject=subject_of(kind, code),
        version=version,
        restrictions=[restriction(r) for r in current],
        changed_at=convert.to_timestamp(at),
    )


def grade_changed(
    kind: str, code: str, version: int, result: grades.Result, at: dt.datetime
) -> events.GradeChanged:
    return events.GradeChanged(
        subject=subject_of(kind, code),
        version=version,
        grade=grade(result.grade),
        reasons=result.reasons,
        changed_at=convert.to_timestamp(at),
        score=result.score,
        points=grade_points(result),
        rule_set=result.rule_set,
    )


def case_overdue(case: RepairApplication | Objection, today: dt.date) -> events.CaseOverdue:
    detected_on = convert.to_date(today)
    if isinstance(case, RepairApplication):
        return events.CaseOverdue(application=repair_application(case), detected_on=detected_on)
    return events.CaseOverdue(objection=objection(case), detected_on=detected_on)
