"""The verification service in-process on a schema of its own, for the integration tests.

`vworld` gives the real servicers, consumers and jobs over real PostgreSQL (the session's
embedded server), with a development clock the test can move. The other
test_verification_*.py modules import the fixture (`vworld_fixture`, named `vworld`) from here.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from google.protobuf.message import Message

from chengnuo.commitment.v1 import catalogue_pb2
from chengnuo.common.v1 import subject_pb2
from chengnuo.events.v1 import commitment_events_pb2
from chengnuo.verification.v1 import rosters_pb2 as rpb
from services.contracts import roles
from services.contracts.events import CATALOG
from services.kernel import convert, migrations
from services.kernel.auth import Caller, set_current_caller
from services.kernel.clock import DevClock
from services.kernel.db import create_pool
from services.kernel.events import EventMeta
from services.kernel.features.calendar.keeper import CalendarKeeper
from services.kernel.features.sharing.gate import SharingGate
from services.kernel.uow import Actor, Database
from services.verification import consumers
from services.verification.api.deps import Deps
from services.verification.api.servicers import InspectionApi, RosterApi, VerificationApi
from services.verification.flows.publishing import Publisher
from services.verification.main import STORES, Rules
from services.verification.store import rules as rule_store
from tests.conftest import Servers, dev_clock

AUDIT_KEY = b"test-audit-key"
# The pseudonym key the service reads from CHENGNUO_PSEUDONYM_KEY_FILE (Runtime.public_key).
PUBLIC_KEY = b"test-pseudonym-key"
DEPARTMENT = "350200-SCJ"
LEGAL = subject_pb2.SUBJECT_KIND_LEGAL_PERSON


@dataclass
class VWorld:
    schema: str
    pool: asyncpg.Pool
    db: Database
    clock: DevClock
    calendar: CalendarKeeper
    rules: Rules
    tasks: VerificationApi
    rosters: RosterApi
    inspections: InspectionApi
    commitments: consumers.CommitmentEvents

    def as_caller(self, *caller_roles: str, department: str = DEPARTMENT, subject: str = "staff-1") -> None:
        set_current_caller(Caller(subject, department, "350200", frozenset(caller_roles), time.time() + 3600))

    def lead(self, department: str = DEPARTMENT) -> None:
        self.as_caller(roles.VERIFICATION_LEAD, department=department, subject=f"lead@{department}")

    def verifier(self, department: str = DEPARTMENT) -> None:
        self.as_caller(roles.VERIFIER, department=department, subject=f"verifier@{department}")

    async def apply(self, handler: Any, event: Message) -> None:
        """Apply an event as the inbox consumer would: one unit of work."""
        meta = EventMeta(str(uuid.uuid4()), "", "", "", self.clock.now())
        async with self.db.unit_of_work(request_id=meta.id) as uow:
            await handler(event, uow, meta)

    async def events(self, subject: str) -> list[bytes]:
        rows = await self.pool.fetch("SELECT payload FROM outbox WHERE subject = $1 ORDER BY seq", subject)
        return [bytes(r["payload"]) for r in rows]

    async def count(self, table: str) -> int:
        return int(await self.pool.fetchval(f"SELECT count(*) FROM {table}"))

    async def counts(self, tables: Sequence[str]) -> tuple[int, ...]:
        return tuple([await self.count(t) for t in tables])

    async def record(self, uscc: str, **changes: Any) -> str:
        """A commitment.recorded event applied; returns the commitment id."""
        event = recorded(uscc, self.clock.now(), **changes)
        await self.apply(self.commitments.on_recorded, event)
        return event.commitment_id


def recorded(uscc: str, at: dt.datetime, **changes: Any) -> commitment_events_pb2.CommitmentRecorded:
    method = changes.pop("method", catalogue_pb2.VERIFICATION_METHOD_DOCUMENT)
    days = changes.pop("days", 20)
    event = commitment_events_pb2.CommitmentRecorded(
        commitment_id=str(uuid.uuid4()),
        code=f"350200{at:%Y%m%d}000001",
        subject=subject_pb2.SubjectRef(kind=LEGAL, code=uscc),
        subject_name="厦门示例餐饮有限公司",
        item_id=str(uuid.uuid4()),
        item_version=1,
        item_name="营业场所使用证明",
        department=DEPARTMENT,
        region_code="350200",
        verification=catalogue_pb2.VerificationRule(
            method=method, time_limit_working_days=days, standard="核对"
        ),
        recorded_at=convert.to_timestamp(at),
    )
    for name, value in changes.items():
        if isinstance(value, Message):
            getattr(event, name).CopyFrom(value)
        else:
            setattr(event, name, value)
    return event


def inspector(
    number: str, *, domains: Sequence[str] = ("food_safety",), active: bool = True
) -> rpb.Inspector:
    return rpb.Inspector(
        certificate_number=number, name=f"执法员{number[-3:]}", domains=domains, active=active
    )


@pytest.fixture(name="vworld")
async def vworld_fixture(servers: Servers) -> AsyncIterator[VWorld]:
    schema = f"v{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(servers.pg_dsn)
    try:
        await migrations.apply(conn, schema, migrations.for_service("verification"))
    finally:
        await conn.close()
    pool = await create_pool(servers.pg_dsn, schema, 8)
    clock = dev_clock()
    db = Database(pool, clock, CATALOG, AUDIT_KEY, Actor("service:verification", "", "service"))
    calendar = CalendarKeeper(db)
    await calendar.start()
    rules = Rules()
    async with db.unit_of_work() as uow:
        await rule_store.seed(uow.conn, uow.now)
        rules.book = await rule_store.load(uow.conn)
    calendar.on_year_loaded(consumers.DeadlineRecompute(calendar, rules, Publisher(STORES, PUBLIC_KEY)))
    deps = Deps(
        db=db, store=STORES, rules=rules, calendar=calendar, sharing=SharingGate(db), public_key=PUBLIC_KEY
    )
    world = VWorld(
        schema,
        pool,
        db,
        clock,
        calendar,
        rules,
        VerificationApi(deps),
        RosterApi(deps),
        InspectionApi(deps),
        consumers.CommitmentEvents(calendar),
    )
    try:
        yield world
    finally:
        await pool.close()


async def test_the_world_has_the_rule_sets_and_the_official_calendar(vworld: VWorld) -> None:
    kinds = {r.kind for r in vworld.rules.book.rule_sets}
    assert kinds == {"sampling", "publication", "joint", "tasks", "annual_plan", "escalation", "registration"}
    assert vworld.calendar.current.year(2026) is not None  # seeded from chinese-calendar
    assert await vworld.count("rule_set") == 9  # SAMPLING-2022 and -2027, JOINT-2022 and -2026


async def test_rule_sets_are_seeded_once_and_edits_survive_a_restart(vworld: VWorld) -> None:
    await vworld.pool.execute("UPDATE rule_set SET citation = 'edited' WHERE id = 'SAMPLING-2022'")
    async with vworld.db.unit_of_work() as uow:
        await rule_store.seed(uow.conn, uow.now)
        book = await rule_store.load(uow.conn)
    assert next(r for r in book.rule_sets if r.id == "SAMPLING-2022").citation == "edited"
