"""Events the commitment service applies: credit restrictions into the eligibility projection."""

from __future__ import annotations

from chengnuo.credit.v1 import credit_pb2
from chengnuo.events.v1 import credit_events_pb2
from services.commitment import store
from services.commitment.domain import Restriction
from services.kernel import convert
from services.kernel.events import EventMeta
from services.kernel.uow import UnitOfWork

_PREFIX = "RESTRICTION_CAUSE_"


async def on_restriction_changed(
    event: credit_events_pb2.RestrictionChanged, uow: UnitOfWork, meta: EventMeta
) -> None:
    restrictions = [
        Restriction(
            cause=credit_pb2.RestrictionCause.Name(r.cause).removeprefix(_PREFIX),
            record_id=r.record_id,
            description=r.description,
            repairable_from=convert.from_date(r.repairable_from) if r.HasField("repairable_from") else None,
            ends_on=convert.from_date(r.ends_on) if r.HasField("ends_on") else None,
        )
        for r in event.restrictions
        if r.kind == credit_pb2.RESTRICTION_KIND_NO_COMMITMENT
    ]
    changed_at = convert.from_timestamp(event.changed_at)
    if await store.save_restrictions(uow.conn, event.subject.code, event.version, restrictions, changed_at):
        uow.audit(
            "eligibility.update",
            f"subject/{event.subject.code}",
            subject_code=event.subject.code,
            change=meta.id,
        )
