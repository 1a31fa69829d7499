"""The outbox relay: publishes committed events to JetStream, each exactly once per row.

Rows are claimed with FOR UPDATE SKIP LOCKED, so several replicas share the work without
publishing a row twice at the same time; JetStream drops a re-publish after a crash by its
Nats-Msg-Id (the event id), and consumers' inboxes catch anything older than that window.

The relay is woken by the process that committed the rows (the common case) and polls as a
backup for rows another replica left behind. It does not use LISTEN/NOTIFY: a notifying commit
takes a database-wide lock that would serialise every writing transaction.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import asyncpg

from services.kernel import supervise
from services.kernel.bus import Bus
from services.kernel.events import FEED_STREAM, EventCatalog, EventType, headers, inner_subject

PRUNE_EVERY_SECONDS = 600.0

_CLAIM = """
SELECT id, subject, type, entity, payload, occurred_at FROM outbox
WHERE published_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED
"""


class OutboxRelay:
    def __init__(
        self,
        pool: asyncpg.Pool,
        bus: Bus,
        catalog: EventCatalog,
        source: str,
        *,
        batch: int = 500,
        poll_seconds: float = 1.0,
        keep_published: dt.timedelta = dt.timedelta(days=7),
    ) -> None:
        self.pool, self.bus, self.catalog, self.source = pool, bus, catalog, source
        self.batch, self.poll_seconds, self.keep_published = batch, poll_seconds, keep_published
        self._wake = asyncio.Event()
        self._pruned_at = time.monotonic()
        self.published = 0

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """For the life of the process. NATS or PostgreSQL away: the rows stay, and the relay
        tries again after a pause (supervise)."""
        await supervise.forever("outbox-relay", self._turn)

    async def _turn(self) -> None:
        if await self.publish_batch() < self.batch:
            await self._idle()

    async def _idle(self) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
        except TimeoutError:
            if time.monotonic() - self._pruned_at > PRUNE_EVERY_SECONDS:
                await self.prune()
        self._wake.clear()

    async def publish_batch(self) -> int:
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(_CLAIM, self.batch)
            if not rows:
                return 0
            await asyncio.gather(*(self._publish(row) for row in rows))
            await conn.execute(
                "UPDATE outbox SET published_at = now() WHERE id = ANY($1::uuid[])",
                [row["id"] for row in rows],
            )
        self.published += len(rows)
        return len(rows)

    async def _publish(self, row: asyncpg.Record) -> None:
        kind = self.catalog.for_subject(row["subject"])
        inner = inner_subject(row["subject"])  # a platform feed's copy of a pushed event
        if kind is None and inner is not None and (pushed := self.catalog.for_subject(inner)):
            kind = EventType(row["subject"], pushed.message, FEED_STREAM.name)
        if kind is None:
            raise LookupError(f"outbox row of unknown event subject {row['subject']!r}")
        event_id = str(row["id"])
        attrs = headers(event_id, kind, self.source, row["entity"], row["occurred_at"])
        subject = self.bus.names.subject(row["subject"])  # rows keep the catalogue's name
        await self.bus.js.publish(subject, bytes(row["payload"]), headers=attrs, timeout=5.0)

    async def prune(self) -> None:
        """Forget rows published long ago (JetStream keeps the events themselves)."""
        self._pruned_at = time.monotonic()
        async with self.pool.acquire() as conn:
            await conn.execute(
                "DELETE FROM outbox WHERE published_at < now() - $1::interval", self.keep_published
            )
