"""The NATS JetStream connection and the streams every service relies on."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path

import nats
import structlog
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import NotFoundError

from services.kernel.events import Stream

log = structlog.get_logger()

DEAD_LETTER = Stream("DEADLETTER", ("deadletter.>",), "events no consumer could apply")
DUPLICATE_WINDOW_SECONDS = 120.0


class Bus:
    def __init__(self, nc: Client) -> None:
        self.nc = nc
        self.js: JetStreamContext = nc.jetstream()
        # Bumped on every reconnect; consumers re-create their pull subscriptions when it moves
        # (nats.py#504: a pull request parked on the old connection is never answered).
        self.generation = 0
        self.reconnected = asyncio.Event()

    async def close(self) -> None:
        if not self.nc.is_closed:
            await self.nc.drain()


async def connect(url: str, name: str, credentials: Path | None = None) -> Bus:
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
    )
    holder.append(Bus(nc))
    return holder[0]


async def ensure_streams(js: JetStreamContext, streams: Iterable[Stream], replicas: int) -> None:
    """Create or update file-backed streams; safe to run from every replica at start."""
    for stream in [*streams, DEAD_LETTER]:
        config = StreamConfig(
            name=stream.name,
            subjects=list(stream.subjects),
            description=stream.description,
            storage=StorageType.FILE,
            num_replicas=replicas,
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
        )
        try:
            await js.stream_info(stream.name)
            await js.update_stream(config)
        except NotFoundError:
            await js.add_stream(config)
