"""An in-process commitment service on the real PostgreSQL and NATS of the session.

`commitment_world()` applies the service's migrations to a fresh database, wires the service with
its own composition root (services.commitment.main.build), serves it on a real gRPC server with
the production interceptor, and runs its consumers against JetStream. Each world has a database
of its own (with the service's schema in it, as deployed) and durable consumer names of its own,
so worlds never share a consumer on the shared streams.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import random
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import asyncpg
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from google.protobuf.message import Message

from chengnuo.commitment.v1 import catalogue_pb2, catalogue_pb2_grpc, commitment_pb2, commitment_pb2_grpc
from chengnuo.common.v1 import subject_pb2
from services.commitment.main import SERVICE
from services.contracts.events import CATALOG
from services.kernel import migrations
from services.kernel.auth import TokenVerifier
from services.kernel.bus import Bus, connect, ensure_streams
from services.kernel.clock import DevClock
from services.kernel.config import Settings
from services.kernel.db import create_pool
from services.kernel.events import headers
from services.kernel.features.calendar.keeper import CalendarKeeper
from services.kernel.identifiers import resident_id_check_char, uscc_check_char
from services.kernel.inbox import Consumer, Subscription
from services.kernel.rpc import server
from services.kernel.runtime import Runtime
from services.kernel.uow import Actor, Database
from tests.conftest import Servers, _fresh_database, dev_clock
from tests.support import channel, mint, new_uscc

DEPARTMENT = "350200-SCJ"
REGION = "350200"
LEGAL = subject_pb2.SUBJECT_KIND_LEGAL_PERSON
NATURAL = subject_pb2.SUBJECT_KIND_NATURAL_PERSON
BUSINESS = subject_pb2.SUBJECT_KIND_INDIVIDUAL_BUSINESS


class _WorldRuntime(Runtime):
    """The production runtime, with durable consumer names unique to this world."""

    suffix = ""

    def consumer(self, subscription: Subscription) -> Consumer:
        return super().consumer(replace(subscription, consumer=f"{subscription.consumer}-{self.suffix}"))


class Clients:
    def __init__(self, address: str, token: str) -> None:
        self.channel = channel(address, token)
        self.catalogue = catalogue_pb2_grpc.CatalogueServiceStub(self.channel)
        self.commitments = commitment_pb2_grpc.CommitmentServiceStub(self.channel)


@dataclass
class CommitmentWorld:
    database: str
    pool: asyncpg.Pool
    db: Database
    clock: DevClock
    bus: Bus
    address: str
    key: Ed25519PrivateKey
    runtime: Runtime
    made: list[Clients]

    def as_role(self, *roles: str, department: str = DEPARTMENT, region: str = REGION) -> Clients:
        self.made.append(Clients(self.address, mint(self.key, roles, department, region)))
        return self.made[-1]

    async def count(self, table: str, where: str = "true", *args: Any) -> int:
        return int(await self.pool.fetchval(f"SELECT count(*) FROM {table} WHERE {where}", *args))

    async def events(self, subject: str) -> list[bytes]:
        rows = await self.pool.fetch("SELECT payload FROM outbox WHERE subject = $1 ORDER BY seq", subject)
        return [bytes(r["payload"]) for r in rows]

    async def publish(self, subject: str, event: Message, entity: str) -> str:
        """Publish an event of another service on its stream, as its outbox relay would."""
        kind = CATALOG.for_subject(subject)
        assert kind is not None
        event_id = str(uuid.uuid4())
        attrs = headers(event_id, kind, "/chengnuo/test", entity, self.clock.now())
        await self.bus.js.publish(subject, event.SerializeToString(), headers=attrs)
        return event_id


@contextlib.asynccontextmanager
async def commitment_world(servers: Servers, folder: Path) -> AsyncIterator[CommitmentWorld]:
    name = f"c{uuid.uuid4().hex[:12]}"
    dsn = await _fresh_database(servers.pg_dsn, name)
    conn = await asyncpg.connect(dsn)
    try:
        await migrations.apply(conn, SERVICE.name, migrations.for_service(SERVICE.name))
    finally:
        await conn.close()
    key = Ed25519PrivateKey.generate()
    settings = _settings(dsn, servers.nats_url, folder, key)
    pool = await create_pool(dsn, SERVICE.name, 20)
    bus = await connect(servers.nats_url, name)
    await ensure_streams(bus.js, CATALOG.streams.values(), replicas=1)
    clock = dev_clock()
    db = Database(pool, clock, CATALOG, b"world-audit-key", Actor("service:commitment", "", "service"))
    keeper = CalendarKeeper(db)
    await keeper.start()
    runtime = _WorldRuntime(settings, clock, db, bus, keeper)
    runtime.suffix = name
    components = SERVICE.build(runtime)
    for step in components.startup:
        await step()
    running = await server.start("127.0.0.1:0", components.servicers, TokenVerifier([key.public_key()]))
    tasks = [asyncio.create_task(c.run()) for c in runtime.consumers]
    world = CommitmentWorld(name, pool, db, clock, bus, f"127.0.0.1:{running.port}", key, runtime, [])
    try:
        yield world
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for made in world.made:
            await made.channel.close()
        await running.stop(0)
        for consumer in runtime.consumers:
            with contextlib.suppress(Exception):
                await bus.js.delete_consumer(consumer.sub.stream, consumer.sub.consumer)
        for servicer in components.servicers:
            codes = _codes(servicer.servicer)
            if codes is not None:  # the servicers share one Deps: a pool closes once, then no-ops
                await codes.close()
        await bus.close()
        await pool.close()
        await _drop_database(servers.pg_dsn, name)


def _codes(servicer: object) -> Any:
    """The code sequences a servicer's handlers draw commitment codes from (on a pool of their own,
    services/commitment/store/codes.py), if any."""
    return getattr(getattr(getattr(servicer, "deps", None), "store", None), "codes", None)


async def _drop_database(admin_dsn: str, name: str) -> None:
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def _settings(dsn: str, nats_url: str, folder: Path, key: Ed25519PrivateKey) -> Settings:
    folder.mkdir(parents=True, exist_ok=True)
    public = folder / "token.pub"
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    (folder / "service.token").write_text("unused")
    (folder / "audit.key").write_text("world-audit-key")
    env = {
        "CHENGNUO_ENV": "development",
        "CHENGNUO_PG_DSN": dsn,
        "CHENGNUO_NATS_URL": nats_url,
        "CHENGNUO_GRPC_LISTEN": "127.0.0.1:0",
        "CHENGNUO_TOKEN_PUBLIC_KEYS": str(public),
        "CHENGNUO_SERVICE_TOKEN_FILE": str(folder / "service.token"),
        "CHENGNUO_AUDIT_KEY_FILE": str(folder / "audit.key"),
    }
    return Settings.from_env("commitment", env)


# Requests the tests share.


def item(
    name: str = "营业场所使用证明", region: str = REGION, *, allowed: bool = True
) -> catalogue_pb2.ItemDraft:
    return catalogue_pb2.ItemDraft(
        name=name,
        legal_basis="《食品经营许可和备案管理办法》第十二条",
        certified_content="申请人对经营场所享有合法使用权",
        issuing_authority="不动产登记机构",
        matters=["食品经营许可"],
        region_code=region,
        commitment_allowed=allowed,
        agency_name="厦门市市场监督管理局",
        verification=catalogue_pb2.VerificationRule(
            method=catalogue_pb2.VERIFICATION_METHOD_DOCUMENT,
            time_limit_working_days=20,
            standard="核对不动产登记信息",
        ),
    )


def rid() -> str:
    return str(uuid.uuid4())


async def create(admin: Clients, draft: catalogue_pb2.ItemDraft) -> str:
    made = await admin.catalogue.CreateItem(catalogue_pb2.CreateItemRequest(request_id=rid(), item=draft))
    return str(made.item.item_id)


async def publish(admin: Clients) -> catalogue_pb2.PublishCatalogueResponse:
    response: catalogue_pb2.PublishCatalogueResponse = await admin.catalogue.PublishCatalogue(
        catalogue_pb2.PublishCatalogueRequest(request_id=rid())
    )
    return response


async def published_item(admin: Clients, draft: catalogue_pb2.ItemDraft | None = None) -> str:
    item_id = await create(admin, draft or item())
    await publish(admin)
    return item_id


def record(
    code: str,
    item_id: str,
    *,
    kind: int = LEGAL,
    name: str = "厦门示例餐饮有限公司",
    case: str | None = None,
    letter: commitment_pb2.SignedLetter | None = None,
    publication: int = commitment_pb2.PUBLICATION_TYPE_PUBLIC,
) -> commitment_pb2.RecordCommitmentRequest:
    request = commitment_pb2.RecordCommitmentRequest(
        request_id=rid(),
        subject=subject_pb2.SubjectRef(kind=kind, code=code),  # type: ignore[arg-type]
        subject_name=name,
        item_id=item_id,
        case_number=case or f"CASE-{uuid.uuid4().hex[:10]}",
        channel=commitment_pb2.CHANNEL_ONLINE,
        publication_type=publication,  # type: ignore[arg-type]
    )
    request.letter.CopyFrom(
        letter
        or commitment_pb2.SignedLetter(signature_method=commitment_pb2.SIGNATURE_METHOD_ELECTRONIC_SIGNATURE)
    )
    return request


def resident_id(region: str = "350203") -> str:
    """A fresh valid resident ID (GB 11643-1999) born on a random day of 1985."""
    born = dt.date(1985, 1, 1) + dt.timedelta(days=random.randrange(365))
    first17 = f"{region}{born:%Y%m%d}{random.randrange(1000):03d}"
    return first17 + resident_id_check_char(first17)


def business_uscc() -> str:
    """A USCC of an individual business (个体工商户: registration authority 9, category 2)."""
    code = new_uscc()
    first17 = "92" + code[2:17]
    return first17 + uscc_check_char(first17)


async def test_the_service_serves_its_two_apis_and_its_consumers(servers: Servers, tmp_path: Path) -> None:
    async with commitment_world(servers, tmp_path) as world:
        subjects = sorted(s for c in world.runtime.consumers for s in c.sub.handlers)
        assert subjects == ["credit.restriction_changed", "verification.concluded"]
        admin = world.as_role("catalogue_admin")
        item_id = await published_item(admin)
        found = await admin.catalogue.GetItem(catalogue_pb2.GetItemRequest(item_id=item_id))
        assert found.item.version == 1
        assert await world.count("item_version") == 1


def names(values: Sequence[Any]) -> list[str]:
    return [v.name for v in values]
