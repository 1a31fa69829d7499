"""Expiry across the processes: when a record's maximum publicity period ends, the credit
service's scheduled job lifts its restriction and the commitment route opens again.

The test moves the credit service's clock, so it runs on a stack of its own."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from google.protobuf.duration_pb2 import Duration

from chengnuo.common.v1 import dev_clock_pb2, dev_clock_pb2_grpc
from chengnuo.credit.v1 import credit_pb2 as pb
from services.credit.domain.records import add_months
from services.kernel import convert
from services.launcher.stack import Stack
from tests.e2e.conftest import Clients, service_today
from tests.e2e.test_credit_flow import becomes, dishonest, ref
from tests.support import channel, eventually


@pytest.fixture
async def roles(own_stack: Stack) -> AsyncIterator[Callable[..., Clients]]:
    made: list[Clients] = []

    def make(*names: str) -> Clients:
        made.append(Clients(own_stack, names))
        return made[-1]

    yield make
    for c in made:
        await c.close()


async def test_expiry_lifts_the_restriction_and_restores_the_commitment_route(
    own_stack: Stack, roles: Callable[..., Clients]
) -> None:
    today = await service_today(own_stack, "credit")
    # Serious (referred to the judiciary): published for 36 months under either rule set, so a
    # decision 36 months less two days ago ends the day after tomorrow.
    decided = add_months(today, -36) + dt.timedelta(days=2)
    uscc, item_id, record = await dishonest(roles, decided, referred=True)
    assert convert.from_date(record.publicity_end) == today + dt.timedelta(days=2)
    portal = roles("portal")
    await becomes(portal, uscc, item_id, allowed=False)

    admin = roles("admin")
    async with channel(own_stack.endpoints()["credit"], admin.token) as ch:
        await dev_clock_pb2_grpc.DevClockServiceStub(ch).Advance(
            dev_clock_pb2.AdvanceRequest(request_id=str(uuid.uuid4()), by=Duration(seconds=3 * 86400))
        )
    await becomes(portal, uscc, item_id, allowed=True)

    officer = roles("credit_officer")

    async def expired() -> pb.GetCreditStatusResponse | None:
        status = await officer.credit.GetCreditStatus(pb.GetCreditStatusRequest(subject=ref(uscc)))
        return status if status.records[0].status == pb.RECORD_STATUS_EXPIRED else None

    status = await eventually(expired, what="expired record")
    assert (list(status.restrictions), status.grade) == ([], pb.GRADE_B)
    assert status.records[0].ended_on == record.publicity_end
