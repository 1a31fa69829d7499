"""Credit reports and bulk matches for other departments, shaped per sharing agreement."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from chengnuo.credit.v1 import sharing_pb2 as spb
from services.contracts.subjects import Subject, public_code
from services.credit.domain import sharing
from services.credit.domain.standing import Standing
from services.credit.store.matching import Hit
from services.credit.wire.lists import list_entry
from services.credit.wire.records import grade, grade_points, measures_in_force, record, restriction
from services.kernel import convert
from services.kernel.features.sharing.gate import Decision
from services.kernel.features.sharing.shaping import shape

# The response field each data class fills.
FIELD = {sharing.RECORDS: "credit_records", sharing.BLACKLIST: "blacklist", sharing.GRADES: "grade"}

Part = spb.CreditRecordsPart | spb.BlacklistPart | spb.GradePart


def report(
    subject: Subject, view: Standing, decision: Decision, today: dt.date, now: dt.datetime
) -> spb.GetCreditReportResponse:
    response = spb.GetCreditReportResponse(as_of=convert.to_timestamp(now))
    response.subject.CopyFrom(subject.to_proto())
    response.subject.code = public_code(subject.kind, subject.code)
    for data_class, grant in decision.grants.items():
        target = getattr(response, FIELD[data_class])
        target.SetInParent()  # an allowed part with nothing in force is still answered
        target.CopyFrom(shape(_BUILDERS[data_class](view, today), grant))
    response.withheld.extend(_withheld(decision))
    return response


def _withheld(decision: Decision) -> list[spb.WithheldPart]:
    return [spb.WithheldPart(data_class=c, reason=r) for c, r in decision.refusals.items()]


def _records(view: Standing, today: dt.date) -> spb.CreditRecordsPart:
    return spb.CreditRecordsPart(
        records=[record(r) for r in sharing.shared_records(view, today)],
        restrictions=[restriction(r) for r in sharing.shared_restrictions(view, today, listed=False)],
        measures=measures_in_force(sharing.shared_measures(view, listed=False)),
    )


def _blacklist(view: Standing, today: dt.date) -> spb.BlacklistPart:
    return spb.BlacklistPart(
        entries=[list_entry(e) for e in sharing.shared_entries(view, today)],
        restrictions=[restriction(r) for r in sharing.shared_restrictions(view, today, listed=True)],
        measures=measures_in_force(sharing.shared_measures(view, listed=True)),
    )


def _grade(view: Standing, today: dt.date) -> spb.GradePart:
    if view.grade is None:  # no grading rule set applies to the subject's region
        return spb.GradePart()
    return spb.GradePart(
        grade=grade(view.grade.grade),
        score=view.grade.score,
        points=grade_points(view.grade),
        rule_set=view.grade.rule_set,
    )


_BUILDERS: dict[str, Callable[[Standing, dt.date], Part]] = {
    sharing.RECORDS: _records,
    sharing.BLACKLIST: _blacklist,
    sharing.GRADES: _grade,
}


def bulk_match(
    hits: Sequence[Hit], regions: Sequence[str], decision: Decision, pairs: Sequence[tuple[str, str]]
) -> spb.BulkMatchResponse:
    covered = tuple(sharing.grant_prefix(grant.region_code) for grant in decision.grants.values())
    outside = [i for i, region in enumerate(regions) if not region.startswith(covered)]
    return spb.BulkMatchResponse(
        hits=[
            spb.BulkMatchHit(
                index=h.idx, measures=h.measures, until=convert.to_date(h.until), disputed=h.disputed
            )
            for h in hits
        ],
        compared=len(regions) - len(outside),
        outside_region=outside,
        relevant_measures=[f"{catalogue}/{code}" for catalogue, code in pairs],
        withheld=_withheld(decision),
    )
