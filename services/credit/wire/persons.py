"""Responsible persons as the API and the events state them: the person always masked."""

from __future__ import annotations

from chengnuo.credit.v1 import persons_pb2 as pb
from chengnuo.events.v1 import person_events_pb2 as events
from services.contracts.subjects import subject_of
from services.credit.domain.persons import RECORD, Naming, PersonMeasure
from services.credit.wire.records import measure, trigger
from services.kernel import convert
from services.kernel.masking import mask_free_text


def role(name: str) -> pb.PersonRole.ValueType:
    return pb.PersonRole.Value(f"PERSON_ROLE_{name}")


def person(n: Naming) -> pb.ResponsiblePerson:
    on_record = n.source_kind == RECORD
    return pb.ResponsiblePerson(
        naming_id=str(n.naming_id),
        record_id=str(n.source_id) if on_record else "",
        entry_id="" if on_record else str(n.source_id),
        subject=subject_of(n.subject_kind, n.subject_code),
        subject_name=n.subject_name,
        role=role(n.role),
        person_masked_code=n.masked_code,
        person_masked_name=n.masked_name,
        basis=mask_free_text(n.basis),  # a number typed into it leaves masked
        department=n.department,
        region_code=n.region_code,
        rule_set=n.rule_set,
        named_by=n.named_by,
        named_at=convert.to_timestamp(n.named_at),
        withdrawn_at=convert.opt_timestamp(n.withdrawn_at),
        withdrawal_reason=mask_free_text(n.withdrawal_reason),
    )


def person_measure(m: PersonMeasure) -> pb.PersonMeasure:
    s = m.source
    return pb.PersonMeasure(
        measure=measure(m.measure),
        role=role(m.naming.role),
        naming_id=str(m.naming.naming_id),
        subject=subject_of(s.subject_kind, s.subject_code),
        subject_name=s.subject_name,
        source_id=str(s.source_id),
        trigger=trigger(s.trigger),
        until=convert.to_date(m.until),
        legal_basis=m.legal_basis,
        description=m.describe(),
    )


def named(n: Naming, found: list[PersonMeasure]) -> events.ResponsiblePersonNamed:
    return events.ResponsiblePersonNamed(person=person(n), measures=[person_measure(m) for m in found])


def withdrawn(n: Naming) -> events.ResponsiblePersonWithdrawn:
    return events.ResponsiblePersonWithdrawn(person=person(n))
