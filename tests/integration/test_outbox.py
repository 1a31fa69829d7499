from __future__ import annotations

import pytest

from chengnuo.events.v1 import commitment_events_pb2
from services.kernel.outbox import OutboxRelay
from tests.integration.conftest import World


def _event(code: str) -> commitment_events_pb2.CommitmentRecorded:
    return commitment_events_pb2.CommitmentRecorded(commitment_id=code, code=code)


def _relay(world: World) -> OutboxRelay:
    return OutboxRelay(world.pool, world.bus, world.db.catalog, "/test")


async def _stream_messages(world: World) -> int:
    info = await world.bus.js.stream_info(world.stream.name)
    return int(info.state.messages)


async def test_committed_events_are_published_once_with_cloudevents_headers(world: World) -> None:
    async with world.db.unit_of_work() as uow:
        event_id = uow.emit(_event("A"), entity="thing/A")
        uow.emit(_event("B"), entity="thing/B")
    relay = _relay(world)
    assert await relay.publish_batch() == 2
    assert await relay.publish_batch() == 0
    assert await _stream_messages(world) == 2
    message = await world.bus.js.get_msg(world.stream.name, seq=1)
    headers = message.headers or {}
    assert headers["ce-id"] == headers["Nats-Msg-Id"] == event_id
    assert headers["ce-type"] == f"cn.chengnuo.{world.event.subject}.v1"
    assert headers["ce-subject"] == "thing/A"
    assert headers["ce-specversion"] == "1.0"
    assert commitment_events_pb2.CommitmentRecorded.FromString(message.data or b"").code == "A"


async def test_a_relay_crash_after_publishing_does_not_double_the_event(world: World) -> None:
    async with world.db.unit_of_work() as uow:
        uow.emit(_event("A"), entity="thing/A")
    relay = _relay(world)
    await relay.publish_batch()
    # As if the process died after publishing but before marking the row sent.
    await world.pool.execute("UPDATE outbox SET published_at = NULL")
    assert await relay.publish_batch() == 1
    assert await _stream_messages(world) == 1


async def test_a_rolled_back_unit_of_work_leaves_no_event_and_no_audit(world: World) -> None:
    async def failing_change() -> None:
        async with world.db.unit_of_work() as uow:
            uow.emit(_event("A"), entity="thing/A")
            uow.audit("thing.create", "thing/A")
            await uow.conn.execute("INSERT INTO effect VALUES ('x', 'change')")
            raise RuntimeError("the change fails")

    with pytest.raises(RuntimeError):
        await failing_change()
    assert await world.pool.fetchval("SELECT count(*) FROM outbox") == 0
    assert await world.pool.fetchval("SELECT count(*) FROM audit_log") == 0
    assert await world.pool.fetchval("SELECT count(*) FROM effect") == 0


async def test_two_relays_share_the_rows_without_publishing_any_twice(world: World) -> None:
    for n in range(200):
        async with world.db.unit_of_work() as uow:
            uow.emit(_event(str(n)), entity=f"thing/{n}")
    first, second = _relay(world), _relay(world)
    first.batch = second.batch = 10
    while await first.publish_batch() + await second.publish_batch():
        pass
    assert first.published + second.published == 200
    assert first.published > 0
    assert second.published > 0
    assert await _stream_messages(world) == 200
