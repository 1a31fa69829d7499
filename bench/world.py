"""The system under test: the embedded stack, callers with tokens, and the data every
benchmark starts from (a published catalogue item that allows commitment)."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import asyncpg
import grpc
import nats
from nats.js import JetStreamContext

from chengnuo.commitment.v1 import catalogue_pb2, catalogue_pb2_grpc, commitment_pb2, commitment_pb2_grpc
from chengnuo.common.v1 import dev_clock_pb2, dev_clock_pb2_grpc, subject_pb2
from chengnuo.verification.v1 import inspections_pb2_grpc, rosters_pb2_grpc, verification_pb2_grpc
from services.kernel import auth
from services.kernel.clock import CHINA
from services.kernel.config import SERVICES
from services.kernel.identifiers import org_code_check_char, uscc_check_char
from services.kernel.rpc import client
from services.launcher.stack import Stack, StackOptions

DEPARTMENT = "350200-SCJ"  # a city market regulation bureau
REGION = "350200"
LEGAL = subject_pb2.SUBJECT_KIND_LEGAL_PERSON
_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


class Caller:
    """Stubs of every service for one identity (one channel per service, like a portal)."""

    def __init__(self, stack: Stack, roles: Sequence[str], department: str, region: str) -> None:
        key = auth.load_private_key(stack.keys.signing_key)
        self.tls = stack.client_tls  # the stack serves mutual TLS, as a deployment does
        now = dt.datetime.now(dt.UTC)
        self.token = auth.mint(
            key,
            subject=f"bench-{'-'.join(roles)}",
            department=department,
            region=region,
            roles=roles,
            now=now,
            ttl=dt.timedelta(hours=2),
        )
        self.channels = {name: self.channel(address) for name, address in stack.endpoints().items()}
        self.catalogue = catalogue_pb2_grpc.CatalogueServiceStub(self.channels["commitment"])
        self.commitments = commitment_pb2_grpc.CommitmentServiceStub(self.channels["commitment"])
        verification = self.channels["verification"]
        self.tasks = verification_pb2_grpc.VerificationServiceStub(verification)
        self.rosters = rosters_pb2_grpc.RosterServiceStub(verification)
        self.inspections = inspections_pb2_grpc.InspectionServiceStub(verification)

    def channel(self, address: str) -> grpc.aio.Channel:
        return client.channel(address, lambda: self.token, timeout=120.0, tls=self.tls)

    async def close(self) -> None:
        for made in self.channels.values():
            await made.close()


class World:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self._callers: list[Caller] = []

    @classmethod
    async def start(cls, data_dir: Path) -> World:
        stack = Stack(StackOptions(data_dir=data_dir, port_base=0, grace_seconds=3))
        await stack.start()
        return cls(stack)

    async def today(self, service: str = "verification") -> dt.date:
        """Today on a service's clock: a business date never comes from this machine's clock."""
        admin = self.caller("admin")
        stub = dev_clock_pb2_grpc.DevClockServiceStub(admin.channels[service])
        answer = await stub.GetTime(dev_clock_pb2.GetTimeRequest())
        return answer.now.ToDatetime(dt.UTC).astimezone(CHINA).date()

    def caller(self, *roles: str, department: str = DEPARTMENT, region: str = REGION) -> Caller:
        self._callers.append(Caller(self.stack, roles, department, region))
        return self._callers[-1]

    async def settle(self, timeout: float = 180.0) -> float:
        """Wait until the work earlier benchmarks caused downstream is done (every outbox row
        published, every consumer caught up), so it does not slow the next; returns seconds."""
        start = time.monotonic()
        conn = await asyncpg.connect(self.stack.pg_dsn)
        bus = await nats.connect(self.stack.nats_url)
        try:
            while not await _quiet(conn, bus.jetstream()):
                if time.monotonic() - start > timeout:
                    raise TimeoutError(f"the system did not settle within {timeout:.0f}s")
                await asyncio.sleep(0.5)
        finally:
            await bus.close()
            await conn.close()
        return time.monotonic() - start

    async def stop(self) -> None:
        for made in self._callers:
            await made.close()
        await self.stack.stop()


async def _quiet(conn: asyncpg.Connection, js: JetStreamContext) -> bool:
    for service in SERVICES:
        if await conn.fetchval(f"SELECT count(*) FROM {service}.outbox WHERE published_at IS NULL"):
            return False
    for stream in await js.streams_info():
        for consumer in await js.consumers_info(stream.config.name or ""):
            if consumer.num_pending or consumer.num_ack_pending:
                return False
    return True


def item_draft(name: str = "营业场所使用证明") -> catalogue_pb2.ItemDraft:
    """A certificate item checked against documents (no inspectors needed to conclude)."""
    return catalogue_pb2.ItemDraft(
        name=name,
        legal_basis="《食品经营许可管理办法》第十二条",
        certified_content="申请人对经营场所享有合法使用权",
        issuing_authority="不动产登记机构",
        matters=["食品经营许可"],
        region_code=REGION,
        commitment_allowed=True,
        verification=catalogue_pb2.VerificationRule(
            method=catalogue_pb2.VERIFICATION_METHOD_DOCUMENT,
            time_limit_working_days=20,
            standard="核对不动产登记信息",
        ),
    )


async def publish_item(admin: Caller) -> str:
    created = await admin.catalogue.CreateItem(
        catalogue_pb2.CreateItemRequest(request_id=str(uuid.uuid4()), item=item_draft())
    )
    await admin.catalogue.PublishCatalogue(
        catalogue_pb2.PublishCatalogueRequest(request_id=str(uuid.uuid4()))
    )
    return created.item.item_id


def record_request(uscc: str, item_id: str) -> commitment_pb2.RecordCommitmentRequest:
    """What a portal sends when an applicant signs the letter electronically."""
    return commitment_pb2.RecordCommitmentRequest(
        request_id=str(uuid.uuid4()),
        subject=subject_pb2.SubjectRef(kind=LEGAL, code=uscc),
        subject_name="厦门示例餐饮有限公司",
        item_id=item_id,
        case_number=f"CASE-{uuid.uuid4().hex[:12]}",
        channel=commitment_pb2.CHANNEL_ONLINE,
        publication_type=commitment_pb2.PUBLICATION_TYPE_PUBLIC,
        letter=commitment_pb2.SignedLetter(
            signature_method=commitment_pb2.SIGNATURE_METHOD_ELECTRONIC_SIGNATURE
        ),
    )


def uscc(n: int, region: str = REGION) -> str:
    """The n-th of a deterministic series of valid, distinct USCCs."""
    digits = []
    for _ in range(8):
        n, d = divmod(n, len(_ORG_ALPHABET))
        digits.append(_ORG_ALPHABET[d])
    org8 = "".join(reversed(digits))
    first17 = f"91{region}{org8}{org_code_check_char(org8)}"
    return first17 + uscc_check_char(first17)


def random_usccs(count: int, seed: int = 0) -> list[str]:
    """Distinct valid USCCs spread over the whole series (not in code order)."""
    return [uscc(n) for n in random.Random(seed).sample(range(len(_ORG_ALPHABET) ** 8), count)]
