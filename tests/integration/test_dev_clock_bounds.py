"""DevClockService.Advance: bounded, and the process's clock moves only once the advance is committed."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from google.protobuf.duration_pb2 import Duration

from chengnuo.common.v1 import dev_clock_pb2
from services.kernel.auth import Caller, set_current_caller
from services.kernel.errors import InvalidArgument
from services.kernel.features.dev_clock.api import MAX_OFFSET, DevClockApi
from tests.integration.conftest import World


def _advance(days: int) -> dev_clock_pb2.AdvanceRequest:
    by = Duration()
    by.FromTimedelta(dt.timedelta(days=days))
    return dev_clock_pb2.AdvanceRequest(request_id=str(uuid.uuid4()), by=by)


@pytest.fixture
async def api(world: World) -> DevClockApi:
    set_current_caller(Caller("admin-1", "", "", frozenset({"admin"}), expires_at=0))
    # As a stack's start does (services/kernel/features/dev_clock/follow.py, adopt): the clock's
    # start (CHENGNUO_CLOCK_START) is stored.
    await world.pool.execute("INSERT INTO dev_clock (offset_us) VALUES ($1)", _micros(world.clock.offset))
    return DevClockApi(world.db, world.clock)


def _micros(offset: dt.timedelta) -> int:
    return offset // dt.timedelta(microseconds=1)


async def _stored(world: World) -> int | None:
    value = await world.pool.fetchval("SELECT offset_us FROM dev_clock")
    return None if value is None else int(value)


async def test_an_advance_moves_the_clock_and_the_stored_offset(world: World, api: DevClockApi) -> None:
    before = world.clock.offset
    answer = await api.Advance(_advance(3), None)
    assert world.clock.offset == before + dt.timedelta(days=3)
    assert answer.offset.ToTimedelta() == before + dt.timedelta(days=3)
    assert await _stored(world) == _micros(before + dt.timedelta(days=3))


async def test_an_advance_that_is_not_committed_leaves_the_clock_alone(
    world: World, api: DevClockApi
) -> None:
    before = world.clock.offset
    handler = DevClockApi.Advance.__wrapped__  # type: ignore[attr-defined]  # without its own unit of work

    async def advance_then_fail() -> None:
        async with world.db.unit_of_work() as uow:
            await handler(api, _advance(30), uow)
            raise RuntimeError("the commit fails")

    with pytest.raises(RuntimeError):
        await advance_then_fail()
    assert world.clock.offset == before
    assert await _stored(world) == _micros(before)


async def test_advancing_beyond_a_century_in_all_is_refused(world: World, api: DevClockApi) -> None:
    # Up to ten days short of the bound, in steps no longer than one advance may be.
    while (room := (MAX_OFFSET - world.clock.offset).days - 10) > 0:
        await api.Advance(_advance(min(room, MAX_OFFSET.days)), None)
    before = world.clock.offset
    with pytest.raises(InvalidArgument) as refused:
        await api.Advance(_advance(11), None)
    assert refused.value.violations[0].field == "by"
    with pytest.raises(InvalidArgument):
        await api.Advance(_advance(10_000 * 366), None)  # ten thousand years at once
    assert world.clock.offset == before
    assert world.clock.now().year < 2200  # the clock still works
