"""A subject's credit report as another department may see it (信息共享): one part per data class
the caller's agreements allow, only what is in force, trimmed and masked per agreement.

What is shared: records in force (published or under objection, within their publicity period)
under `credit_records`; a listing on the serious-dishonesty list under `blacklist`; the grade
under `grades`. Each part carries the restrictions and measures its sources bring. Repaired,
expired and revoked records and ended listings are not shared (repair stops sharing).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from chengnuo.credit.v1 import credit_pb2 as pb
from chengnuo.credit.v1 import sharing_pb2 as spb
from services.contracts.subjects import Subject, public_code
from services.credit import messages, views
from services.credit.domain import standing
from services.credit.domain.records import ACTIVE
from services.credit.store import lists
from services.kernel import convert
from services.kernel.sharing import Decision, shape

RECORDS, BLACKLIST, GRADES = "credit_records", "blacklist", "grades"
PARTS = (RECORDS, BLACKLIST, GRADES)
# The response field each data class fills.
FIELD = {RECORDS: "credit_records", BLACKLIST: "blacklist", GRADES: "grade"}
LISTED_TRIGGER = pb.MEASURE_TRIGGER_BLACKLISTED

Part = spb.CreditRecordsPart | spb.BlacklistPart | spb.GradePart


def report(
    subject: Subject, view: views.Standing, decision: Decision, today: dt.date, now: dt.datetime
) -> spb.GetCreditReportResponse:
    response = spb.GetCreditReportResponse(as_of=convert.to_timestamp(now))
    response.subject.CopyFrom(subject.to_proto())
    response.subject.code = public_code(subject.kind, subject.code)
    for data_class, grant in decision.grants.items():
        target = getattr(response, FIELD[data_class])
        target.SetInParent()  # an allowed part with nothing in force is still answered
        target.CopyFrom(shape(_BUILDERS[data_class](view, today), grant))
    response.withheld.extend(
        spb.WithheldPart(data_class=data_class, reason=reason)
        for data_class, reason in decision.refusals.items()
    )
    return response


def _records(view: views.Standing, today: dt.date) -> spb.CreditRecordsPart:
    return spb.CreditRecordsPart(
        records=[
            messages.record(r) for r in view.records if r["status"] in ACTIVE and today < r["publicity_end"]
        ],
        restrictions=[messages.restriction(r) for r in _restrictions(view, today, listed=False)],
        measures=[m for m in view.measures if m.trigger != LISTED_TRIGGER],
    )


def _blacklist(view: views.Standing, today: dt.date) -> spb.BlacklistPart:
    return spb.BlacklistPart(
        entries=[
            messages.list_entry(e)
            for e in view.entries
            if e["status"] == lists.LISTED and today < e["removal_due"]
        ],
        restrictions=[messages.restriction(r) for r in _restrictions(view, today, listed=True)],
        measures=[m for m in view.measures if m.trigger == LISTED_TRIGGER],
    )


def _grade(view: views.Standing, today: dt.date) -> spb.GradePart:
    if view.grade is None:  # no grading rule set applies to the subject's region
        return spb.GradePart()
    return spb.GradePart(
        grade=messages.grade(view.grade.grade),
        score=view.grade.score,
        points=messages.grade_points(view.grade),
        rule_set=view.grade.rule_set,
    )


def _restrictions(view: views.Standing, today: dt.date, *, listed: bool) -> list[standing.Restriction]:
    found = standing.restrictions(view.sources, today)
    return [r for r in found if (r.cause == "BLACKLISTED") == listed]


_BUILDERS: dict[str, Callable[[views.Standing, dt.date], Part]] = {
    RECORDS: _records,
    BLACKLIST: _blacklist,
    GRADES: _grade,
}
