"""Nothing lost, nothing doubled: an event delivered twice takes effect once.

Crashed services and a restarted broker, under concurrent writes, are the fault suite's
(tests/faults/).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import nats
from nats.js import JetStreamContext

from chengnuo.common.v1 import subject_pb2
from chengnuo.credit.v1 import credit_pb2
from chengnuo.events.v1 import verification_events_pb2
from services.launcher.stack import Stack
from tests.e2e.conftest import Clients
from tests.e2e.test_thin_flow import (
    false_conclusion,
    opened_on,
    publish_item,
    record_request,
    stack_tasks,
    task_of,
)
from tests.support import eventually, new_uscc

Roles = Callable[..., Clients]


async def _drained(js: JetStreamContext, stream: str, consumer: str) -> bool:
    info = await js.consumer_info(stream, consumer)
    return not info.num_pending and not info.num_ack_pending


async def _records(officer: Clients, uscc: str) -> int:
    subject = subject_pb2.SubjectRef(kind=subject_pb2.SUBJECT_KIND_LEGAL_PERSON, code=uscc)
    return len(
        (await officer.credit.GetCreditStatus(credit_pb2.GetCreditStatusRequest(subject=subject))).records
    )


async def test_events_delivered_twice_take_effect_once(as_role: Roles, stack: Stack) -> None:
    portal, verifier, officer = as_role("portal"), as_role("verifier"), as_role("credit_officer")
    uscc = new_uscc()
    item_id = await publish_item(as_role("catalogue_admin"))
    recorded = (await portal.commitments.RecordCommitment(record_request(uscc, item_id))).commitment
    task = await eventually(lambda: task_of(verifier, recorded.commitment_id), what="task")
    await verifier.verification.ConcludeTask(false_conclusion(task.task_id, opened_on(task)))
    await eventually(lambda: _records(officer, uscc), what="record")

    nc = await nats.connect(stack.nats_url)
    try:
        js = nc.jetstream()
        for stream, subject in (
            ("COMMITMENT", "commitment.recorded"),
            ("VERIFICATION", "verification.false_commitment"),
        ):
            original = await js.get_last_msg(stream, subject)
            if subject == "verification.false_commitment":
                event = verification_events_pb2.FalseCommitmentFound.FromString(original.data or b"")
                assert event.commitment_id == recorded.commitment_id
            copy = dict(original.headers or {})
            copy["Nats-Msg-Id"] = str(uuid.uuid4())  # past JetStream's own dedupe, same CloudEvents id
            await js.publish(subject, original.data or b"", headers=copy)
        await eventually(lambda: _drained(js, "COMMITMENT", "verification-commitment"), what="drain")
        await eventually(lambda: _drained(js, "VERIFICATION", "credit-verification"), what="drain")
    finally:
        await nc.close()
    assert await _records(officer, uscc) == 1
    assert await stack_tasks(stack, recorded.commitment_id) == 1
