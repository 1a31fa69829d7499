"""PostgreSQL stopped for about 8 s under running services, then started again: no service
process dies, every call that needs the database is answered UNAVAILABLE with a retry delay
(never INTERNAL), the health check says NOT_SERVING; once the database is back the services
report SERVING and accept writes again by themselves, without being restarted. Portals and
verifiers write throughout, retrying by request_id, and the run ends with exact counts
(acknowledged = stored, nothing doubled, one credit record per false conclusion, outboxes empty,
no dead letters).

Both set-ups are drilled: the stack's own embedded PostgreSQL (a Unix socket), and an "external"
server reached over TCP by DSN, as production runs (the same binaries, started by this test on a
free port). Nothing supervises the services here: a process that died would stay dead.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from chengnuo.commitment.v1 import commitment_pb2
from chengnuo.common.v1 import audit_pb2, audit_pb2_grpc
from services.kernel import auth
from services.kernel.rpc.status import details_of
from services.launcher.embedded import EmbeddedPostgres
from services.launcher.stack import DATABASE, Stack, StackOptions
from tests.conftest import CLOCK_START
from tests.e2e.conftest import Clients
from tests.e2e.test_thin_flow import publish_item, record_request, task_of
from tests.faults.workload import Ledger, assert_exact, settle_and_count, write_until_enough
from tests.support import channel, eventually, free_port, mint, new_uscc, trust

OUTAGE_SECONDS = 8.0  # the outage the outside tester found fatal about 2 s in
RECOVERY_SECONDS = 20.0  # the services are SERVING and accept writes within this after it
WRITERS = 4  # portals recording (and verifiers concluding) throughout
BEFORE, AFTER = 20, 20  # commitments acknowledged before the outage, and after it
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


@dataclass
class Drill:
    stack: Stack
    stop_database: Callable[[], Awaitable[None]]
    start_database: Callable[[], Awaitable[object]]


async def _embedded(data_dir: Path) -> AsyncIterator[Drill]:
    stack = trust(Stack(StackOptions(data_dir=data_dir, grace_seconds=3, clock_start=CLOCK_START)))
    await stack.start()
    try:
        postgres = stack.postgres
        assert postgres is not None, "the stack runs its own PostgreSQL"
        # Kept: the services' DSN names the socket directory.
        yield Drill(stack, lambda: postgres.stop(keep_socket_dir=True), postgres.start)
    finally:
        await stack.stop()


async def _external(data_dir: Path) -> AsyncIterator[Drill]:
    postgres = EmbeddedPostgres(data_dir / "external-pg", port=free_port())
    admin = await postgres.start()
    try:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(f'CREATE DATABASE "{DATABASE}"')
        finally:
            await conn.close()
        dsn = f"postgresql://postgres@127.0.0.1:{postgres.port}/{DATABASE}"
        options = StackOptions(
            data_dir=data_dir / "stack", pg_dsn=dsn, grace_seconds=3, clock_start=CLOCK_START
        )
        stack = trust(Stack(options))
        await stack.start()
        try:
            assert stack.postgres is None, "the services use the external server"
            yield Drill(stack, postgres.stop, postgres.start)
        finally:
            await stack.stop()
    finally:
        await postgres.stop()


@pytest.fixture(params=["embedded", "external"])
async def drill(request: pytest.FixtureRequest, session_dir: Path) -> AsyncIterator[Drill]:
    set_up = _embedded if request.param == "embedded" else _external
    async for made in set_up(session_dir / f"pg-outage-{request.param}"):
        yield made


async def _service_names(ch: grpc.aio.Channel) -> list[str]:
    """The names the health check answers for: "" and every service of ours the server offers."""
    stub = reflection_pb2_grpc.ServerReflectionStub(ch)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    async for answer in stub.ServerReflectionInfo(iter([request]), timeout=10):
        names = [s.name for s in answer.list_services_response.service]
        return ["", *sorted(n for n in names if n.startswith("chengnuo."))]
    raise AssertionError("no reflection answer")


async def _health(ch: grpc.aio.Channel, names: list[str]) -> set[int]:
    stub = health_pb2_grpc.HealthStub(ch)
    return {(await stub.Check(health_pb2.HealthCheckRequest(service=n), timeout=5)).status for n in names}


def _unavailable_with_retry_info(error: grpc.aio.AioRpcError, what: str) -> None:
    assert error.code() == grpc.StatusCode.UNAVAILABLE, f"{what}: {error.code()} {error.details()}"
    metadata = error.trailing_metadata()
    details = [d for d in details_of(metadata) if isinstance(d, error_details_pb2.RetryInfo)]  # type: ignore[arg-type]
    assert details, f"{what}: UNAVAILABLE without RetryInfo"
    assert 0.5 <= details[0].retry_delay.ToTimedelta().total_seconds() <= 5


async def _refused(call: Awaitable[object]) -> grpc.aio.AioRpcError:
    try:
        await call
    except grpc.aio.AioRpcError as error:
        return error
    raise AssertionError("answered while the database was down")


@dataclass
class Watched:
    """The stack as it was before the outage, and callers of a call on each service that needs
    the database."""

    stack: Stack
    pids: dict[tuple[str, int], int]
    names: dict[str, list[str]]  # health check names by service
    audit: dict[str, grpc.aio.Channel]  # auditor channels by service (also for health and reflection)
    portal: Clients

    def assert_untouched(self) -> None:
        """Every process alive, none restarted."""
        for key, service in self.stack.processes.items():
            assert service.process.returncode is None, f"{key} died of the outage: see {service.log}"
            assert service.process.pid == self.pids[key], f"{key} was restarted"

    async def assert_refused(self, during: commitment_pb2.RecordCommitmentRequest) -> None:
        for service, ch in self.audit.items():
            stub = audit_pb2_grpc.AuditServiceStub(ch)
            error = await _refused(stub.ListAuditRows(audit_pb2.ListAuditRowsRequest(), timeout=5))
            self._assert_unavailable(error, f"{service} ListAuditRows")
        error = await _refused(self.portal.commitments.RecordCommitment(during, timeout=5))
        self._assert_unavailable(error, "RecordCommitment")

    def _assert_unavailable(self, error: grpc.aio.AioRpcError, what: str) -> None:
        if error.code() != grpc.StatusCode.UNAVAILABLE:
            self.assert_untouched()  # a deadline missed because the service died: say so
        _unavailable_with_retry_info(error, what)

    async def serving(self) -> dict[str, set[int]]:
        """The statuses each service's health check gives for "" and each of its services."""
        return {s: await _health(ch, self.names[s]) for s, ch in self.audit.items()}

    async def close(self) -> None:
        await self.portal.close()
        for ch in self.audit.values():
            await ch.close()


async def _watch(stack: Stack) -> Watched:
    auditor = mint(auth.load_private_key(stack.keys.signing_key), ["auditor"])
    audit = {service: channel(address, auditor) for service, address in stack.endpoints().items()}
    return Watched(
        stack,
        pids={key: service.process.pid for key, service in stack.processes.items()},
        names={service: await _service_names(ch) for service, ch in audit.items()},
        audit=audit,
        portal=Clients(stack, ["portal"]),
    )


async def _through_the_outage(watched: Watched, during: commitment_pb2.RecordCommitmentRequest) -> None:
    """For the whole outage, over and over: every process alive, every call that needs the
    database UNAVAILABLE with RetryInfo, and (once the watch has noticed) NOT_SERVING."""
    until = time.monotonic() + OUTAGE_SECONDS
    noticed: set[str] = set()
    rounds = 0
    while time.monotonic() < until or len(noticed) < len(watched.names):
        assert time.monotonic() < until + RECOVERY_SECONDS, f"NOT_SERVING only on {sorted(noticed)}"
        watched.assert_untouched()
        await watched.assert_refused(during)
        for service, statuses in (await watched.serving()).items():
            if statuses == {NOT_SERVING}:
                noticed.add(service)
            else:  # once noticed, it stays NOT_SERVING while the database is down
                assert service not in noticed, f"{service} SERVING again during the outage"
        rounds += 1
        await asyncio.sleep(0.2)
    assert rounds > 3


async def test_services_outlive_a_postgres_outage_and_recover_by_themselves(drill: Drill) -> None:
    stack = drill.stack
    admin, verifier = Clients(stack, ["catalogue_admin"]), Clients(stack, ["verifier"])
    watched = await _watch(stack)
    pool = await asyncpg.create_pool(stack.pg_dsn, min_size=1, max_size=4)  # the accounting's reads
    writes: asyncio.Task[None] | None = None
    try:
        item_id = await publish_item(admin)
        assert (
            await watched.portal.commitments.RecordCommitment(record_request(new_uscc(), item_id))
        ).commitment
        during = record_request(new_uscc(), item_id, request_id=str(uuid.uuid4()))
        ledger = Ledger(item_id=item_id)
        writes = asyncio.create_task(
            write_until_enough(watched.portal, verifier, pool, ledger, clients=WRITERS)
        )
        await asyncio.wait_for(ledger.after(BEFORE).wait(), RECOVERY_SECONDS)

        await drill.stop_database()
        try:
            await _through_the_outage(watched, during)
        finally:
            await drill.start_database()

        async def serving_again() -> bool:
            return all(statuses == {SERVING} for statuses in (await watched.serving()).values())

        await eventually(serving_again, timeout=RECOVERY_SECONDS, what="SERVING after the outage")

        async def written() -> str | None:
            try:  # the request refused during the outage, retried as a careful client does
                answer = await watched.portal.commitments.RecordCommitment(during, timeout=5)
            except grpc.aio.AioRpcError as error:
                _unavailable_with_retry_info(error, "RecordCommitment while recovering")
                return None
            return str(answer.commitment.commitment_id)

        commitment_id = await eventually(written, timeout=RECOVERY_SECONDS, what="a write after the outage")
        # Its event went through the relay and the verification service's consumer: both recovered.
        await eventually(lambda: task_of(verifier, commitment_id), timeout=RECOVERY_SECONDS, what="its task")
        await asyncio.wait_for(ledger.more(AFTER).wait(), RECOVERY_SECONDS)
        ledger.enough.set()
        await writes
        assert sum(n for call, n in ledger.retries.items() if "UNAVAILABLE" in call), (
            "no write met the outage"
        )
        assert_exact(await settle_and_count(stack, pool, ledger), ledger)
        watched.assert_untouched()
    finally:
        if writes is not None and not writes.done():  # the test failed mid-way
            writes.cancel()
        await watched.close()
        await pool.close()
        for made in (admin, verifier):
            await made.close()
