"""Fulfilment (履约状态) follows `verification.concluded` from the VERIFICATION stream and is
announced as `commitment.fulfilment_changed`."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from chengnuo.commitment.v1 import commitment_pb2
from chengnuo.events.v1 import commitment_events_pb2, verification_events_pb2
from chengnuo.verification.v1 import verification_pb2
from services.kernel import convert
from tests.conftest import Servers
from tests.integration.test_commitment_world import CommitmentWorld, commitment_world, published_item, record
from tests.support import eventually, new_uscc

Status = commitment_pb2.FulfilmentStatus


async def concluded(
    world: CommitmentWorld, c: commitment_pb2.Commitment, outcome: int, task_id: str | None = None
) -> tuple[str, str]:
    task = task_id or str(uuid.uuid4())
    event = verification_events_pb2.VerificationConcluded(
        task_id=task,
        commitment_id=c.commitment_id,
        subject=c.subject,
        department="350200-SCJ",
        outcome=outcome,  # type: ignore[arg-type]
        decision_date=convert.to_date(dt.date(2026, 3, 20)),
        concluded_at=convert.to_timestamp(dt.datetime(2026, 3, 20, 2, tzinfo=dt.UTC)),
    )
    return task, await world.publish("verification.concluded", event, f"task/{task}")


async def test_fulfilment_follows_the_verification_outcomes(servers: Servers, tmp_path: Path) -> None:
    async with commitment_world(servers, tmp_path) as world:
        item_id = await published_item(world.as_role("catalogue_admin"))
        portal, staff = world.as_role("portal"), world.as_role("verifier")
        first = (await portal.commitments.RecordCommitment(record(new_uscc(), item_id))).commitment
        second = (await portal.commitments.RecordCommitment(record(new_uscc(), item_id))).commitment

        async def status_of(c: commitment_pb2.Commitment) -> commitment_pb2.Fulfilment:
            request = commitment_pb2.GetCommitmentRequest(commitment_id=c.commitment_id)
            return (await staff.commitments.GetCommitment(request)).commitment.fulfilment

        async def becomes(c: commitment_pb2.Commitment, wanted: int) -> commitment_pb2.Fulfilment | None:
            found = await status_of(c)
            return found if found.status == wanted else None

        task, _event_id = await concluded(world, first, verification_pb2.OUTCOME_TRUE)
        fulfilled = await eventually(
            lambda: becomes(first, Status.FULFILMENT_STATUS_FULFILLED), what="fulfilled"
        )
        assert fulfilled.determined_by == "350200-SCJ"
        assert convert.from_date(fulfilled.determined_on) == dt.date(2026, 3, 20)

        _, again = await concluded(world, first, verification_pb2.OUTCOME_TRUE, task)  # the same result twice
        await eventually(lambda: _applied(world, again), what="the repeated result")
        await concluded(world, first, verification_pb2.OUTCOME_FALSE)
        await eventually(lambda: becomes(first, Status.FULFILMENT_STATUS_PARTIALLY_FULFILLED), what="partial")
        _, unverifiable = await concluded(world, first, verification_pb2.OUTCOME_UNVERIFIABLE)
        await eventually(lambda: _applied(world, unverifiable), what="the unverifiable result")
        assert (await status_of(first)).status == Status.FULFILMENT_STATUS_PARTIALLY_FULFILLED

        await concluded(world, second, verification_pb2.OUTCOME_FALSE)
        await eventually(
            lambda: becomes(second, Status.FULFILMENT_STATUS_NOT_FULFILLED), what="not fulfilled"
        )

        changes = [
            commitment_events_pb2.CommitmentFulfilmentChanged.FromString(p)
            for p in await world.events("commitment.fulfilment_changed")
        ]
        assert [(e.commitment_id, e.previous_status, e.status) for e in changes] == [
            (first.commitment_id, Status.FULFILMENT_STATUS_PENDING, Status.FULFILMENT_STATUS_FULFILLED),
            (
                first.commitment_id,
                Status.FULFILMENT_STATUS_FULFILLED,
                Status.FULFILMENT_STATUS_PARTIALLY_FULFILLED,
            ),
            (second.commitment_id, Status.FULFILMENT_STATUS_PENDING, Status.FULFILMENT_STATUS_NOT_FULFILLED),
        ]
        assert changes[0].task_id == task
        assert changes[0].code == first.code
        assert await world.count("verification_result") == 4

        listed = await staff.commitments.ListCommitments(
            commitment_pb2.ListCommitmentsRequest(fulfilment=Status.FULFILMENT_STATUS_NOT_FULFILLED)
        )
        assert [c.commitment_id for c in listed.commitments] == [second.commitment_id]


async def _applied(world: CommitmentWorld, event_id: str) -> bool:
    return await world.count("inbox", "event_id = $1", event_id) == 1
