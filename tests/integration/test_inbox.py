from __future__ import annotations

import asyncio
import uuid
from typing import Any

from chengnuo.events.v1 import commitment_events_pb2
from services.kernel.events import EventMeta, headers
from services.kernel.inbox import Consumer, Redelivery, Subscription
from services.kernel.uow import UnitOfWork
from tests.conftest import Servers
from tests.integration.conftest import World
from tests.support import eventually


async def _publish(world: World, event_id: str, code: str, msg_id: str | None = None) -> None:
    attrs = headers(event_id, world.event, "/test", f"thing/{code}", world.clock.now())
    attrs["Nats-Msg-Id"] = msg_id or event_id
    payload = commitment_events_pb2.CommitmentRecorded(code=code).SerializeToString()
    await world.bus.js.publish(world.event.subject, payload, headers=attrs)


async def _record(event: commitment_events_pb2.CommitmentRecorded, uow: UnitOfWork, meta: EventMeta) -> None:
    await uow.conn.execute("INSERT INTO effect VALUES ($1, $2)", meta.id, event.code)


def _consumer(world: World, handler: Any, redelivery: Redelivery | None = None) -> Consumer:
    subscription = Subscription(f"{world.schema}-reader", world.stream.name, {world.event.subject: handler})
    return Consumer(world.bus, world.db, world.db.catalog, subscription, redelivery or Redelivery())


async def _effects(world: World) -> list[str]:
    return [r["note"] for r in await world.pool.fetch("SELECT note FROM effect ORDER BY note")]


async def test_a_redelivered_event_is_applied_once(world: World) -> None:
    consumer = _consumer(world, _record)
    task = asyncio.create_task(consumer.run())
    try:
        event_id = str(uuid.uuid4())
        await _publish(world, event_id, "A")
        # The same event published again under another message id gets past JetStream's dedupe.
        await _publish(world, event_id, "A", msg_id=str(uuid.uuid4()))
        await _publish(world, str(uuid.uuid4()), "B")
        await eventually(lambda: _done(consumer, 3), what="three deliveries")
        assert await _effects(world) == ["A", "B"]
        assert consumer.caught_up_at is not None
    finally:
        task.cancel()


async def _done(consumer: Consumer, applied: int) -> bool:
    return consumer.applied >= applied


async def test_an_event_that_keeps_failing_is_dead_lettered_after_bounded_retries(world: World) -> None:
    attempts: list[str] = []

    async def broken(event: Any, uow: UnitOfWork, meta: EventMeta) -> None:
        attempts.append(meta.id)
        await uow.conn.execute("INSERT INTO effect VALUES ($1, 'partial')", meta.id)
        raise ValueError("cannot apply this event")

    redelivery = Redelivery(backoff=(0.1, 0.1), ack_wait=5)
    consumer = _consumer(world, broken, redelivery)
    task = asyncio.create_task(consumer.run())
    parked = await world.bus.js.pull_subscribe(f"deadletter.{world.schema}-reader", stream="DEADLETTER")
    try:
        await _publish(world, "poison-1", "P")
        messages = await parked.fetch(1, timeout=20)
        assert messages[0].headers is not None
        assert messages[0].headers["ce-id"] == "poison-1"
        assert "cannot apply this event" in messages[0].headers["chengnuo-error"]
        assert attempts == ["poison-1"] * redelivery.attempts
        assert await _effects(world) == []  # every failed attempt rolled back
    finally:
        task.cancel()
        await parked.unsubscribe()


async def test_a_consumer_resumes_after_the_nats_server_restarts(world: World, servers: Servers) -> None:
    assert servers.nats is not None, "needs the embedded NATS server it can restart"
    consumer = _consumer(world, _record)
    task = asyncio.create_task(consumer.run())
    try:
        await _publish(world, str(uuid.uuid4()), "before")
        await eventually(lambda: _done(consumer, 1), what="first event")
        await servers.nats.restart()
        await eventually(lambda: _connected(world), what="reconnect")
        await _publish(world, str(uuid.uuid4()), "after")
        await eventually(lambda: _done(consumer, 2), timeout=40, what="event after restart")
        assert await _effects(world) == ["after", "before"]
    finally:
        task.cancel()


async def _connected(world: World) -> bool:
    return bool(world.bus.nc.is_connected)


async def test_a_failing_event_in_a_batch_fails_alone(world: World) -> None:
    async def picky(event: Any, uow: UnitOfWork, meta: EventMeta) -> None:
        await uow.conn.execute("INSERT INTO effect VALUES ($1, $2)", meta.id, event.code)
        uow.audit("effect.add", meta.id)
        if event.code == "bad":
            raise ValueError("this one cannot be applied")

    # Published before the consumer starts, so they arrive in one fetched batch.
    for code in ("a", "bad", "b", "c"):
        await _publish(world, str(uuid.uuid4()), code)
    consumer = _consumer(world, picky, Redelivery(backoff=(0.1,), ack_wait=5))
    parked = await world.bus.js.pull_subscribe(f"deadletter.{world.schema}-reader", stream="DEADLETTER")
    task = asyncio.create_task(consumer.run())
    try:
        await eventually(lambda: _done(consumer, 3), what="the three good events")
        assert await _effects(world) == ["a", "b", "c"]
        (dead,) = await parked.fetch(1, timeout=20)
        assert dead.headers is not None
        assert "cannot be applied" in dead.headers["chengnuo-error"]
        assert await world.pool.fetchval("SELECT count(*) FROM audit_log") == 3
        assert await _effects(world) == ["a", "b", "c"]
    finally:
        task.cancel()
        await parked.unsubscribe()


async def test_a_slow_batch_says_it_is_in_progress_and_is_not_delivered_again(world: World) -> None:
    """A batch that takes longer than the ack deadline (a busy database) is kept by the server for
    the replica applying it: the other replica is not handed it meanwhile (no redelivery, no
    inflated attempt count)."""
    applied: list[str] = []

    async def slow(event: Any, uow: UnitOfWork, meta: EventMeta) -> None:
        await asyncio.sleep(2.5)  # well past ack_wait below
        applied.append(meta.id)

    redelivery = Redelivery(backoff=(0.1,), ack_wait=1.0)
    replicas = [_consumer(world, slow, redelivery) for _ in range(2)]  # one durable, two replicas
    tasks = [asyncio.create_task(c.run()) for c in replicas]
    try:
        await asyncio.sleep(0.5)  # both subscribed and waiting
        await _publish(world, "slow-1", "S")

        async def acknowledged() -> bool:
            return sum(c.applied for c in replicas) >= 1

        await eventually(acknowledged, timeout=20, what="the slow event applied")
        await asyncio.sleep(1.5)  # long enough for a second delivery to have happened
        # A second delivery would be taken by a replica (and found in the inbox): counted as handled.
        assert (sum(c.applied for c in replicas), applied) == (1, ["slow-1"])
    finally:
        for task in tasks:
            task.cancel()
