"""Consumers: durable JetStream pull consumers that apply each event exactly once.

Each event is applied in one unit of work that also records (consumer, event id) in the inbox,
so a redelivered or re-published event is skipped. The message is acknowledged only after the
commit. A failing event is retried with backoff a bounded number of times, then parked on the
dead-letter stream, with headers naming the consumer, the original subject and the reason (a
warning in the log says the same, never the body). A supervisor re-creates the subscription after
errors and reconnects. Stream, subject and consumer names go through the bus's prefix (bus.Names).
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import structlog
from google.protobuf.message import DecodeError, Message
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from services.kernel import supervise
from services.kernel.bus import DEAD_LETTER, Bus, Names, dead_letter_subject
from services.kernel.events import EventCatalog, EventMeta
from services.kernel.uow import Database, UnitOfWork

log = structlog.get_logger()

Handler = Callable[[Any, UnitOfWork, EventMeta], Awaitable[None]]
FETCH_WAIT_SECONDS = 2.0  # how long one pull waits for a first message
# An event that met an outage (PostgreSQL away) comes back after this: soon after the outage
# ends, without spinning while it lasts (the consumer's own loop backs off too).
OUTAGE_REDELIVERY_SECONDS = 5.0
REASON_LIMIT = 500  # characters of the reason kept on a dead letter
READ_TIMEOUT_SECONDS = 5.0  # for the next stored dead letter while listing them

# Headers a dead letter carries besides the event's own CloudEvents headers.
PARKED_CONSUMER = "chengnuo-consumer"
PARKED_REASON = "chengnuo-error"
PARKED_SUBJECT = "chengnuo-original-subject"


@dataclass(frozen=True)
class Subscription:
    consumer: str  # durable consumer name, unique per service and stream
    stream: str
    handlers: Mapping[str, Handler]  # by event subject


@dataclass(frozen=True)
class Redelivery:
    backoff: tuple[float, ...] = (0.5, 2.0, 10.0, 30.0)
    # How long an event handed to a process that died (SIGKILL, a lost node) waits before it is
    # delivered again: short, because a batch still being applied says "in progress" well within it.
    ack_wait: float = 10.0

    @property
    def attempts(self) -> int:
        return len(self.backoff) + 1


class _Resubscribe(Exception):
    pass


@dataclass(frozen=True)
class _Delivery:
    message: Msg
    event: Message
    meta: EventMeta
    handler: Handler


class Consumer:
    def __init__(
        self,
        bus: Bus,
        db: Database,
        catalog: EventCatalog,
        subscription: Subscription,
        redelivery: Redelivery = Redelivery(),
    ) -> None:
        self.bus, self.db, self.catalog, self.sub = bus, db, catalog, subscription
        self.redelivery = redelivery
        # When this consumer last had nothing left to apply: how fresh its projections are.
        self.caught_up_at: dt.datetime | None = None
        self.applied = 0
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """Finish the event in hand, give back the rest of the batch, then return from run()."""
        self._stopping.set()

    async def run(self) -> None:
        """Supervise: (re)subscribe and pump until stopped or cancelled; after a failure (NATS
        reconnecting, PostgreSQL away) subscribe again after a pause (supervise)."""
        await supervise.forever(
            f"consumer:{self.sub.consumer}", self._subscribed, until=self._stopping.is_set
        )

    async def _subscribed(self) -> None:
        pull = await self._subscribe()
        try:
            await self._pump(pull)
        except _Resubscribe:
            log.info("consumer resubscribing", consumer=self.sub.consumer)
        finally:
            await _quietly(pull.unsubscribe())

    async def _subscribe(self) -> JetStreamContext.PullSubscription:
        names = self.bus.names
        durable, stream = names.consumer(self.sub.consumer), names.stream(self.sub.stream)
        config = ConsumerConfig(
            durable_name=durable,
            name=durable,
            # Needs nats-server 2.10 (bus.check_server): older ones ignore this filter silently.
            filter_subjects=sorted(names.subject(s) for s in self.sub.handlers),
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self.redelivery.ack_wait,
            # Unbounded here: we park an event that fails by itself after `attempts`, while an
            # outage of the database must not park everything that arrives meanwhile.
            max_deliver=-1,
        )
        await self.bus.js.add_consumer(stream, config)  # creates or updates
        return await self.bus.js.pull_subscribe_bind(durable=durable, stream=stream)

    async def _pump(self, pull: JetStreamContext.PullSubscription) -> None:
        generation, idle = self.bus.generation, 0
        while not self._stopping.is_set():
            if self.bus.generation != generation:
                raise _Resubscribe
            try:
                # One lingering pull for the first message keeps latency low; then drain quickly.
                messages = await pull.fetch(1, timeout=FETCH_WAIT_SECONDS)
                messages += await _drain(pull)
            except (NatsTimeout, TimeoutError):
                idle += 1
                await self._on_idle(pull, idle)
                continue
            idle = 0
            if self._stopping.is_set():
                # Given back at once, so another replica need not wait out the ack deadline.
                await asyncio.gather(*(_quietly(m.nak()) for m in messages))
                return
            await self._handle(messages)

    async def _on_idle(self, pull: JetStreamContext.PullSubscription, idle: int) -> None:
        if idle % 15 == 0:  # every ~30 s of silence, check we are not stalled (nats.py#504)
            info = await pull.consumer_info()
            if info.num_pending:
                raise _Resubscribe
        self.caught_up_at = self.db.clock.now()

    async def _handle(self, messages: list[Msg]) -> None:
        decoded = [d for d in [await self._decode(m) for m in messages] if d is not None]
        if not decoded:
            return
        working = asyncio.create_task(
            _in_progress([d.message for d in decoded], self.redelivery.ack_wait / 3)
        )
        try:
            done, failed = await self._apply(decoded)
        except Exception as exc:  # the batch did not commit: nothing of it was applied
            for item in decoded:
                await self._failed(item.message, exc)
            return
        finally:
            working.cancel()
        for message in done:
            await message.ack()
        for message, error in failed:
            await self._failed(message, error)
        self.applied += len(done)
        if decoded[-1].message.metadata.num_pending == 0:
            self.caught_up_at = self.db.clock.now()

    async def _decode(self, message: Msg) -> _Delivery | None:
        try:
            subject = self.bus.names.unprefixed(message.subject)
            meta = EventMeta.from_headers(message.headers or {})
            kind = self.catalog.for_subject(subject)
            handler = self.sub.handlers[subject]
            assert kind is not None
            return _Delivery(message, kind.message.FromString(message.data), meta, handler)
        except (KeyError, ValueError, AssertionError, DecodeError) as exc:
            await self._dead_letter(message, f"undecodable: {exc!r}")
            return None

    async def _apply(self, deliveries: list[_Delivery]) -> tuple[list[Msg], list[tuple[Msg, Exception]]]:
        """Apply a fetched batch in one transaction, each event in a savepoint of its own: one
        commit for all, and an event that fails is rolled back and retried alone."""
        done: list[Msg] = []
        failed: list[tuple[Msg, Exception]] = []
        async with self.db.batch() as batch:
            for d in deliveries:
                try:
                    with structlog.contextvars.bound_contextvars(event_id=d.meta.id, event=d.message.subject):
                        async with batch.unit(request_id=d.meta.id) as uow:
                            if await _first_delivery(uow, self.sub.consumer, d.meta.id, d.message.subject):
                                await d.handler(d.event, uow, d.meta)
                except Exception as exc:
                    if supervise.is_transient(exc):
                        raise  # the connection is gone: the whole batch is retried
                    failed.append((d.message, exc))
                    continue
                done.append(d.message)
        return done, failed

    async def _failed(self, message: Msg, exc: Exception) -> None:
        attempt = message.metadata.num_delivered or 1
        if supervise.is_transient(exc):
            log.warning("event deferred: infrastructure unavailable", error=repr(exc))
            await message.nak(delay=OUTAGE_REDELIVERY_SECONDS)
            return
        if attempt >= self.redelivery.attempts:
            await self._dead_letter(message, f"failed {attempt} times: {exc!r}")
            return
        log.warning("event failed; will retry", attempt=attempt, error=repr(exc))
        await message.nak(delay=self.redelivery.backoff[attempt - 1])

    async def _dead_letter(self, message: Msg, reason: str) -> None:
        """Park the event on the dead-letter stream and stop its redelivery."""
        names = self.bus.names
        subject = names.unprefixed(message.subject)
        parked = dict(message.headers or {})
        parked.pop("Nats-Msg-Id", None)
        parked.update(
            {
                PARKED_CONSUMER: self.sub.consumer,
                PARKED_REASON: reason[:REASON_LIMIT],
                PARKED_SUBJECT: subject,
            }
        )
        await self.bus.js.publish(
            names.subject(dead_letter_subject(self.sub.consumer)),
            message.data,
            headers=parked,
            stream=names.stream(DEAD_LETTER.name),
        )
        await message.term()
        log.warning(
            "event dead-lettered",
            consumer=self.sub.consumer,
            subject=subject,
            event_id=parked.get("ce-id", ""),
            reason=reason[:REASON_LIMIT],
        )


async def _in_progress(messages: list[Msg], every: float) -> None:
    """Tell the server, while a batch is being applied, that its events are not lost: a slow
    batch (a busy database) is not delivered a second time meanwhile, nor counted as an attempt."""
    while True:
        await asyncio.sleep(every)
        await asyncio.gather(*(_quietly(m.in_progress()) for m in messages))


async def _drain(pull: JetStreamContext.PullSubscription) -> list[Msg]:
    try:
        return await pull.fetch(64, timeout=0.05)
    except (NatsTimeout, TimeoutError):
        return []


async def _first_delivery(uow: UnitOfWork, consumer: str, event_id: str, subject: str) -> bool:
    inserted = await uow.conn.fetchval(
        "INSERT INTO inbox (consumer, event_id, subject) VALUES ($1, $2, $3)"
        " ON CONFLICT DO NOTHING RETURNING true",
        consumer,
        event_id,
        subject,
    )
    return bool(inserted)


async def _quietly(awaitable: Awaitable[object]) -> None:
    try:
        await asyncio.wait_for(awaitable, 2.0)
    except Exception as exc:
        log.debug("ignored during cleanup", error=repr(exc))


@dataclass(frozen=True)
class DeadLetter:
    """One parked event, as `chengnuo events dead-letters` lists it (never its body)."""

    parked_at: dt.datetime  # when the dead-letter stream stored it (NATS server time)
    subject: str  # the event's own subject, e.g. credit.record_created
    consumer: str
    reason: str
    event_id: str
    sequence: int  # in the dead-letter stream

    @classmethod
    def of(cls, message: Msg) -> DeadLetter:
        headers = message.headers or {}
        return cls(
            parked_at=message.metadata.timestamp,
            subject=headers.get(PARKED_SUBJECT, ""),
            consumer=headers.get(PARKED_CONSUMER, ""),
            reason=headers.get(PARKED_REASON, ""),
            event_id=headers.get("ce-id", ""),
            sequence=message.metadata.sequence.stream,
        )


async def dead_letters(
    js: JetStreamContext, names: Names, consumer: str = "", limit: int = 100
) -> list[DeadLetter]:
    """The newest `limit` dead letters (of one consumer, if given), oldest first; none when no
    service has created the dead-letter stream yet."""
    stream = names.stream(DEAD_LETTER.name)
    subject = names.subject(dead_letter_subject(consumer) if consumer else dead_letter_subject(">"))
    try:
        last = (await js.get_last_msg(stream, subject)).seq or 0
    except NotFoundError:  # no such stream, or nothing parked on this subject
        return []
    kept: collections.deque[DeadLetter] = collections.deque(maxlen=limit)
    sub = await js.subscribe(subject, stream=stream, ordered_consumer=True, deliver_policy=DeliverPolicy.ALL)
    try:
        while not kept or kept[-1].sequence < last:
            kept.append(DeadLetter.of(await sub.next_msg(timeout=READ_TIMEOUT_SECONDS)))
    finally:
        await sub.unsubscribe()
    return list(kept)
