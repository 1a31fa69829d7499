"""Overdue verification tasks on a stack of the module's own, whose verification clock moves."""

from __future__ import annotations

import datetime as dt
import uuid

from google.protobuf.duration_pb2 import Duration

from chengnuo.common.v1 import dev_clock_pb2, dev_clock_pb2_grpc
from chengnuo.verification.v1 import verification_pb2 as vpb
from services.contracts import verification_events
from services.kernel import convert
from services.launcher.stack import Stack
from tests.e2e.conftest import Clients, service_today
from tests.e2e.test_thin_flow import draft, publish_item, record_request, task_of
from tests.e2e.test_verification_flow import find_event
from tests.support import channel, eventually, new_uscc


async def _advance(stack: Stack, admin: Clients, days: int) -> None:
    by = Duration()
    by.FromTimedelta(dt.timedelta(days=days))
    async with channel(stack.endpoints()["verification"], admin.token) as ch:
        await dev_clock_pb2_grpc.DevClockServiceStub(ch).Advance(
            dev_clock_pb2.AdvanceRequest(request_id=str(uuid.uuid4()), by=by)
        )


async def test_a_task_past_its_due_date_on_the_service_clock_is_overdue_counted_and_announced(
    own_stack: Stack,
) -> None:
    clients = [Clients(own_stack, [role]) for role in ("catalogue_admin", "portal", "verifier", "admin")]
    admin, portal, verifier, root = clients
    try:
        item_id = await publish_item(admin, draft(days=1))
        recorded = (await portal.commitments.RecordCommitment(record_request(new_uscc(), item_id))).commitment
        task = await eventually(lambda: task_of(verifier, recorded.commitment_id), what="task")
        assert not task.overdue
        today = await service_today(own_stack, "verification")
        await _advance(own_stack, root, (convert.from_date(task.due_date) - today).days + 1)

        counts = await verifier.verification.CountOverdueTasks(vpb.CountOverdueTasksRequest())
        (mine,) = counts.departments
        assert (mine.overdue, mine.open) == (1, 1)
        listed = await verifier.verification.ListTasks(vpb.ListTasksRequest(overdue_only=True))
        assert [t.task_id for t in listed.tasks] == [task.task_id]
        overdue = await eventually(
            lambda: find_event(
                own_stack, verification_events.TASK_OVERDUE, lambda e: e.task_id == task.task_id
            ),
            what="verification.task_overdue",
        )
        assert overdue.due_date == task.due_date
    finally:
        for made in clients:
            await made.close()
