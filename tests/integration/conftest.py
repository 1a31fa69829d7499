"""A kernel-only world per test: a fresh schema with the kernel tables, a unique stream."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import pytest

from chengnuo.events.v1 import commitment_events_pb2
from services.kernel import migrations
from services.kernel.bus import Bus, connect, ensure_streams
from services.kernel.clock import DevClock
from services.kernel.db import create_pool
from services.kernel.events import EventCatalog, EventType, Stream
from services.kernel.uow import Actor, Database
from tests.conftest import Servers, dev_clock

AUDIT_KEY = b"test-audit-key"


@dataclass
class World:
    schema: str
    pool: asyncpg.Pool
    db: Database
    bus: Bus
    stream: Stream
    event: EventType
    clock: DevClock


@pytest.fixture
async def world(servers: Servers) -> AsyncIterator[World]:
    name = f"t{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(servers.pg_dsn)
    try:
        await migrations.apply(conn, name, migrations.load("services.kernel", "kernel"))
        await conn.execute(f"CREATE TABLE {name}.effect (event_id text, note text)")
    finally:
        await conn.close()
    stream = Stream(name.upper(), (f"{name}.>",), "test stream")
    event = EventType(f"{name}.recorded", commitment_events_pb2.CommitmentRecorded, stream.name)
    catalog = EventCatalog([stream], [event])
    pool = await create_pool(servers.pg_dsn, name, 10)
    bus = await connect(servers.nats_url, name)
    await ensure_streams(bus.js, [stream], replicas=1)
    clock = dev_clock()
    db = Database(pool, clock, catalog, AUDIT_KEY, Actor("tester", "D1", "admin"))
    try:
        yield World(name, pool, db, bus, stream, event, clock)
    finally:
        await bus.js.delete_stream(stream.name)
        await bus.close()
        await pool.close()
