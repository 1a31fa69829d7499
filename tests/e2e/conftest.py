"""The three services as processes, started by the launcher `chengnuo up` uses."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import asyncpg
import pytest

from chengnuo.commitment.v1 import catalogue_pb2_grpc, commitment_pb2_grpc
from chengnuo.common.v1 import dev_clock_pb2, dev_clock_pb2_grpc
from chengnuo.credit.v1 import credit_pb2_grpc
from chengnuo.verification.v1 import verification_pb2_grpc
from services.kernel import auth
from services.kernel.clock import CHINA
from services.launcher.stack import Stack, StackOptions
from tests.conftest import CLOCK_START
from tests.support import channel, mint, trust

DEPARTMENT = "350200-SCJ"  # a city market regulation bureau
REGION = "350200"


@pytest.fixture(scope="session")
async def stack(session_dir: Path) -> AsyncIterator[Stack]:
    options = StackOptions(
        data_dir=session_dir / "stack",
        pg_dsn=os.environ.get("CHENGNUO_TEST_PG_DSN", ""),
        nats_url=os.environ.get("CHENGNUO_TEST_NATS_URL", ""),
        grace_seconds=3,
        clock_start=CLOCK_START,
    )
    stack = trust(Stack(options))  # mutual TLS with the stack's own CA, as `chengnuo up` serves
    await stack.start()
    try:
        yield stack
    finally:
        await stack.stop()


class Clients:
    """Stubs for one caller identity against the running stack."""

    def __init__(
        self, stack: Stack, roles: Sequence[str], department: str = DEPARTMENT, region: str = REGION
    ):
        self.token = mint(auth.load_private_key(stack.keys.signing_key), roles, department, region)
        endpoints = stack.endpoints()
        self._channels = {name: channel(address, self.token) for name, address in endpoints.items()}
        self.catalogue = catalogue_pb2_grpc.CatalogueServiceStub(self._channels["commitment"])
        self.commitments = commitment_pb2_grpc.CommitmentServiceStub(self._channels["commitment"])
        self.verification = verification_pb2_grpc.VerificationServiceStub(self._channels["verification"])
        self.credit = credit_pb2_grpc.CreditServiceStub(self._channels["credit"])

    async def close(self) -> None:
        for made in self._channels.values():
            await made.close()


@pytest.fixture
async def as_role(stack: Stack) -> AsyncIterator[object]:
    made: list[Clients] = []

    def clients(*roles: str, department: str = DEPARTMENT, region: str = REGION) -> Clients:
        made.append(Clients(stack, roles, department, region))
        return made[-1]

    yield clients
    for c in made:
        await c.close()


async def service_today(stack: Stack, service: str = "commitment") -> dt.date:
    """Today on a service's clock (tests elsewhere may have let time pass)."""
    token = mint(auth.load_private_key(stack.keys.signing_key), ["admin"])
    async with channel(stack.endpoints()[service], token) as ch:
        answer = await dev_clock_pb2_grpc.DevClockServiceStub(ch).GetTime(dev_clock_pb2.GetTimeRequest())
    return answer.now.ToDatetime(dt.UTC).astimezone(CHINA).date()


@pytest.fixture(scope="module")
async def own_stack(session_dir: Path, request: pytest.FixtureRequest) -> AsyncIterator[Stack]:
    """A stack of the test module's own, for tests that move its clock."""
    data_dir = session_dir / f"stack-{request.module.__name__}"
    stack = trust(Stack(StackOptions(data_dir=data_dir, grace_seconds=3, clock_start=CLOCK_START)))
    await stack.start()
    try:
        yield stack
    finally:
        await stack.stop()


async def count_rows(stack: Stack, schema: str, table: str) -> int:
    """Direct database reads only to prove that nothing was written."""
    conn = await asyncpg.connect(stack.pg_dsn)
    try:
        return int(await conn.fetchval(f'SELECT count(*) FROM "{schema}"."{table}"'))
    finally:
        await conn.close()
