"""The commitment service among the real processes: fulfilment follows the verification
service's conclusions, and its events reach the bus in CloudEvents form."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import nats
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from chengnuo.commitment.v1 import catalogue_pb2, commitment_pb2
from chengnuo.events.v1 import commitment_events_pb2
from chengnuo.verification.v1 import verification_pb2 as vpb
from services.kernel import convert
from services.launcher.stack import Stack
from tests.e2e.conftest import Clients
from tests.e2e.test_thin_flow import draft, opened_on, publish_item, record_request, task_of
from tests.support import eventually, new_uscc

Roles = Callable[..., Clients]


async def bus_messages(stack: Stack, subject: str) -> list[Msg]:
    """Every message of `subject` on the COMMITMENT stream, read by a throwaway consumer."""
    nc = await nats.connect(stack.nats_url)
    try:
        js = nc.jetstream()
        pull = await js.pull_subscribe(
            subject, stream="COMMITMENT", config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL)
        )
        found: list[Msg] = []
        while True:
            try:
                batch = await pull.fetch(256, timeout=0.5)
            except (NatsTimeout, TimeoutError, NotFoundError):
                return found
            found += batch
    finally:
        await nc.close()


async def test_fulfilment_follows_the_verification_service(as_role: Roles, stack: Stack) -> None:
    portal, verifier = as_role("portal"), as_role("verifier")
    item_id = await publish_item(as_role("catalogue_admin"))
    recorded = (await portal.commitments.RecordCommitment(record_request(new_uscc(), item_id))).commitment
    task = await eventually(lambda: task_of(verifier, recorded.commitment_id), what="verification task")
    await verifier.verification.ConcludeTask(
        vpb.ConcludeTaskRequest(
            request_id=str(uuid.uuid4()),
            task_id=task.task_id,
            outcome=vpb.OUTCOME_TRUE,
            findings="不动产登记信息与承诺一致",
            decision_date=convert.to_date(opened_on(task)),
        )
    )
    staff = as_role("verifier")

    async def fulfilled() -> commitment_pb2.Commitment | None:
        found = await staff.commitments.GetCommitment(
            commitment_pb2.GetCommitmentRequest(commitment_id=recorded.commitment_id)
        )
        done = found.commitment.fulfilment.status == commitment_pb2.FULFILMENT_STATUS_FULFILLED
        return found.commitment if done else None

    commitment = await eventually(fulfilled, what="fulfilment")
    assert commitment.fulfilment.determined_by == recorded.department

    async def announced() -> commitment_events_pb2.CommitmentFulfilmentChanged | None:
        for message in await bus_messages(stack, "commitment.fulfilment_changed"):
            event = commitment_events_pb2.CommitmentFulfilmentChanged.FromString(message.data)
            if event.commitment_id == recorded.commitment_id:
                return event
        return None

    event = await eventually(announced, what="commitment.fulfilment_changed on the bus")
    assert event.status == commitment_pb2.FULFILMENT_STATUS_FULFILLED
    assert event.task_id == task.task_id


async def test_catalogue_and_withdrawal_events_reach_the_bus(as_role: Roles, stack: Stack) -> None:
    admin, portal = as_role("catalogue_admin", department="350200-ZJJ"), as_role("portal")
    created = await admin.catalogue.CreateItem(
        catalogue_pb2.CreateItemRequest(request_id=str(uuid.uuid4()), item=draft("施工许可证明"))
    )
    published = await admin.catalogue.PublishCatalogue(
        catalogue_pb2.PublishCatalogueRequest(request_id=str(uuid.uuid4()))
    )

    async def catalogue_event() -> Msg | None:
        for message in await bus_messages(stack, "catalogue.published"):
            event = commitment_events_pb2.CataloguePublished.FromString(message.data)
            if event.department == "350200-ZJJ" and event.version == published.version:
                return message
        return None

    message = await eventually(catalogue_event, what="catalogue.published on the bus")
    headers = message.headers or {}
    assert headers["ce-type"] == "cn.chengnuo.catalogue.published.v1"
    assert headers["ce-dataschema"] == "chengnuo.events.v1.CataloguePublished"
    event = commitment_events_pb2.CataloguePublished.FromString(message.data)
    assert [i.item_id for i in event.items] == [created.item.item_id]

    recorded = (
        await portal.commitments.RecordCommitment(record_request(new_uscc(), created.item.item_id))
    ).commitment
    await portal.commitments.WithdrawCommitment(
        commitment_pb2.WithdrawCommitmentRequest(
            request_id=str(uuid.uuid4()), commitment_id=recorded.commitment_id, reason="改为提交证明"
        )
    )

    async def withdrawn() -> commitment_events_pb2.CommitmentWithdrawn | None:
        for found in await bus_messages(stack, "commitment.withdrawn"):
            event = commitment_events_pb2.CommitmentWithdrawn.FromString(found.data)
            if event.commitment_id == recorded.commitment_id:
                return event
        return None

    gone = await eventually(withdrawn, what="commitment.withdrawn on the bus")
    assert (gone.code, gone.reason) == (recorded.code, "改为提交证明")
