"""The eligibility projection follows `credit.restriction_changed` on the CREDIT stream:
a restriction bars the subject as soon as it is applied, a later version lifts it, and an older
version arriving late changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import grpc

from chengnuo.commitment.v1 import commitment_pb2
from chengnuo.common.v1 import subject_pb2
from chengnuo.credit.v1 import credit_pb2
from chengnuo.events.v1 import credit_events_pb2
from services.kernel import convert
from tests.conftest import Servers
from tests.integration.test_commitment_world import (
    LEGAL,
    CommitmentWorld,
    commitment_world,
    published_item,
    record,
)
from tests.support import eventually, failure, new_uscc

NO_COMMITMENT = credit_pb2.RESTRICTION_KIND_NO_COMMITMENT
FALSE_BEFORE = credit_pb2.Restriction(
    kind=NO_COMMITMENT,
    cause=credit_pb2.RESTRICTION_CAUSE_EARLIER_FALSE_COMMITMENT,
    record_id="record-1",
    description="2026年作出不实承诺",
    repairable_from=convert.to_date(dt.date(2099, 2, 24)),
    ends_on=convert.to_date(dt.date(2099, 11, 24)),
)
BLACKLISTED = credit_pb2.Restriction(
    kind=NO_COMMITMENT,
    cause=credit_pb2.RESTRICTION_CAUSE_BLACKLISTED,
    record_id="list-1",
    description="列入严重失信主体名单",
    repairable_from=convert.to_date(dt.date(2100, 1, 1)),
)
Answer = Callable[[], Awaitable[commitment_pb2.CheckEligibilityResponse]]
WATCHED = credit_pb2.Restriction(kind=credit_pb2.RESTRICTION_KIND_PRIORITY_SUPERVISION, record_id="list-1")


async def change(
    world: CommitmentWorld, uscc: str, version: int, *restrictions: credit_pb2.Restriction
) -> str:
    event = credit_events_pb2.RestrictionChanged(
        subject=subject_pb2.SubjectRef(kind=LEGAL, code=uscc),
        version=version,
        restrictions=list(restrictions),
        changed_at=convert.to_timestamp(world.clock.now()),
    )
    return await world.publish("credit.restriction_changed", event, f"subject/{uscc}")


async def test_restrictions_bar_and_lift_in_version_order(servers: Servers, tmp_path: Path) -> None:
    async with commitment_world(servers, tmp_path) as world:
        item_id = await published_item(world.as_role("catalogue_admin"))
        portal, uscc = world.as_role("portal"), new_uscc()
        check = commitment_pb2.CheckEligibilityRequest(
            subject=subject_pb2.SubjectRef(kind=LEGAL, code=uscc), item_id=item_id
        )

        async def answer() -> commitment_pb2.CheckEligibilityResponse:
            found: commitment_pb2.CheckEligibilityResponse = await portal.commitments.CheckEligibility(check)
            return found

        async def reasons() -> list[int]:
            return [r.reason for r in (await answer()).reasons]

        assert (await answer()).eligible
        await change(world, uscc, 1, FALSE_BEFORE, WATCHED)
        barred = await eventually(lambda: _refused(answer), what="the first restriction")
        (reason,) = barred.reasons
        assert reason.reason == commitment_pb2.INELIGIBILITY_REASON_EARLIER_FALSE_COMMITMENT
        assert (reason.record_id, reason.repairable_from) == ("record-1", FALSE_BEFORE.repairable_from)
        assert barred.earliest_change == FALSE_BEFORE.repairable_from

        refused = await failure(portal.commitments.RecordCommitment(record(uscc, item_id)))
        assert refused.code == grpc.StatusCode.FAILED_PRECONDITION
        assert refused.precondition_types() == [("EARLIER_FALSE_COMMITMENT", "record-1")]

        await change(world, uscc, 3, FALSE_BEFORE, BLACKLISTED)
        both = [
            commitment_pb2.INELIGIBILITY_REASON_EARLIER_FALSE_COMMITMENT,
            commitment_pb2.INELIGIBILITY_REASON_BLACKLISTED,
        ]
        await eventually(lambda: _equal(reasons, both), what="the second version")
        assert (await answer()).earliest_change == BLACKLISTED.repairable_from  # waits for the last reason

        stale = await change(world, uscc, 2)  # an older statement, published late
        await eventually(lambda: _applied(world, stale), what="the stale event to be consumed")
        assert await reasons() == both

        await change(world, uscc, 4, WATCHED)  # repaired: only priority supervision is left
        lifted = await eventually(lambda: _eligible(answer), what="the repair")
        assert not lifted.reasons
        assert lifted.HasField("credit_view_as_of")
        assert (await portal.commitments.RecordCommitment(record(uscc, item_id))).commitment.code
        # this subject's updates only: the credit stream is shared with the session's other tests
        updates = await world.count("audit_log", "action = 'eligibility.update' AND subject_code = $1", uscc)
        assert updates == 3


async def _refused(answer: Answer) -> commitment_pb2.CheckEligibilityResponse | None:
    found = await answer()
    return None if found.eligible else found


async def _eligible(answer: Answer) -> commitment_pb2.CheckEligibilityResponse | None:
    found = await answer()
    return found if found.eligible else None


async def _equal(reasons: Callable[[], Awaitable[list[int]]], expected: Sequence[int]) -> bool:
    return await reasons() == list(expected)


async def _applied(world: CommitmentWorld, event_id: str) -> bool:
    return await world.count("inbox", "event_id = $1", event_id) == 1


async def test_a_replay_gets_its_first_answer_even_once_the_subject_is_barred(
    servers: Servers, tmp_path: Path
) -> None:
    async with commitment_world(servers, tmp_path) as world:
        item_id = await published_item(world.as_role("catalogue_admin"))
        portal, uscc = world.as_role("portal"), new_uscc()
        request = record(uscc, item_id)
        first = await portal.commitments.RecordCommitment(request)
        await change(world, uscc, 1, FALSE_BEFORE)
        check = commitment_pb2.CheckEligibilityRequest(
            subject=subject_pb2.SubjectRef(kind=LEGAL, code=uscc), item_id=item_id
        )
        await eventually(lambda: _refused(lambda: portal.commitments.CheckEligibility(check)))
        refused = await failure(portal.commitments.RecordCommitment(record(uscc, item_id)))
        assert refused.code == grpc.StatusCode.FAILED_PRECONDITION
        assert await portal.commitments.RecordCommitment(request) == first
        reused = commitment_pb2.RecordCommitmentRequest()
        reused.CopyFrom(request)
        reused.case_number = "CASE-OTHER"
        mismatch = await failure(portal.commitments.RecordCommitment(reused))
        assert (mismatch.code, mismatch.fields()) == (grpc.StatusCode.INVALID_ARGUMENT, ["request_id"])
        assert await world.count("commitment") == 1
