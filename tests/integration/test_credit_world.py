"""An in-process credit service on the session's real PostgreSQL, behind a real gRPC server.

`credit_world()` applies the credit migrations to a fresh schema, wires the service with its own
composition root (services.credit.main.build) and serves it with the production interceptor.
Time is a clock the test sets, so periods are checked on real calendar dates. Events from other
services are applied by calling the registered consumer handler in a unit of work, as the
inbox consumer does; the jobs are stepped with `run_jobs()`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from google.protobuf.message import Message

from chengnuo.common.v1 import subject_pb2
from chengnuo.credit.v1 import (
    credit_pb2_grpc,
    feeds_pb2_grpc,
    lists_pb2,
    lists_pb2_grpc,
    objections_pb2_grpc,
    public_pb2_grpc,
    repair_pb2_grpc,
    rule_sets_pb2_grpc,
)
from chengnuo.events.v1 import verification_events_pb2 as vevents
from chengnuo.verification.v1 import verification_pb2 as vpb
from services.contracts import verification_events
from services.contracts.events import CATALOG
from services.credit.main import build
from services.kernel import convert, migrations
from services.kernel.auth import TokenVerifier
from services.kernel.bus import Bus, connect
from services.kernel.clock import CHINA, FixedClock, china_date
from services.kernel.config import Settings
from services.kernel.db import create_pool
from services.kernel.events import EventMeta
from services.kernel.features.calendar.keeper import CalendarKeeper
from services.kernel.rpc import server
from services.kernel.runtime import Runtime
from services.kernel.uow import Actor, Database
from tests.conftest import Servers
from tests.support import channel, mint, new_uscc

DEPARTMENT = "350200-SCJ"
REGION = "350200"
LEGAL = subject_pb2.SUBJECT_KIND_LEGAL_PERSON


def china(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=CHINA)


class Clients:
    def __init__(self, address: str, token: str) -> None:
        self.channel = channel(address, token)
        self.credit = credit_pb2_grpc.CreditServiceStub(self.channel)
        self.rules = rule_sets_pb2_grpc.RuleSetServiceStub(self.channel)
        self.lists = lists_pb2_grpc.BlacklistServiceStub(self.channel)
        self.repair = repair_pb2_grpc.RepairServiceStub(self.channel)
        self.objections = objections_pb2_grpc.ObjectionServiceStub(self.channel)
        self.public = public_pb2_grpc.PublicCreditServiceStub(self.channel)
        self.feeds = feeds_pb2_grpc.FeedServiceStub(self.channel)


@dataclass
class CreditWorld:
    schema: str
    pool: asyncpg.Pool
    db: Database
    clock: FixedClock
    address: str
    key: Ed25519PrivateKey
    runtime: Runtime
    made: list[Clients]

    def as_role(
        self, *roles: str, department: str = DEPARTMENT, region: str = REGION, subject: str = "tester"
    ) -> Clients:
        self.made.append(Clients(self.address, mint(self.key, roles, department, region, subject)))
        return self.made[-1]

    def set_today(self, day: dt.date) -> None:
        self.clock.at = china(day)

    async def count(self, table: str, where: str = "true", *args: Any) -> int:
        return int(await self.pool.fetchval(f"SELECT count(*) FROM {table} WHERE {where}", *args))

    async def events(self, subject: str) -> list[bytes]:
        rows = await self.pool.fetch("SELECT payload FROM outbox WHERE subject = $1 ORDER BY seq", subject)
        return [bytes(r["payload"]) for r in rows]

    async def deliver(self, subject: str, event: Message, event_id: str | None = None) -> str:
        """Apply another service's event as the credit consumer does (inbox and all)."""
        consumer = self.runtime.consumers[0]
        event_id = event_id or str(uuid.uuid4())
        meta = EventMeta(event_id, "", "/test", "", self.clock.now())
        async with self.db.unit_of_work(request_id=event_id) as uow:
            first = await uow.conn.fetchval(
                "INSERT INTO inbox (consumer, event_id, subject) VALUES ($1, $2, $3)"
                " ON CONFLICT DO NOTHING RETURNING true",
                consumer.sub.consumer,
                event_id,
                subject,
            )
            if first:
                await consumer.sub.handlers[subject](event, uow, meta)
        return event_id

    async def run_jobs(self) -> int:
        """Step every scheduled job until none finds work."""
        total = 0
        while done := sum([await runner.run_once() for runner in self.runtime.jobs]):
            total += done
        return total


@contextlib.asynccontextmanager
async def credit_world(servers: Servers, folder: Path, today: dt.date) -> AsyncIterator[CreditWorld]:
    schema = f"k{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(servers.pg_dsn)
    try:
        await migrations.apply(conn, schema, migrations.for_service("credit"))
    finally:
        await conn.close()
    key = Ed25519PrivateKey.generate()
    pool = await create_pool(servers.pg_dsn, schema, 10)
    bus: Bus = await connect(servers.nats_url, schema)  # the runtime wants one; nothing consumes
    clock = FixedClock(china(today))
    db = Database(pool, clock, CATALOG, b"world-audit-key", Actor("service:credit", "", "service"))
    keeper = CalendarKeeper(db)
    await keeper.start()
    runtime = Runtime(_settings(servers, folder, key), clock, db, bus, keeper)
    components = build(runtime)
    for step in components.startup:
        await step()
    running = await server.start("127.0.0.1:0", components.servicers, TokenVerifier([key.public_key()]))
    world = CreditWorld(schema, pool, db, clock, f"127.0.0.1:{running.port}", key, runtime, [])
    try:
        yield world
    finally:
        for made in world.made:
            await made.channel.close()
        await running.stop(0)
        await bus.close()
        await pool.close()


def _settings(servers: Servers, folder: Path, key: Ed25519PrivateKey) -> Settings:
    folder.mkdir(parents=True, exist_ok=True)
    public = folder / "token.pub"
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    (folder / "service.token").write_text("unused")
    (folder / "audit.key").write_text("world-audit-key")
    # The credit service publishes (公示) natural persons keyed by the pseudonym key: required.
    (folder / "pseudonym.key").write_text("world-pseudonym-key")
    env = {
        "CHENGNUO_ENV": "development",
        "CHENGNUO_PG_DSN": servers.pg_dsn,
        "CHENGNUO_NATS_URL": servers.nats_url,
        "CHENGNUO_GRPC_LISTEN": "127.0.0.1:0",
        "CHENGNUO_TOKEN_PUBLIC_KEYS": str(public),
        "CHENGNUO_SERVICE_TOKEN_FILE": str(folder / "service.token"),
        "CHENGNUO_AUDIT_KEY_FILE": str(folder / "audit.key"),
        "CHENGNUO_PSEUDONYM_KEY_FILE": str(folder / "pseudonym.key"),
    }
    return Settings.from_env("credit", env)


def false_commitment(
    uscc: str,
    decided: dt.date,
    *,
    referred: bool = False,
    safety: bool = False,
    department: str = DEPARTMENT,
    region: str = REGION,
    name: str = "厦门示例餐饮有限公司",
) -> vevents.FalseCommitmentFound:
    return vevents.FalseCommitmentFound(
        task_id=str(uuid.uuid4()),
        commitment_id=str(uuid.uuid4()),
        commitment_code=f"{region}{decided:%Y%m%d}000001",
        subject=subject_pb2.SubjectRef(kind=LEGAL, code=uscc),
        subject_name=name,
        item_name="营业场所使用证明",
        deciding_department=department,
        region_code=region,
        decision_date=convert.to_date(decided),
        findings="不动产登记系统无该经营场所的使用权记录",
        referred_to_judiciary=referred,
        safety_related_item=safety,
    )


def kept_commitment(uscc: str, decided: dt.date) -> vevents.VerificationConcluded:
    return vevents.VerificationConcluded(
        task_id=str(uuid.uuid4()),
        commitment_id=str(uuid.uuid4()),
        subject=subject_pb2.SubjectRef(kind=LEGAL, code=uscc),
        department=DEPARTMENT,
        outcome=vpb.OUTCOME_TRUE,
        decision_date=convert.to_date(decided),
    )


FALSE = verification_events.FALSE_COMMITMENT.subject
CONCLUDED = verification_events.CONCLUDED.subject


def ref(uscc: str) -> subject_pb2.SubjectRef:
    return subject_pb2.SubjectRef(kind=LEGAL, code=uscc)


def rid() -> str:
    return str(uuid.uuid4())


@pytest.fixture
async def credit(servers: Servers, tmp_path: Path) -> AsyncIterator[CreditWorld]:
    async with credit_world(servers, tmp_path, dt.date(2026, 7, 1)) as made:
        yield made


async def record_of(world: CreditWorld, uscc: str, decided: dt.date, **facts: Any) -> str:
    """Deliver a false commitment and return the id of the record it made."""
    await world.deliver(FALSE, false_commitment(uscc, decided, **facts))
    row = await world.pool.fetchrow(
        "SELECT record_id FROM dishonesty_record WHERE subject_code = $1 ORDER BY created_at DESC LIMIT 1",
        uscc,
    )
    assert row is not None
    return str(row["record_id"])


def subjects(n: int) -> Sequence[str]:
    return [new_uscc() for _ in range(n)]


async def test_the_world_seeds_every_packaged_rule_set(credit: CreditWorld) -> None:
    kinds = {r["kind"] for r in await credit.pool.fetch("SELECT kind FROM rule_set")}
    packaged = {"records", "grading", "blacklist", "measures", "inspection_records", "responsible_persons"}
    assert kinds == packaged


async def serve_notice(world: CreditWorld, entry_id: str, on: dt.date | None = None) -> lists_pb2.ListEntry:
    """Record that a proposal's pre-notice was served (送达), by post, on `on` (default: today)."""
    served = lists_pb2.RecordNoticeServiceRequest(
        request_id=rid(),
        entry_id=entry_id,
        method=lists_pb2.SERVICE_METHOD_POSTAL,
        served_on=convert.to_date(on or china_date(world.clock.now())),
        proof_reference="EMS 1100000000001",
    )
    return (await world.as_role("credit_officer").lists.RecordNoticeService(served)).entry
