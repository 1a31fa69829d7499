"""Two installations on one NATS (CHENGNUO_NATS_PREFIX): the same streams, subjects and consumer
names under different prefixes never see each other's events, nor each other's dead letters."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
from nats.js.errors import NotFoundError

from chengnuo.events.v1 import commitment_events_pb2
from services.contracts.commitment_events import RECORDED
from services.contracts.events import CATALOG
from services.kernel import migrations
from services.kernel.bus import DEAD_LETTER, Bus, Names, connect, ensure_streams
from services.kernel.db import create_pool
from services.kernel.events import EventCatalog, EventMeta, EventType, Stream, headers
from services.kernel.inbox import Consumer, Redelivery, Subscription, dead_letters
from services.kernel.outbox import OutboxRelay
from services.kernel.uow import Actor, Database, UnitOfWork
from tests.conftest import Servers, dev_clock
from tests.support import eventually

CHENGNUO = str(Path(sys.executable).parent / "chengnuo")


@dataclass
class Installation:
    prefix: str
    pool: asyncpg.Pool
    db: Database
    bus: Bus
    relay: OutboxRelay
    consumer: Consumer


async def _record(event: commitment_events_pb2.CommitmentRecorded, uow: UnitOfWork, meta: EventMeta) -> None:
    if event.code == "poison":
        raise ValueError("this installation cannot apply it")
    await uow.conn.execute("INSERT INTO effect VALUES ($1, $2)", meta.id, event.code)


@contextlib.asynccontextmanager
async def _installation(
    servers: Servers, prefix: str, stream: Stream, event: EventType
) -> AsyncIterator[Installation]:
    schema = f"p{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(servers.pg_dsn)
    try:
        await migrations.apply(conn, schema, migrations.load("services.kernel", "kernel"))
        await conn.execute(f"CREATE TABLE {schema}.effect (event_id text, note text)")
    finally:
        await conn.close()
    catalog = EventCatalog([stream], [event])
    pool = await create_pool(servers.pg_dsn, schema, 5)
    bus = await connect(servers.nats_url, schema, prefix=prefix)
    await ensure_streams(bus.js, [stream], 1, bus.names)
    db = Database(pool, dev_clock(), catalog, b"key", Actor("tester", "D1", "admin"))
    # The same durable consumer name in both installations.
    subscription = Subscription(f"{stream.name.lower()}-reader", stream.name, {event.subject: _record})
    consumer = Consumer(bus, db, catalog, subscription, Redelivery(backoff=(0.1,), ack_wait=5))
    task = asyncio.create_task(consumer.run())
    try:
        yield Installation(prefix, pool, db, bus, OutboxRelay(pool, bus, catalog, f"/{prefix}"), consumer)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        for made in (stream, DEAD_LETTER):  # both are this installation's alone
            await bus.js.delete_stream(bus.names.stream(made.name))
        await bus.close()
        await pool.close()


async def _emit(installation: Installation, code: str) -> None:
    async with installation.db.unit_of_work() as uow:
        uow.emit(
            commitment_events_pb2.CommitmentRecorded(commitment_id=code, code=code), entity=f"thing/{code}"
        )
    assert await installation.relay.publish_batch() == 1


async def _effects(installation: Installation) -> list[str]:
    return [r["note"] for r in await installation.pool.fetch("SELECT note FROM effect ORDER BY note")]


async def test_two_prefixes_on_one_nats_keep_their_events_apart(servers: Servers) -> None:
    name = f"S{uuid.uuid4().hex[:8]}"
    stream = Stream(name.upper(), (f"{name.lower()}.>",), "one catalogue, two installations")
    event = EventType(f"{name.lower()}.recorded", commitment_events_pb2.CommitmentRecorded, stream.name)
    tag = uuid.uuid4().hex[:6]
    async with (
        _installation(servers, f"alpha{tag}", stream, event) as alpha,
        _installation(servers, f"beta{tag}", stream, event) as beta,
    ):
        await _emit(alpha, "a1")
        await _emit(beta, "b1")
        await _emit(alpha, "a2")
        await _emit(alpha, "poison")
        await eventually(lambda: _applied(alpha, 2), what="alpha's two events")
        await eventually(lambda: _applied(beta, 1), what="beta's event")
        parked = await eventually(lambda: _parked(alpha), what="alpha's dead letter")
        await asyncio.sleep(1.0)  # time for a stray delivery to show, were there any
        assert await _effects(alpha) == ["a1", "a2"]
        assert await _effects(beta) == ["b1"]
        assert [p.subject for p in parked] == [event.subject]  # shown under the catalogue's name
        assert await dead_letters(beta.bus.js, beta.bus.names, beta.consumer.sub.consumer) == []
        for installation in (alpha, beta):
            names = installation.bus.names
            info = await installation.bus.js.stream_info(names.stream(stream.name))
            assert info.config.subjects == [f"{installation.prefix}.{name.lower()}.>"]
            dead = await installation.bus.js.stream_info(names.stream(DEAD_LETTER.name))
            assert dead.config.subjects == [f"{installation.prefix}.deadletter.>"]
            consumer = names.consumer(installation.consumer.sub.consumer)
            assert (
                await installation.bus.js.consumer_info(names.stream(stream.name), consumer)
            ).name == consumer
        try:
            await alpha.bus.js.stream_info(stream.name)
            raise AssertionError("an unprefixed stream was made")
        except NotFoundError:
            pass


async def _applied(installation: Installation, count: int) -> bool:
    return installation.consumer.applied >= count


async def _parked(installation: Installation) -> list[Any]:
    return await dead_letters(installation.bus.js, installation.bus.names, installation.consumer.sub.consumer)


async def test_events_tail_follows_its_own_installation_only(servers: Servers, tmp_path: Path) -> None:
    mine, other = Names(f"tail{uuid.uuid4().hex[:6]}"), Names(f"else{uuid.uuid4().hex[:6]}")
    bus = await connect(servers.nats_url, "tail-test")
    try:
        for names in (mine, other):
            await ensure_streams(bus.js, CATALOG.streams.values(), 1, names)
        for names, code in ((other, "THEIRS"), (mine, "OURS")):
            attrs = headers(str(uuid.uuid4()), RECORDED, "/test", f"commitment/{code}", dev_clock().now())
            body = commitment_events_pb2.CommitmentRecorded(code=code).SerializeToString()
            await bus.js.publish(names.subject(RECORDED.subject), body, headers=attrs)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHENGNUO_")}
        env.update(
            CHENGNUO_NATS_URL=servers.nats_url,
            CHENGNUO_NATS_PREFIX=mine.prefix,
            CHENGNUO_DATA_DIR=str(tmp_path),
        )
        process = await asyncio.create_subprocess_exec(
            *[CHENGNUO, "events", "tail", "--since", "1h", "--limit", "1", "--json"],
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 0, err.decode()
        shown = json.loads(out)
        assert (shown["subject"], shown["data"]["code"]) == (RECORDED.subject, "OURS")
    finally:
        for names in (mine, other):
            for stream in [*CATALOG.streams.values(), DEAD_LETTER]:
                with contextlib.suppress(NotFoundError):
                    await bus.js.delete_stream(names.stream(stream.name))
        await bus.close()
