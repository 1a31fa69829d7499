"""Push (推送) and feedback (反馈) through the service processes: each service's own events of a
pushed data class become deliveries for every receiver with a push agreement; receivers
acknowledge and say what they did; the sender lists what each receiver has not acknowledged."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from functools import partial

import grpc
import pytest

from chengnuo.common.v1 import sharing_pb2 as pb
from chengnuo.common.v1 import sharing_pb2_grpc
from chengnuo.verification.v1 import sharing_pb2 as vspb
from services.launcher.stack import Stack
from tests.e2e.cli import Cli
from tests.e2e.conftest import service_today
from tests.e2e.test_credit_flow import Roles, dishonest, ref
from tests.e2e.test_sharing_queries import Consumer, Consumers, agree, audit_show, department
from tests.support import eventually, failure


@pytest.fixture
async def consumers(stack: Stack) -> AsyncIterator[Consumers]:
    made: list[Consumer] = []

    def make(name: str, *roles: str) -> Consumer:
        made.append(Consumer(stack, name, roles or ("data_consumer",)))
        return made[-1]

    yield make
    for c in made:
        await c.close()


async def delivery(
    stub: sharing_pb2_grpc.SharingServiceAsyncStub, entity: str, receiver: str = ""
) -> pb.PushDelivery | None:
    """The caller's (or, for an administrator, `receiver`'s) unacknowledged delivery of `entity`."""
    answer = await stub.ListUnacknowledged(pb.ListUnacknowledgedRequest(receiver=receiver, page_size=1000))
    while True:
        found = next((d for d in answer.deliveries if d.entity == entity), None)
        if found or not answer.next_page_token:
            return found
        answer = await stub.ListUnacknowledged(
            pb.ListUnacknowledgedRequest(receiver=receiver, page_size=1000, page_token=answer.next_page_token)
        )


async def test_each_services_events_wait_for_each_receivers_feedback(
    as_role: Roles, consumers: Consumers, stack: Stack
) -> None:
    receiver, other = department(), department()
    agreements = {
        service: await agree(stack, data_class, receiver, ["daily_supervision"], push=True)
        for service, data_class in (
            ("commitment", "commitments"),
            ("verification", "verification_results"),
            ("credit", "credit_records"),
        )
    }
    await agree(stack, "credit_records", other, ["daily_supervision"])  # no push: no deliveries
    uscc, _, record = await dishonest(as_role, await service_today(stack, "verification"))
    me = consumers(receiver)
    results = vspb.ListVerificationResultsRequest(subject=ref(uscc), purpose="daily_supervision")
    (result,) = (await me.verification.ListVerificationResults(results)).results
    expected = {
        "commitment": ("commitment.recorded", f"commitment/{record.commitment_id}"),
        "verification": ("verification.concluded", f"task/{result.task_id}"),
        "credit": ("credit.record_created", f"record/{record.record_id}"),
    }
    for service, (event, entity) in expected.items():
        pushed = await eventually(partial(delivery, me.sharing[service], entity), what=f"{event} pushed")
        assert (pushed.event, pushed.receiver, pushed.outcome) == (
            event,
            receiver,
            pb.PUSH_OUTCOME_UNSPECIFIED,
        )
    assert await delivery(consumers(other).sharing["credit"], expected["credit"][1]) is None

    admin = consumers("350200-DSJ", "admin").sharing["credit"]
    entity = expected["credit"][1]
    waiting = await delivery(admin, entity, receiver)
    assert waiting is not None
    before = await admin.ListUnacknowledged(pb.ListUnacknowledgedRequest(receiver=receiver))
    assert before.pending_by_receiver[receiver] >= 1

    stranger = await failure(
        consumers(department()).sharing["credit"].AcknowledgePush(_ack(waiting.event_id, "已核对"))
    )
    assert stranger.code == grpc.StatusCode.NOT_FOUND  # only the receiver acknowledges its delivery
    done = (await me.sharing["credit"].AcknowledgePush(_ack(waiting.event_id, "已列为重点监管对象"))).delivery
    assert (done.outcome, done.feedback, done.HasField("acknowledged_at")) == (
        pb.PUSH_OUTCOME_APPLIED,
        "已列为重点监管对象",
        True,
    )
    assert await delivery(admin, entity, receiver) is None
    after = await admin.ListUnacknowledged(pb.ListUnacknowledgedRequest(receiver=receiver))
    assert after.pending_by_receiver[receiver] == before.pending_by_receiver[receiver] - 1

    code, out = Cli(stack, ["admin"])("sharing", "pending", "--receiver", receiver, "--json")
    assert code == 0
    assert {d["entity"] for d in json.loads(out)} >= {expected["commitment"][1], expected["verification"][1]}
    trail = audit_show(stack, "--action", "sharing.acknowledge", "--actor", "tester")
    assert any(r["department"] == receiver and r["target"] == f"push/{waiting.event_id}" for r in trail)
    pushes = audit_show(stack, "--action", "sharing.push", "--limit", "1000")
    assert any(r["target"] == f"push/{waiting.event_id}" and r["service"] == "credit" for r in pushes)
    for service, agreement_id in agreements.items():  # the rest of the session pushes nothing to it
        revoke = pb.RevokeAgreementRequest(
            request_id=str(uuid.uuid4()), agreement_id=agreement_id, reason="test over"
        )
        revoked = await consumers("350200-DSJ", "admin").sharing[service].RevokeAgreement(revoke)
        assert revoked.agreement.HasField("revoked_at")


def _ack(event_id: str, feedback: str) -> pb.AcknowledgePushRequest:
    return pb.AcknowledgePushRequest(
        request_id=str(uuid.uuid4()), event_id=event_id, outcome=pb.PUSH_OUTCOME_APPLIED, feedback=feedback
    )
