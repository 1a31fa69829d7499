"""The life of a service process: infrastructure up, composition root, serve, stop cleanly.

Each service's main.py hands `serve` a ServiceDefinition whose `build` wires the service's own
parts (servicers, consumers, jobs) from the shared infrastructure in `Runtime`.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import structlog

from chengnuo.common.v1 import calendar_pb2, calendar_pb2_grpc, dev_clock_pb2, dev_clock_pb2_grpc
from services.kernel import migrations
from services.kernel.auth import SERVICE, TokenVerifier
from services.kernel.bus import Bus, connect, ensure_streams
from services.kernel.calendar_api import CALENDAR_STREAM, CALENDAR_YEAR_LOADED, CalendarApi, CalendarKeeper
from services.kernel.clock import Clock, DevClock, SystemClock
from services.kernel.config import Settings
from services.kernel.db import create_pool
from services.kernel.dev_clock_api import DevClockApi, follow
from services.kernel.events import EventCatalog
from services.kernel.inbox import Consumer, Subscription
from services.kernel.jobs import Job, JobRunner
from services.kernel.log import configure_service
from services.kernel.outbox import OutboxRelay
from services.kernel.rpc import client, server
from services.kernel.rpc.server import Registration
from services.kernel.uow import Actor, Database

log = structlog.get_logger()


Step = Callable[[], Coroutine[Any, Any, None]]


@dataclass
class Components:
    servicers: list[Registration]
    # Run once before the server starts (seed reference data, warm caches).
    startup: list[Step] = field(default_factory=list)


@dataclass(frozen=True)
class ServiceDefinition:
    name: str
    catalog: EventCatalog
    build: Callable[[Runtime], Components]


class Runtime:
    """Shared infrastructure handed to a service's composition root."""

    def __init__(
        self, settings: Settings, clock: Clock, db: Database, bus: Bus, calendar: CalendarKeeper
    ) -> None:
        self.settings, self.clock, self.db, self.bus, self.calendar = (
            settings,
            clock,
            db,
            bus,
            calendar,
        )
        self.consumers: list[Consumer] = []
        self.jobs: list[JobRunner] = []
        self._channels: list[grpc.aio.Channel] = []

    def consumer(self, subscription: Subscription) -> Consumer:
        consumer = Consumer(self.bus, self.db, self.db.catalog, subscription)
        self.consumers.append(consumer)
        return consumer

    def schedule(self, job: Job) -> JobRunner:
        """Run `job` for the life of the process; kick the runner when work became due."""
        runner = JobRunner(self.db, job)
        self.jobs.append(runner)
        return runner

    def kick_jobs(self) -> None:
        for runner in self.jobs:
            runner.kick()

    def service_token(self) -> str:
        # Read on each use so a rotated token (a re-mounted Secret) takes effect without restart.
        return self.settings.service_token_file.read_text().strip()

    def channel(self, address: str) -> grpc.aio.Channel:
        made = client.channel(address, self.service_token)
        self._channels.append(made)
        return made

    async def close_channels(self) -> None:
        for made in self._channels:
            await made.close()


async def serve(definition: ServiceDefinition) -> int:
    settings = Settings.from_env(definition.name)
    configure_service(definition.name, settings.log_level)
    clock = DevClock() if settings.development else SystemClock()
    pool = await create_pool(settings.pg_dsn, definition.name, settings.db_pool_size)
    async with pool.acquire() as conn:
        applied = await migrations.apply(conn, definition.name, migrations.for_service(definition.name))
    log.info("migrations checked", applied=applied)
    bus = await connect(settings.nats_url, f"chengnuo-{definition.name}")
    await ensure_streams(bus.js, definition.catalog.streams.values(), settings.stream_replicas)
    actor = Actor(f"service:{definition.name}", "", SERVICE)
    db = Database(pool, clock, definition.catalog, settings.audit_key_file.read_bytes().strip(), actor)
    relay = OutboxRelay(pool, bus, definition.catalog, f"/chengnuo/{definition.name}")
    db.on_outbox_write(relay.wake)
    keeper = CalendarKeeper(db)
    await keeper.start()
    runtime = Runtime(settings, clock, db, bus, keeper)
    components = definition.build(runtime)
    for step in components.startup:
        await step()
    runtime.consumer(
        Subscription(
            f"{definition.name}-calendar",
            CALENDAR_STREAM.name,
            {CALENDAR_YEAR_LOADED.subject: keeper.on_event},
        )
    )
    registrations = [*components.servicers, *_kernel_servicers(runtime)]
    jobs: list[Step] = [relay.run, *(c.run for c in runtime.consumers), *(j.run for j in runtime.jobs)]
    if isinstance(clock, DevClock):
        jobs.append(lambda: follow(db, clock))
    running = await server.start(
        settings.grpc_listen, registrations, TokenVerifier.from_files(settings.token_public_keys)
    )
    tasks = [asyncio.create_task(job()) for job in jobs]
    _announce(settings.ready_file, running.port)
    log.info("serving", port=running.port, services=running.names)
    crashed = await _until_stopped(tasks)
    log.info("stopping", grace_seconds=settings.grace_seconds)
    await running.stop(settings.grace_seconds)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await runtime.close_channels()
    await bus.close()
    await pool.close()
    log.info("stopped")
    return 1 if crashed else 0


def _kernel_servicers(rt: Runtime) -> Sequence[Registration]:
    found = [
        Registration.of(
            calendar_pb2_grpc.add_CalendarServiceServicer_to_server,
            CalendarApi(rt.db, rt.calendar),
            calendar_pb2.DESCRIPTOR,
            "CalendarService",
        )
    ]
    if isinstance(rt.clock, DevClock):
        found.append(
            Registration.of(
                dev_clock_pb2_grpc.add_DevClockServiceServicer_to_server,
                DevClockApi(rt.db, rt.clock, on_advance=rt.kick_jobs),
                dev_clock_pb2.DESCRIPTOR,
                "DevClockService",
            )
        )
    return found


def _announce(ready_file: Path | None, port: int) -> None:
    """Tell the launcher where we listen (written atomically: it polls for the file)."""
    if ready_file is None:
        return
    tmp = ready_file.with_suffix(".tmp")
    tmp.write_text(json.dumps({"port": port, "pid": os.getpid()}))
    tmp.replace(ready_file)


async def _until_stopped(tasks: list[asyncio.Task[None]]) -> bool:
    """Wait for SIGTERM/SIGINT (KeyboardInterrupt never reaches coroutines: grpc#26123),
    or for a background task to die, which must take the process down with it."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    waiter = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait([waiter, *tasks], return_when=asyncio.FIRST_COMPLETED)
    died = [task for task in done if task is not waiter]
    for task in died:
        log.error("background task ended unexpectedly", error=repr(task.exception()))
    waiter.cancel()
    return bool(died)


def main(definition: ServiceDefinition) -> None:
    raise SystemExit(asyncio.run(serve(definition)))
