"""The life of a service process: infrastructure up, composition root, serve, stop cleanly.

Each service's main.py hands `serve` a ServiceDefinition whose `build` wires the service's own
parts (servicers, consumers, jobs) from the shared infrastructure in `Runtime`.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import grpc
import structlog

from services.kernel import audit_chain, audit_witness, migrations, supervise
from services.kernel.auth import SERVICE, TokenVerifier
from services.kernel.availability import DatabaseWatch
from services.kernel.bus import Bus, connect, ensure_streams
from services.kernel.clock import Clock, DevClock, SystemClock
from services.kernel.config import ConfigError, Settings
from services.kernel.db import create_pool
from services.kernel.events import EventCatalog
from services.kernel.features.audit.api import AuditApi
from services.kernel.features.calendar.api import CalendarApi
from services.kernel.features.calendar.keeper import CALENDAR_STREAM, CALENDAR_YEAR_LOADED, CalendarKeeper
from services.kernel.features.dev_clock.api import DevClockApi
from services.kernel.features.dev_clock.follow import adopt, follow
from services.kernel.features.sharing.api import SharingApi
from services.kernel.features.sharing.gate import SharingGate, SharingSpec
from services.kernel.features.sharing.push import push_handlers
from services.kernel.inbox import FETCH_WAIT_SECONDS, Consumer, Subscription
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
    # The data classes this service shares with other departments, and its pushed events.
    sharing: SharingSpec = field(default_factory=SharingSpec)


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
        self.sharing = SharingGate(db)
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

    def public_key(self) -> bytes:
        """The installation's pseudonym key, which also keys natural persons' public pages
        (kernel/publicity.py): the same in every service, so a person has one page."""
        if self.settings.pseudonym_key_file is None:
            raise ConfigError(
                "CHENGNUO_PSEUDONYM_KEY_FILE is required: publication-safe events key natural persons by it"
            )
        return self.settings.pseudonym_key_file.read_bytes().strip()

    def service_token(self) -> str:
        # Read on each use so a rotated token (a re-mounted Secret) takes effect without restart.
        return self.settings.service_token_file.read_text().strip()

    def channel(self, address: str) -> grpc.aio.Channel:
        # Mutual TLS: the service's own certificate is its client identity to the one it calls.
        made = client.channel(address, self.service_token, tls=self.settings.tls)
        self._channels.append(made)
        return made

    async def close_channels(self) -> None:
        for made in self._channels:
            await made.close()


async def serve(definition: ServiceDefinition) -> int:
    settings = Settings.from_env(definition.name)
    configure_service(definition.name, settings.log_level)
    runtime, relay = await _infrastructure(definition, settings)
    _kernel_work(runtime, definition)
    components = definition.build(runtime)
    for step in components.startup:
        await step()
    registrations = [*components.servicers, *_kernel_servicers(runtime, definition.sharing)]
    return await _serve_until_stopped(runtime, relay, registrations)


async def _infrastructure(definition: ServiceDefinition, settings: Settings) -> tuple[Runtime, OutboxRelay]:
    name = definition.name
    clock = DevClock() if settings.development else SystemClock()
    pool = await create_pool(settings.pg_dsn, name, settings.db_pool_size)
    async with pool.acquire() as conn:
        if settings.apply_migrations:
            log.info(
                "migrations applied", applied=await migrations.apply(conn, name, migrations.for_service(name))
            )
        else:
            await migrations.verify(conn, name, migrations.for_service(name))
    if isinstance(clock, DevClock):
        await adopt(pool, clock, settings.clock_start)
    bus = await connect(
        settings.nats_url,
        f"chengnuo-{name}",
        settings.nats_creds,
        settings.nats_prefix,
        user=settings.nats_user,
        password=settings.nats_password_file.read_text().strip() if settings.nats_password_file else "",
    )
    await ensure_streams(bus.js, definition.catalog.streams.values(), settings.stream_replicas, bus.names)
    actor = Actor(f"service:{name}", "", SERVICE)
    db = Database(pool, clock, definition.catalog, settings.audit_key_file.read_bytes().strip(), actor)
    relay = OutboxRelay(pool, bus, definition.catalog, f"/chengnuo/{name}")
    db.on_outbox_write(relay.wake)
    keeper = CalendarKeeper(db)
    await keeper.start()
    return Runtime(settings, clock, db, bus, keeper), relay


def _kernel_work(rt: Runtime, definition: ServiceDefinition) -> None:
    """The consumers and jobs every service runs besides its own."""
    rt.schedule(audit_chain.retention_job(rt.settings.audit_retention_days))
    audit_key, every = rt.db.audit_key, rt.settings.audit_checkpoint_seconds
    rt.schedule(audit_witness.checkpoint_job(definition.name, audit_key, every))
    calendar = {CALENDAR_YEAR_LOADED.subject: rt.calendar.on_event}
    rt.consumer(Subscription(f"{definition.name}-calendar", CALENDAR_STREAM.name, calendar))
    if definition.sharing.pushed_events:
        key_file = rt.settings.pseudonym_key_file
        pushes = push_handlers(definition.sharing, key_file.read_bytes().strip() if key_file else None)
        rt.consumer(Subscription(f"{definition.name}-push", definition.sharing.stream, pushes))


async def _serve_until_stopped(rt: Runtime, relay: OutboxRelay, registrations: Sequence[Registration]) -> int:
    settings = rt.settings
    jobs: list[Step] = [relay.run, *(j.run for j in rt.jobs)]
    if isinstance(rt.clock, DevClock):
        jobs.append(partial(follow, rt.db, rt.clock, rt.kick_jobs))
    verifier = TokenVerifier.from_files(settings.token_public_keys)
    running = await server.start(
        settings.grpc_listen, registrations, verifier, settings.tls, settings.health_listen
    )
    watch = DatabaseWatch(settings.pg_dsn, settings.service, running.set_serving)
    jobs.append(partial(supervise.forever, "database-watch", watch.run))
    consuming = [asyncio.create_task(c.run()) for c in rt.consumers]
    tasks = [*consuming, *(asyncio.create_task(job()) for job in jobs)]
    _announce(settings.ready_file, running.port)
    log.info("serving", port=running.port, services=running.names)
    crashed = await _until_stopped(tasks)
    log.info("stopping", grace_seconds=settings.grace_seconds)
    await running.stop(settings.grace_seconds)  # no new calls; in-flight ones finish
    for consumer in rt.consumers:
        consumer.stop()  # finish the event in hand, give the rest back for redelivery
    if consuming:
        await asyncio.wait(consuming, timeout=FETCH_WAIT_SECONDS + 1)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await rt.close_channels()
    await rt.bus.close()
    await rt.db.pool.close()
    log.info("stopped")
    return 1 if crashed else 0


def _kernel_servicers(rt: Runtime, sharing: SharingSpec) -> Sequence[Registration]:
    servicers: list[object] = [
        SharingApi(rt.db, sharing),
        CalendarApi(rt.db, rt.calendar),
        AuditApi(rt.db, rt.settings.service, rt.bus),
    ]
    if isinstance(rt.clock, DevClock):
        servicers.append(DevClockApi(rt.db, rt.clock, on_advance=rt.kick_jobs))
    return [Registration.serving(servicer) for servicer in servicers]


def _announce(ready_file: Path | None, port: int) -> None:
    """Tell the launcher where we listen (written atomically: it polls for the file)."""
    if ready_file is None:
        return
    tmp = ready_file.with_suffix(".tmp")
    tmp.write_text(json.dumps({"port": port, "pid": os.getpid()}))
    tmp.replace(ready_file)


async def _until_stopped(tasks: list[asyncio.Task[None]]) -> bool:
    """Wait for SIGTERM/SIGINT (KeyboardInterrupt never reaches coroutines: grpc#26123),
    or for a background task to die, which must take the process down with it. None ends for a
    fault of the infrastructure or a failing step: each runs under supervise.forever, so only
    something that escapes it (a BaseException) ends a task, and the launcher restarts us."""
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
    """Run the service; settings or a NATS server it cannot work with: every problem on stderr, exit 2."""
    try:
        code = asyncio.run(serve(definition))
    except ConfigError as exc:
        print(f"{definition.name}: {exc}", file=sys.stderr)
        code = 2
    raise SystemExit(code)
