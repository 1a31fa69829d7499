"""Measures that act: a `verification.concluded` with 撤销 marks the licence revoked and announces it
(`commitment.licence_revoked`), 终止办理 marks the matter stopped, and on a safety-related item each
bars the same subject from the same item for 3 or 1 years (《中华人民共和国行政许可法》第七十九条,
第七十八条), other items unaffected; a redelivered event changes nothing."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import grpc
from google.rpc import error_details_pb2

from chengnuo.commitment.v1 import commitment_pb2
from chengnuo.common.v1 import subject_pb2
from chengnuo.events.v1 import commitment_events_pb2, verification_events_pb2
from chengnuo.verification.v1 import verification_pb2 as vpb
from services.commitment.domain.measures import years_after
from services.contracts.events import CATALOG
from services.kernel import convert
from services.kernel.clock import china_date
from services.kernel.events import headers
from tests.conftest import Servers
from tests.integration.test_commitment_world import (
    LEGAL,
    Clients,
    CommitmentWorld,
    commitment_world,
    item,
    published_item,
    record,
)
from tests.support import RpcFailure, eventually, failure, new_uscc

BASIS = "《中华人民共和国行政许可法》第六十九条: 以欺骗、贿赂等不正当手段取得行政许可的，应当予以撤销"
DEPARTMENT = "350200-SCJ"


def conclusion(
    c: commitment_pb2.Commitment, decided: dt.date, *measures: vpb.Measure
) -> verification_events_pb2.VerificationConcluded:
    return verification_events_pb2.VerificationConcluded(
        task_id=str(uuid.uuid4()),
        commitment_id=c.commitment_id,
        subject=c.subject,
        department=DEPARTMENT,
        outcome=vpb.OUTCOME_FALSE,
        decision_date=convert.to_date(decided),
        concluded_at=convert.to_timestamp(dt.datetime.combine(decided, dt.time(2), dt.UTC)),
        decision_publication_deadline=convert.to_date(decided + dt.timedelta(days=9)),
        item_id=c.item_id,
        measures=list(measures),
    )


async def deliver(
    world: CommitmentWorld, event: verification_events_pb2.VerificationConcluded, event_id: str
) -> None:
    """Publish as the verification relay would, under a chosen event id (a redelivery keeps it)."""
    kind = CATALOG.for_subject("verification.concluded")
    assert kind is not None
    attrs = headers(event_id, kind, "/chengnuo/test", f"task/{event.task_id}", world.clock.now())
    await world.bus.js.publish("verification.concluded", event.SerializeToString(), headers=attrs)


async def consumed(world: CommitmentWorld, event_id: str) -> bool:
    return await world.count("inbox", "event_id = $1", event_id) == 1


def until(refused: RpcFailure, subject: str) -> str:
    (info,) = [d for d in refused.details if isinstance(d, error_details_pb2.ErrorInfo)]
    return str(info.metadata[f"until.{subject}"])


async def safety_item(world: CommitmentWorld, name: str) -> str:
    draft = item(name)
    draft.safety_related = True
    return await published_item(world.as_role("catalogue_admin"), draft)


def check(uscc: str, item_id: str) -> commitment_pb2.CheckEligibilityRequest:
    return commitment_pb2.CheckEligibilityRequest(
        subject=subject_pb2.SubjectRef(kind=LEGAL, code=uscc), item_id=item_id
    )


async def get(staff: Clients, c: commitment_pb2.Commitment) -> commitment_pb2.Commitment:
    found = await staff.commitments.GetCommitment(
        commitment_pb2.GetCommitmentRequest(commitment_id=c.commitment_id)
    )
    return found.commitment


async def test_a_revoked_licence_bars_the_item_for_three_years(servers: Servers, tmp_path: Path) -> None:
    async with commitment_world(servers, tmp_path) as world:
        banned_item = await safety_item(world, "特种设备使用场所证明")
        other_item = await safety_item(world, "消防安全检查合格证明")
        portal, staff, uscc = world.as_role("portal"), world.as_role("verifier"), new_uscc()
        made = (await portal.commitments.RecordCommitment(record(uscc, banned_item))).commitment
        today = china_date(world.clock.now())
        revoke = vpb.Measure(kind=vpb.MEASURE_KIND_REVOKE_DECISION, legal_basis=BASIS)
        penalty = vpb.Measure(
            kind=vpb.MEASURE_KIND_PENALTY, legal_basis="《中华人民共和国行政许可法》第七十九条"
        )
        event, event_id = conclusion(made, today, revoke, penalty), str(uuid.uuid4())
        await deliver(world, event, event_id)

        async def revoked() -> commitment_pb2.Commitment | None:
            found = await get(staff, made)
            return found if found.HasField("revoked") else None

        shown = (await eventually(revoked, what="the revocation")).revoked
        ends_on = years_after(today, 3) + dt.timedelta(days=1)
        assert convert.from_date(shown.decided_on) == today
        assert (shown.department, shown.task_id, shown.legal_basis) == (DEPARTMENT, event.task_id, BASIS)
        assert convert.from_date(shown.reapplication_allowed_from) == ends_on
        assert shown.ban_rule_set == "REAPPLICATION-2004"
        assert not (await get(staff, made)).HasField("stopped")

        (payload,) = await world.events("commitment.licence_revoked")
        announced = commitment_events_pb2.LicenceRevoked.FromString(payload)
        assert (announced.commitment_id, announced.code, announced.task_id) == (
            made.commitment_id,
            made.code,
            event.task_id,
        )
        assert (announced.revoked_by, announced.legal_basis) == (DEPARTMENT, BASIS)
        assert announced.publication_deadline == event.decision_publication_deadline
        assert convert.from_date(announced.reapplication_allowed_from) == ends_on

        public = await portal.commitments.ListPublishedCommitments(
            commitment_pb2.ListPublishedCommitmentsRequest(item_id=banned_item)
        )
        (listed,) = public.commitments
        assert convert.from_date(listed.revoked_on) == today
        assert listed.revocation_basis == BASIS
        assert not listed.HasField("stopped_on")

        answer = await portal.commitments.CheckEligibility(check(uscc, banned_item))
        assert not answer.eligible
        (reason,) = answer.reasons
        assert reason.reason == commitment_pb2.INELIGIBILITY_REASON_REAPPLICATION_BANNED
        assert reason.record_id == event.task_id
        assert convert.from_date(reason.ends_on) == ends_on
        assert made.code in reason.description
        assert "第七十九条" in reason.description
        assert convert.from_date(answer.earliest_change) == ends_on

        refused = await failure(portal.commitments.RecordCommitment(record(uscc, banned_item)))
        assert refused.code == grpc.StatusCode.FAILED_PRECONDITION
        assert refused.precondition_types() == [("REAPPLICATION_BANNED", event.task_id)]
        assert until(refused, event.task_id) == ends_on.isoformat()
        assert await world.count("commitment", "subject_code = $1", uscc) == 1  # nothing stored

        # Other items of the subject, and other subjects for this item, are not affected.
        assert (await portal.commitments.CheckEligibility(check(uscc, other_item))).eligible
        assert (await portal.commitments.RecordCommitment(record(uscc, other_item))).commitment.code
        assert (await portal.commitments.CheckEligibility(check(new_uscc(), banned_item))).eligible

        # The same event again (redelivery) and the same conclusion under a new id change nothing.
        await deliver(world, event, event_id)
        again = str(uuid.uuid4())
        await deliver(world, event, again)
        await eventually(lambda: consumed(world, again), what="the repeated conclusion")
        assert len(await world.events("commitment.licence_revoked")) == 1
        assert await world.count("reapplication_ban") == 1
        assert (await get(staff, made)).revoked == shown

        # Eligible again from the day the ban ends, not the day before.
        world.clock.advance(
            dt.datetime.combine(ends_on, dt.time(0, 1), world.clock.now().tzinfo)
            - world.clock.now()
            - dt.timedelta(days=1)
        )
        assert china_date(world.clock.now()) == ends_on - dt.timedelta(days=1)
        assert not (await portal.commitments.CheckEligibility(check(uscc, banned_item))).eligible
        world.clock.advance(dt.timedelta(days=1))
        assert china_date(world.clock.now()) == ends_on
        assert (await portal.commitments.CheckEligibility(check(uscc, banned_item))).eligible
        assert (await portal.commitments.RecordCommitment(record(uscc, banned_item))).commitment.code


async def test_stopped_processing_bars_the_item_for_one_year(servers: Servers, tmp_path: Path) -> None:
    async with commitment_world(servers, tmp_path) as world:
        banned_item = await safety_item(world, "特种设备使用场所证明")
        portal, staff, uscc = world.as_role("portal"), world.as_role("verifier"), new_uscc()
        made = (await portal.commitments.RecordCommitment(record(uscc, banned_item))).commitment
        decided = china_date(world.clock.now()) - dt.timedelta(days=2)
        stop = vpb.Measure(
            kind=vpb.MEASURE_KIND_STOP_PROCESSING, legal_basis="《中华人民共和国行政许可法》第七十八条"
        )
        event = conclusion(made, decided, stop)
        await deliver(world, event, str(uuid.uuid4()))

        async def stopped() -> commitment_pb2.Commitment | None:
            found = await get(staff, made)
            return found if found.HasField("stopped") else None

        shown = await eventually(stopped, what="the stop")
        ends_on = years_after(decided, 1) + dt.timedelta(days=1)
        assert convert.from_date(shown.stopped.decided_on) == decided
        assert shown.stopped.department == DEPARTMENT
        assert convert.from_date(shown.stopped.reapplication_allowed_from) == ends_on
        assert not shown.HasField("revoked")
        assert await world.events("commitment.licence_revoked") == []

        answer = await portal.commitments.CheckEligibility(check(uscc, banned_item))
        (reason,) = answer.reasons
        assert reason.reason == commitment_pb2.INELIGIBILITY_REASON_REAPPLICATION_BANNED
        assert convert.from_date(reason.ends_on) == ends_on
        assert "第七十八条" in reason.description


async def test_an_item_not_safety_related_is_stopped_without_a_ban(servers: Servers, tmp_path: Path) -> None:
    async with commitment_world(servers, tmp_path) as world:
        plain_item = await published_item(world.as_role("catalogue_admin"))
        portal, staff, uscc = world.as_role("portal"), world.as_role("verifier"), new_uscc()
        made = (await portal.commitments.RecordCommitment(record(uscc, plain_item))).commitment
        revoke = vpb.Measure(kind=vpb.MEASURE_KIND_REVOKE_DECISION, legal_basis=BASIS)
        stop = vpb.Measure(kind=vpb.MEASURE_KIND_STOP_PROCESSING, legal_basis="终止办理")
        await deliver(world, conclusion(made, china_date(world.clock.now()), stop, revoke), str(uuid.uuid4()))

        async def both() -> commitment_pb2.Commitment | None:
            found = await get(staff, made)
            return found if found.HasField("revoked") and found.HasField("stopped") else None

        shown = await eventually(both, what="both measures")
        assert not shown.revoked.HasField("reapplication_allowed_from")
        assert not shown.stopped.HasField("reapplication_allowed_from")
        assert len(await world.events("commitment.licence_revoked")) == 1
        assert (await portal.commitments.CheckEligibility(check(uscc, plain_item))).eligible
        assert await world.count("reapplication_ban") == 0
