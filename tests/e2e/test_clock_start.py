"""A stack starts on the day it is told, every service alike, and a restart keeps its time."""

from __future__ import annotations

import datetime as dt
import uuid

from google.protobuf.duration_pb2 import Duration

from chengnuo.common.v1 import dev_clock_pb2, dev_clock_pb2_grpc
from services.kernel import auth
from services.kernel.clock import parse_start
from services.kernel.config import SERVICES
from services.launcher.stack import Stack
from tests.conftest import CLOCK_START
from tests.e2e.conftest import service_today
from tests.support import channel, mint


async def test_every_service_reads_the_start_day_and_a_restart_keeps_the_time_reached(
    own_stack: Stack,
) -> None:
    start = parse_start(CLOCK_START).date()
    assert [await service_today(own_stack, name) for name in SERVICES] == [start] * len(SERVICES)

    token = mint(auth.load_private_key(own_stack.keys.signing_key), ["admin"])
    by = Duration()
    by.FromTimedelta(dt.timedelta(days=10))
    async with channel(own_stack.endpoints()["verification"], token) as ch:
        stub = dev_clock_pb2_grpc.DevClockServiceStub(ch)
        await stub.Advance(dev_clock_pb2.AdvanceRequest(request_id=str(uuid.uuid4()), by=by))
    await own_stack.stop_service("verification")
    await own_stack.start_service("verification")
    assert await service_today(own_stack, "verification") == start + dt.timedelta(days=10)
