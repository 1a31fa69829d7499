"""The NATS JetStream connection and the streams every service relies on.

Names on the server are those of the catalogue behind an optional prefix (CHENGNUO_NATS_PREFIX),
so several installations can share one NATS: stream COMMITMENT becomes acme_COMMITMENT, subject
commitment.recorded acme.commitment.recorded, consumer credit-calendar acme_credit-calendar.
Everything inside a service (catalogue, handlers, outbox rows) uses the unprefixed names.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import nats
import structlog
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import NotFoundError

from services.kernel.config import ConfigError
from services.kernel.events import FEED_STREAM, Stream

log = structlog.get_logger()

DEAD_LETTER = Stream("DEADLETTER", ("deadletter.>",), "events no consumer could apply")
DUPLICATE_WINDOW_SECONDS = 120.0
# Multi-subject consumer filters (ConsumerConfig.filter_subjects) came with nats-server 2.10; an
# older server ignores them silently and delivers every subject of the stream to each consumer,
# which then finds no handler and dead-letters the event.
MINIMUM_NATS_VERSION = (2, 10, 0)
_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")


class NatsUnsuitable(ConfigError):
    """The NATS server lacks what the services rely on: they refuse to start."""


def check_server(version: str, jetstream: bool) -> None:
    """Refuse a server older than MINIMUM_NATS_VERSION or without JetStream."""
    needed = ".".join(map(str, MINIMUM_NATS_VERSION))
    found = _VERSION.match(version.strip())
    if found is None or tuple(int(n) for n in found.groups()) < MINIMUM_NATS_VERSION:
        raise NatsUnsuitable(
            f"nats-server {version or '(no version)'} is too old: chengnuo needs nats-server {needed} or"
            " later (multi-subject consumer filters, filter_subjects)"
        )
    if not jetstream:
        raise NatsUnsuitable("nats-server has JetStream disabled: start it with JetStream (-js)")


@dataclass(frozen=True)
class Names:
    """The server-side names of streams, subjects and consumers under an installation's prefix."""

    prefix: str = ""

    def stream(self, name: str) -> str:
        return f"{self.prefix}_{name}" if self.prefix else name

    def subject(self, subject: str) -> str:
        return f"{self.prefix}.{subject}" if self.prefix else subject

    def unprefixed(self, subject: str) -> str:
        """The catalogue subject of a subject received from the server."""
        return subject.removeprefix(f"{self.prefix}.") if self.prefix else subject

    def consumer(self, durable: str) -> str:
        return f"{self.prefix}_{durable}" if self.prefix else durable


NO_PREFIX = Names()


def dead_letter_subject(consumer: str) -> str:
    return f"deadletter.{consumer}"


class Bus:
    def __init__(self, nc: Client, names: Names = NO_PREFIX) -> None:
        self.nc = nc
        self.names = names
        self.js: JetStreamContext = nc.jetstream()
        # Bumped on every reconnect; consumers re-create their pull subscriptions when it moves
        # (nats.py#504: a pull request parked on the old connection is never answered).
        self.generation = 0
        self.reconnected = asyncio.Event()

    async def close(self) -> None:
        if not self.nc.is_closed:
            await self.nc.drain()


async def connect(
    url: str,
    name: str,
    credentials: Path | None = None,
    prefix: str = "",
    *,
    user: str = "",
    password: str = "",
) -> Bus:
    """Connect (with a creds file, or a user and its password), and refuse
    (NatsUnsuitable) a server the services cannot work with."""
    holder: list[Bus] = []

    async def on_reconnect() -> None:
        bus = holder[0]
        bus.generation += 1
        log.warning("nats reconnected", generation=bus.generation)

    async def on_disconnect() -> None:
        log.warning("nats disconnected")

    async def on_error(exc: Exception) -> None:
        log.warning("nats error", error=repr(exc))

    nc = await nats.connect(
        servers=url.split(","),
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        reconnected_cb=on_reconnect,
        disconnected_cb=on_disconnect,
        error_cb=on_error,
        user_credentials=str(credentials) if credentials else None,
        user=user or None,
        password=password if user else None,
    )
    try:
        info = nc._server_info  # the INFO the server sent on connect (nats-py has no public copy)
        check_server(str(info.get("version", "")), bool(info.get("jetstream")))
    except NatsUnsuitable:
        await nc.close()
        raise
    holder.append(Bus(nc, Names(prefix)))
    return holder[0]


async def ensure_streams(
    js: JetStreamContext, streams: Iterable[Stream], replicas: int, names: Names = NO_PREFIX
) -> None:
    """Create or update file-backed streams; safe to run from every replica at start."""
    for stream in [*streams, DEAD_LETTER, FEED_STREAM]:
        config = StreamConfig(
            name=names.stream(stream.name),
            subjects=[names.subject(s) for s in stream.subjects],
            description=stream.description,
            storage=StorageType.FILE,
            num_replicas=replicas,
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
        )
        try:
            await js.stream_info(names.stream(stream.name))
            await js.update_stream(config)
        except NotFoundError:
            await js.add_stream(config)
