"""A credit platform reads only its feed (平台订阅), as its sharing agreement shapes it, and
authenticates as itself on NATS: without an agreement it receives nothing, its user cannot read
the internal streams (a permission error) nor another platform's feed; with one it receives only
the agreed event types, and no resident ID appears in any byte it received: a natural person is
a stable pseudonym."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import re
import uuid
from collections.abc import AsyncIterator

import nats
import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig

from chengnuo.events.v1 import credit_events_pb2 as events
from services.kernel.pii import fold
from services.launcher.stack import Stack
from tests.e2e.test_credit_flow import Roles
from tests.e2e.test_sharing_masking import OLD_ID, _committed, _found_false, _serious_record, resident_id
from tests.e2e.test_sharing_queries import agree

# Any 18-character resident ID shape (17 digits and a digit or X), however it is written.
ANY_RESIDENT_ID = re.compile(r"(?<![0-9])\d{17}[0-9Xx](?![0-9])")


class Platform:
    """A credit platform on NATS as its own user, with its own inbox."""

    def __init__(self, name: str, nc: Client, errors: list[Exception]) -> None:
        self.name, self.nc, self.errors = name, nc, errors
        self.js = nc.jetstream()

    @classmethod
    async def login(cls, stack: Stack, name: str) -> Platform:
        password = (await stack.add_platform(name)).read_text().strip()
        errors: list[Exception] = []

        async def on_error(exc: Exception) -> None:
            errors.append(exc)

        nc = await nats.connect(
            stack.nats_address,
            user=f"platform-{name}",
            password=password,
            inbox_prefix=f"_INBOX_{name}",
            error_cb=on_error,
            max_reconnect_attempts=0,
        )
        return cls(name, nc, errors)

    async def feed(self) -> nats.js.JetStreamContext.PullSubscription:
        config = ConsumerConfig(filter_subject=f"feed.{self.name}.>")
        return await self.js.pull_subscribe(
            f"feed.{self.name}.>", durable=self.name, stream="FEED", config=config
        )


@pytest.fixture
async def platforms(stack: Stack) -> AsyncIterator[list[Platform]]:
    made: list[Platform] = []
    yield made
    for p in made:
        await p.nc.close()


async def drain(sub: nats.js.JetStreamContext.PullSubscription, seconds: float = 2.0) -> list[Msg]:
    got: list[Msg] = []
    while True:
        try:
            batch = await sub.fetch(100, timeout=seconds)
        except (TimeoutError, nats.errors.TimeoutError):
            return got
        for msg in batch:
            await msg.ack()
        got.extend(batch)


def raw_bytes(msg: Msg) -> bytes:
    headers = "".join(f"{k}:{v}\n" for k, v in (msg.headers or {}).items())
    return msg.subject.encode() + headers.encode() + msg.data


async def test_a_platform_reads_only_its_feed_with_its_event_types_and_no_resident_id(
    stack: Stack, as_role: Roles, platforms: list[Platform]
) -> None:
    agreed, unagreed = f"xinyong-{uuid.uuid4().hex[:8]}", f"xinyong-{uuid.uuid4().hex[:8]}"
    await agree(stack, "credit_records", agreed, ["daily_supervision"], push=True)
    platforms.extend([await Platform.login(stack, agreed), await Platform.login(stack, unagreed)])
    mine, other = platforms

    person, contact = resident_id(_born()), resident_id(_born())
    commitment = await _committed(as_role, person, contact)
    await _found_false(as_role, commitment.commitment_id, person)
    record_id = await _serious_record(as_role, person)

    sub = await mine.feed()
    received: list[Msg] = []
    for _ in range(30):  # until the record's event is there (the push consumer runs on its own)
        received += await drain(sub)
        if any(record_id.encode() in m.data for m in received):
            break
    created = [m for m in received if m.subject == f"feed.{agreed}.credit.record_created"]
    about = [events.RecordCreated.FromString(m.data) for m in created]
    mine_now = [e for e in about if e.record.record_id == record_id]
    assert mine_now, [m.subject for m in received]
    # Only the agreed data class's events: no grades, no restrictions, no list events.
    pushed = {"record_created", "objection_filed", "objection_decided", "repaired"}
    pushed |= {"record_reclassified", "record_expired", "person_named", "person_withdrawn"}
    assert {m.subject.rsplit(".", 1)[1] for m in received} <= pushed
    assert all(m.subject.startswith(f"feed.{agreed}.") for m in received)
    # The person is a stable pseudonym, never the number, in any byte received.
    (event,) = mine_now
    assert event.record.subject.code.startswith("pn-")
    for msg in received:
        text = fold(raw_bytes(msg).decode("utf-8", errors="replace"))
        assert ANY_RESIDENT_ID.findall(text) == []
        for planted in (person, contact, OLD_ID, person[6:14]):
            assert planted.encode() not in raw_bytes(msg)

    # Without an agreement: an empty feed, and the internal stream is refused.
    assert await drain(await other.feed(), seconds=1.0) == []
    # The server drops a request it does not permit and says so (-ERR 'Permissions Violation'):
    # the client sees no answer.
    with pytest.raises(nats.errors.TimeoutError):
        await other.js.pull_subscribe("credit.>", durable=unagreed, stream="CREDIT")
    # Nor can it read the other platform's feed: consumer creation on that filter is refused.
    config = ConsumerConfig(filter_subject=f"feed.{agreed}.>")
    with pytest.raises(nats.errors.TimeoutError):
        await other.js.add_consumer("FEED", config=config.evolve(name=unagreed, durable_name=unagreed))
    # Plain subscriptions on the internal subjects or on another feed are refused as well.
    await other.nc.subscribe("credit.>")
    await other.nc.subscribe(f"feed.{agreed}.>")
    with contextlib.suppress(nats.errors.TimeoutError):
        await other.nc.flush(timeout=2)
    await asyncio.sleep(0.5)
    # (nats-py lower-cases the server's message)
    violations = [str(e).lower() for e in other.errors if "permissions violation" in str(e).lower()]
    expected = [
        'publish to "$js.api.consumer.info.credit.',
        f'publish to "$js.api.consumer.create.feed.{unagreed}.feed.{agreed}.>"',
        'subscription to "credit.>"',
        f'subscription to "feed.{agreed}.>"',
    ]
    assert [e for e in expected if not any(e in v for v in violations)] == [], violations


def _born() -> dt.date:
    return dt.date(1980, 1, 1) + dt.timedelta(days=uuid.uuid4().int % 9000)
