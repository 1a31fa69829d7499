"""Records, restrictions, grades and measures as the API states them."""

from __future__ import annotations

from chengnuo.credit.v1 import credit_pb2 as pb
from services.contracts.subjects import subject_of
from services.credit.domain import grades, measures, standing
from services.credit.domain.feeds import OPEN_END
from services.credit.domain.records import Record
from services.kernel import convert
from services.kernel.rule_sets import RuleSet


def record_class(name: str) -> pb.RecordClass.ValueType:
    return pb.RecordClass.Value(f"RECORD_CLASS_{name or 'UNSPECIFIED'}")


def record(r: Record) -> pb.DishonestyRecord:
    return pb.DishonestyRecord(
        record_id=str(r.record_id),
        subject=subject_of(r.subject_kind, r.subject_code),
        subject_name=r.subject_name,
        record_class=record_class(r.record_class),
        status=pb.RecordStatus.Value(r.status),
        facts=r.facts,
        legal_basis=r.legal_basis,
        deciding_department=r.deciding_department,
        decision_date=convert.to_date(r.decision_date),
        publicity_start=convert.to_date(r.publicity_start),
        repairable_from=convert.to_date(r.repairable_from),
        publicity_end=convert.to_date(r.publicity_end),
        rule_set=r.rule_set,
        rule=r.rule,
        source_event_id=r.source_event_id,
        published=r.published,
        measures=r.measures,
        measure_catalogue=r.measure_catalogue,
        ended_on=convert.opt_date(r.ended_on),
        commitment_id=str(r.commitment_id or ""),
        region_code=r.region_code,
        repair_notice=r.repair_notice,
        revision=r.revision,
        created_at=convert.to_timestamp(r.created_at),
    )


def restriction(r: standing.Restriction) -> pb.Restriction:
    made = pb.Restriction(
        kind=pb.RestrictionKind.Value(f"RESTRICTION_KIND_{r.kind}"),
        cause=pb.RestrictionCause.Value(f"RESTRICTION_CAUSE_{r.cause}"),
        record_id=r.record_id,
        description=r.description,
        repairable_from=convert.to_date(r.repairable_from),
        ends_on=convert.to_date(r.ends_on),
        disputed=r.disputed,
    )
    if r.ends_on >= OPEN_END:  # another authority's entry without an end: no date to promise
        made.ClearField("repairable_from")
        made.ClearField("ends_on")
    return made


def grade_points(result: grades.Result) -> list[pb.GradePoint]:
    return [pb.GradePoint(rule=p.rule, points=p.points, reason=p.reason) for p in result.points]


def grade(letter: str) -> pb.Grade.ValueType:
    return pb.Grade.Value(f"GRADE_{letter}")


def measure(m: measures.Measure) -> pb.Measure:
    return pb.Measure(
        code=m.code,
        name=m.name,
        legal_basis=m.legal_basis,
        applies_to=[trigger(t) for t in m.applies_to],
        implementing_departments=list(m.departments),
        restriction=pb.RestrictionKind.Value(f"RESTRICTION_KIND_{m.restriction}")
        if m.restriction
        else pb.RESTRICTION_KIND_UNSPECIFIED,
        purposes=list(m.purposes),
    )


def trigger(name: str) -> pb.MeasureTrigger.ValueType:
    return pb.MeasureTrigger.Value(
        "MEASURE_TRIGGER_BLACKLISTED" if name == "BLACKLISTED" else f"MEASURE_TRIGGER_{name}_RECORD"
    )


def feedback(f: measures.Feedback) -> pb.MeasureFeedback:
    return pb.MeasureFeedback(
        feedback_id=str(f.feedback_id),
        measure_code=f.measure_code,
        source_id=str(f.source_id),
        department=f.department,
        applied_on=convert.to_date(f.applied_on),
        action=f.action,
        reported_by=f.reported_by,
        reported_at=convert.to_timestamp(f.reported_at),
    )


def measure_in_force(m: standing.MeasureInForce) -> pb.MeasureInForce:
    return pb.MeasureInForce(
        measure=measure(m.measure),
        source_id=m.source_id,
        trigger=trigger(m.trigger),
        until=convert.to_date(m.until),
        feedback=[feedback(f) for f in m.feedback],
    )


def measures_in_force(found: list[standing.MeasureInForce]) -> list[pb.MeasureInForce]:
    return [measure_in_force(m) for m in found]


def catalogue(chosen: RuleSet) -> pb.ListMeasureCatalogueResponse:
    return pb.ListMeasureCatalogueResponse(
        rule_set=chosen.id,
        citation=chosen.citation,
        measures=[measure(m) for m in measures.catalogue(chosen)],
    )
