"""Events the credit service applies: a false commitment becomes a dishonesty record."""

from __future__ import annotations

from chengnuo.common.v1 import subject_pb2
from chengnuo.events.v1 import credit_events_pb2, verification_events_pb2
from services.credit import domain, publish, store
from services.kernel import convert
from services.kernel.events import EventMeta
from services.kernel.uow import UnitOfWork


async def on_false_commitment(
    event: verification_events_pb2.FalseCommitmentFound, uow: UnitOfWork, meta: EventMeta
) -> None:
    decided = convert.from_date(event.decision_date)
    rule_set = domain.choose_rule_set(await store.rule_sets(uow.conn), decided, event.region_code)
    facts = domain.Facts(
        referred_to_judiciary=event.referred_to_judiciary,
        earlier_false_commitments=await store.earlier_false_commitments(uow.conn, event.subject.code),
        safety_related_item=False,  # items carry no safety domain yet
        corrected_in_time_without_harm=False,
        decided=decided,
    )
    decision = domain.decide(rule_set, facts)
    new = store.NewRecord(
        subject_kind=subject_pb2.SubjectKind.Name(event.subject.kind),
        subject_code=event.subject.code,
        subject_name=event.subject_name,
        source_event_id=meta.id,
        commitment_id=event.commitment_id,
        facts=f"False commitment {event.commitment_code} for {event.item_name}: {event.findings}",
        legal_basis=rule_set.rules["record_legal_basis"],
        deciding_department=event.deciding_department,
        region_code=event.region_code,
        decision_date=decided,
    )
    row = await store.insert_record(uow.conn, new, decision, uow.now)
    if row is None:
        return
    uow.emit(
        credit_events_pb2.RecordCreated(record=publish.record(row)),
        entity=f"record/{row['record_id']}",
    )
    uow.audit(
        "record.create",
        f"record/{row['record_id']}",
        subject_code=new.subject_code,
        change=decision.__dict__,
    )
    await publish.restrictions_changed(uow, new.subject_kind, new.subject_code)
