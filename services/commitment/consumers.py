"""Events the commitment service applies: credit restrictions into the eligibility projection,
verification conclusions into the fulfilment status of commitments."""

from __future__ import annotations

import uuid

from chengnuo.commitment.v1 import commitment_pb2
from chengnuo.credit.v1 import credit_pb2
from chengnuo.events.v1 import commitment_events_pb2, credit_events_pb2, verification_events_pb2
from chengnuo.verification.v1 import verification_pb2
from services.commitment import commitment_store, domain, eligibility_store, fulfilment_store
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
    code = event.subject.code
    if await eligibility_store.save_restrictions(uow.conn, code, event.version, restrictions, changed_at):
        uow.audit("eligibility.update", f"subject/{code}", subject_code=code, change=meta.id)


class UnknownCommitment(LookupError):
    """A verification result for a commitment this service never recorded: parked, not dropped."""


async def on_verification_concluded(
    event: verification_events_pb2.VerificationConcluded, uow: UnitOfWork, meta: EventMeta
) -> None:
    commitment_id = uuid.UUID(event.commitment_id)
    row = await commitment_store.lock_commitment(uow.conn, commitment_id)
    if row is None:
        raise UnknownCommitment(f"commitment {commitment_id} is not recorded here")
    outcome = verification_pb2.Outcome.Name(event.outcome)
    decided = convert.from_date(event.decision_date)
    concluded_at = convert.from_timestamp(event.concluded_at)
    task_id = uuid.UUID(event.task_id)
    if not await fulfilment_store.save_result(
        uow.conn,
        task_id,
        commitment_id,
        outcome=outcome,
        department=event.department,
        decided=decided,
        concluded_at=concluded_at,
    ):
        return
    uow.audit(
        "fulfilment.result", f"commitment/{commitment_id}", change={"task": str(task_id), "outcome": outcome}
    )
    status = domain.fulfilment(await fulfilment_store.outcomes(uow.conn, commitment_id))
    if status == row["fulfilment"]:
        return
    changed = await fulfilment_store.set_fulfilment(
        uow.conn, commitment_id, status=status, by=event.department, on=decided, at=uow.now
    )
    assert changed is not None
    uow.emit(_changed(changed, row["fulfilment"], event), entity=f"commitment/{commitment_id}")
    uow.audit(
        "fulfilment.change", f"commitment/{commitment_id}", subject_code=row["subject_code"], change=status
    )


def _changed(
    row: object, previous: str, event: verification_events_pb2.VerificationConcluded
) -> commitment_events_pb2.CommitmentFulfilmentChanged:
    c = commitment_store.to_proto(row)  # type: ignore[arg-type]
    return commitment_events_pb2.CommitmentFulfilmentChanged(
        commitment_id=c.commitment_id,
        code=c.code,
        subject=c.subject,
        department=c.department,
        status=c.fulfilment.status,
        previous_status=commitment_pb2.FulfilmentStatus.Value(previous),
        determined_by=c.fulfilment.determined_by,
        determined_on=c.fulfilment.determined_on,
        task_id=event.task_id,
        changed_at=c.fulfilment.changed_at,
    )
