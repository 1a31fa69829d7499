"""Events the commitment service applies: credit restrictions into the eligibility projection,
verification conclusions into the fulfilment status of commitments."""

from __future__ import annotations

import uuid

from chengnuo.credit.v1 import credit_pb2
from chengnuo.events.v1 import credit_events_pb2, verification_events_pb2
from chengnuo.verification.v1 import verification_pb2
from services.commitment.domain import measures as acting
from services.commitment.domain.commitments import Commitment, fulfilment
from services.commitment.domain.eligibility import Restriction
from services.commitment.store import commitments, eligibility, measures, rules
from services.commitment.store import fulfilment as results
from services.commitment.wire import commitments as wire
from services.commitment.wire import events
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
    if await eligibility.save_restrictions(uow.conn, code, event.version, restrictions, changed_at):
        uow.audit("eligibility.update", f"subject/{code}", subject_code=code, change=meta.id)


class UnknownCommitment(LookupError):
    """A verification result for a commitment this service never recorded: parked, not dropped."""


async def on_verification_concluded(
    event: verification_events_pb2.VerificationConcluded, uow: UnitOfWork, meta: EventMeta
) -> None:
    commitment_id = uuid.UUID(event.commitment_id)
    found = await commitments.lock(uow.conn, commitment_id)
    if found is None:
        raise UnknownCommitment(f"commitment {commitment_id} is not recorded here")
    outcome = verification_pb2.Outcome.Name(event.outcome)
    decided = convert.from_date(event.decision_date)
    concluded_at = convert.from_timestamp(event.concluded_at)
    task_id = uuid.UUID(event.task_id)
    if not await results.save_result(
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
    if outcome == "OUTCOME_FALSE":
        await _act_on(event, found, uow)
    previous = found.fulfilment.status
    status = fulfilment(await results.outcomes(uow.conn, commitment_id))
    if status == previous:
        return
    changed = await results.set_fulfilment(
        uow.conn, commitment_id, status=status, by=event.department, on=decided, at=uow.now
    )
    assert changed is not None
    uow.emit(
        events.fulfilment_changed(wire.commitment(changed), previous, event.task_id),
        entity=f"commitment/{commitment_id}",
    )
    uow.audit(
        "fulfilment.change", f"commitment/{commitment_id}", subject_code=found.subject_code, change=status
    )


# Re-application ban periods (services/commitment/rules/REAPPLICATION-*.json), read once.
BAN_RULES = rules.reapplication_rules()


async def _act_on(
    event: verification_events_pb2.VerificationConcluded, found: Commitment, uow: UnitOfWork
) -> None:
    """The measures of a false commitment that act (终止办理, 撤销): each is kept on the commitment
    with its decision and, on a safety-related item, bars the subject from applying for that item
    again for the rule's period. 撤销 is announced (`commitment.licence_revoked`, for 双公示)."""
    taken = acting.acting((verification_pb2.MeasureKind.Name(m.kind), m.legal_basis) for m in event.measures)
    if not taken:
        return
    decided = convert.from_date(event.decision_date)
    task_id = uuid.UUID(event.task_id)
    entity = f"commitment/{found.commitment_id}"
    safety = await measures.safety_related(uow.conn, found.item_id, found.item_version)
    for measure in taken:
        decision, ban = acting.decide(
            BAN_RULES, measure, safety, decided=decided, department=event.department, task_id=task_id
        )
        changed = await measures.take(uow.conn, found.commitment_id, measure.kind, decision)
        if changed is None:  # taken before, by an earlier conclusion
            continue
        if ban:
            await measures.save_ban(
                uow.conn, task_id, found, ban, ban.description(event.department, found.code)
            )
        uow.audit(
            "commitment.measure",
            entity,
            subject_code=found.subject_code,
            change={"measure": measure.kind, "task": str(task_id), "ban_ends_on": str(decision.ban_ends_on)},
        )
        if measure.kind == acting.REVOKE_DECISION:
            deadline = (
                event.decision_publication_deadline
                if event.HasField("decision_publication_deadline")
                else None
            )
            uow.emit(events.licence_revoked(wire.commitment(changed), deadline, uow.now), entity=entity)
