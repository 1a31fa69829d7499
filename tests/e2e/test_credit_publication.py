"""Publication (公示) across the processes: a false conclusion in the verification service becomes a
published record on the PUBLIC stream of the real NATS, sent by the credit service's outbox relay
under its own NATS user, and its repair withdraws it there."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import nats
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from chengnuo.credit.v1 import repair_pb2 as rpb
from chengnuo.events.v1 import public_events_pb2 as pub
from services.contracts import public_events
from services.launcher.stack import Stack
from tests.e2e.conftest import Clients, service_today
from tests.e2e.test_credit_flow import Credit, dishonest, ref
from tests.support import eventually

Roles = Callable[..., Clients]


async def public_messages(stack: Stack, entity: str) -> list[Msg]:
    """Every message about `entity` on the PUBLIC stream, read by a throwaway consumer."""
    nc = await nats.connect(stack.nats_url)
    try:
        pull = await nc.jetstream().pull_subscribe(
            "public.>",
            stream=public_events.STREAM.name,
            config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL),
        )
        found: list[Msg] = []
        while True:
            try:
                found += await pull.fetch(256, timeout=0.5)
            except (NatsTimeout, TimeoutError, NotFoundError):
                return [m for m in found if (m.headers or {}).get("ce-subject") == entity]
    finally:
        await nc.close()


async def test_a_record_is_published_on_the_public_stream_and_withdrawn_on_repair(
    as_role: Roles, stack: Stack
) -> None:
    # Four months back: under NDRC-36 on any clock start after July 2026, past the ordinary
    # class's minimum of three months (repairable) and within its maximum of twelve (published).
    decided = await service_today(stack, "verification") - dt.timedelta(days=120)
    uscc, _, record = await dishonest(as_role, decided)
    entity = f"record/{record.record_id}"

    async def published() -> list[Msg] | None:
        return await public_messages(stack, entity) or None

    (message,) = await eventually(published, what="the record on the PUBLIC stream")
    assert message.subject == public_events.RECORD.subject
    assert message.headers is not None
    assert message.headers["ce-type"] == "cn.chengnuo.public.record.v1"
    assert message.headers["ce-source"] == "/chengnuo/credit"
    shown = pub.PublicRecord.FromString(message.data)
    assert (shown.record_number, shown.subject.key, shown.record_class) == (record.record_id, uscc, "一般")
    assert shown.publicity_end == record.publicity_end

    portal, reviewer = Credit(stack, as_role("portal")), Credit(stack, as_role("credit_reviewer"))
    try:
        applied = await portal.repair.ApplyRepair(
            rpb.ApplyRepairRequest(
                request_id=str(uuid.uuid4()),
                record_id=record.record_id,
                applicant=ref(uscc),
                obligations_performed="已补正经营场所使用权证明",
                repair_commitment="本单位承诺依法诚信经营（信用修复承诺）",
            )
        )
        await reviewer.repair.DecideRepair(
            rpb.DecideRepairRequest(
                request_id=str(uuid.uuid4()),
                application_id=applied.application.application_id,
                decision=rpb.REPAIR_DECISION_APPROVE,
            )
        )
    finally:
        await portal.channel.close()
        await reviewer.channel.close()

    async def withdrawn() -> list[Msg] | None:
        found = await public_messages(stack, entity)
        return found if len(found) == 2 else None

    _, last = await eventually(withdrawn, what="the withdrawal on the PUBLIC stream")
    assert last.subject == public_events.RECORD_WITHDRAWN.subject
    gone = pub.PublicRecordWithdrawn.FromString(last.data)
    assert (gone.record_number, gone.subject_key, gone.reason) == (
        record.record_id,
        uscc,
        pub.WITHDRAWAL_REPAIRED,
    )
