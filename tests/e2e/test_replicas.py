"""Two replicas of every service on one PostgreSQL and one NATS (issue 8): every event is
published once per outbox row, every effect is applied once, every scheduled job runs once,
and killing one replica of each service in the middle of the run loses nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import nats
import pytest
from google.protobuf.duration_pb2 import Duration

from chengnuo.commitment.v1 import catalogue_pb2, catalogue_pb2_grpc, commitment_pb2, commitment_pb2_grpc
from chengnuo.common.v1 import dev_clock_pb2, dev_clock_pb2_grpc
from chengnuo.verification.v1 import verification_pb2 as vpb
from chengnuo.verification.v1 import verification_pb2_grpc
from services.kernel import auth
from services.kernel.config import SERVICES
from services.launcher.stack import Stack, StackOptions
from tests.conftest import CLOCK_START
from tests.e2e.replicated import Replicated
from tests.e2e.test_thin_flow import draft, false_conclusion, opened_on, record_request
from tests.support import channel, eventually, mint, new_uscc, trust

DEPARTMENT = "350200-SCJ"
COMMITMENTS = 240
FALSE_EVERY = 4  # every 4th commitment proves false
OPEN_EVERY = 10  # every 10th stays open, to fall overdue later
CONCURRENCY = 16


@pytest.fixture(scope="module")
async def replicated(session_dir: Path) -> AsyncIterator[Stack]:
    options = StackOptions(session_dir / "replicated", replicas=2, grace_seconds=3, clock_start=CLOCK_START)
    stack = trust(Stack(options))
    await stack.start()
    try:
        yield stack
    finally:
        await stack.stop()


class Clients:
    def __init__(self, stack: Stack) -> None:
        self.admin = Replicated(
            stack, "commitment", catalogue_pb2_grpc.CatalogueServiceStub, ["catalogue_admin"], DEPARTMENT
        )
        self.portal = Replicated(
            stack, "commitment", commitment_pb2_grpc.CommitmentServiceStub, ["portal"], DEPARTMENT
        )
        self.verifier = Replicated(
            stack, "verification", verification_pb2_grpc.VerificationServiceStub, ["verifier"], DEPARTMENT
        )
        self.recorded: list[commitment_pb2.Commitment] = []

    async def close(self) -> None:
        for client in (self.admin, self.portal, self.verifier):
            await client.close()


async def _publish_item(clients: Clients) -> str:
    item = catalogue_pb2.CreateItemRequest(request_id="replica-item", item=draft(days=5))
    created = await clients.admin.call("CreateItem", item)
    await clients.admin.call(
        "PublishCatalogue", catalogue_pb2.PublishCatalogueRequest(request_id="replica-pub")
    )
    return str(created.item.item_id)


async def _record_all(clients: Clients, item_id: str, half_way: asyncio.Event) -> None:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(COMMITMENTS):
        queue.put_nowait(n)

    async def worker() -> None:
        while not queue.empty():
            n = queue.get_nowait()
            request = record_request(new_uscc(), item_id, request_id=f"replica-test-{n}")
            answer = await clients.portal.call("RecordCommitment", request, key=n)
            clients.recorded.append(answer.commitment)
            if len(clients.recorded) == COMMITMENTS // 2:
                half_way.set()

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))


async def _kill_one_replica_of_each(stack: Stack, when: asyncio.Event) -> list[int]:
    await when.wait()
    return list(await asyncio.gather(*(stack.stop_service(s, signal.SIGKILL, replica=1) for s in SERVICES)))


async def _all_tasks(clients: Clients) -> list[vpb.Task]:
    found: list[vpb.Task] = []
    token = ""
    while True:
        page = await clients.verifier.call(
            "ListTasks", vpb.ListTasksRequest(page_size=1000, page_token=token)
        )
        found += page.tasks
        token = page.next_page_token
        if not token:
            return found


async def _conclude(clients: Clients, tasks: list[vpb.Task], false_ids: set[str]) -> None:
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def one(n: int, task: vpb.Task) -> None:
        request = false_conclusion(task.task_id, opened_on(task))
        request.request_id = f"conclude-{task.task_id}"
        if task.commitment_id not in false_ids:
            request.outcome = vpb.OUTCOME_TRUE
            request.findings = "核查属实"
            del request.measures[:]
        async with semaphore:
            await clients.verifier.call("ConcludeTask", request, key=n)

    await asyncio.gather(*(one(n, t) for n, t in enumerate(tasks)))


async def _scalar(stack: Stack, sql: str) -> int:
    conn = await asyncpg.connect(stack.pg_dsn)
    try:
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()


async def _stream_counts(stack: Stack) -> dict[str, int]:
    """Messages per subject in the services' streams."""
    nc = await nats.connect(stack.nats_url)
    try:
        js, counts = nc.jetstream(), {}
        for stream in ("COMMITMENT", "VERIFICATION", "CREDIT", "PUBLIC"):
            info = await js.stream_info(stream, subjects_filter=">")
            counts.update(info.state.subjects or {})
        return counts
    finally:
        await nc.close()


async def _outbox_counts(stack: Stack) -> dict[str, int]:
    """Outbox rows per event subject over the three services."""
    conn = await asyncpg.connect(stack.pg_dsn)
    try:
        counts: dict[str, int] = {}
        for schema in SERVICES:
            rows = await conn.fetch(  # audit checkpoints go to a stream of their own (docs/audit.md)
                f"SELECT subject, count(*) AS n FROM {schema}.outbox"
                " WHERE subject NOT LIKE 'audit.checkpoint.%' GROUP BY subject"
            )
            for row in rows:
                counts[row["subject"]] = counts.get(row["subject"], 0) + row["n"]
        return counts
    finally:
        await conn.close()


async def _advance_every_service(stack: Stack, by: dt.timedelta) -> None:
    """Each service's clock moves once; its other replica follows and runs its jobs too."""
    token = mint(auth.load_private_key(stack.keys.signing_key), ["admin"])
    span = Duration()
    span.FromTimedelta(by)
    for service in SERVICES:
        made = channel(stack.endpoints()[service], token)
        stub = dev_clock_pb2_grpc.DevClockServiceStub(made)
        await stub.Advance(dev_clock_pb2.AdvanceRequest(request_id=str(uuid.uuid4()), by=span))
        await made.close()


async def test_two_replicas_each_lose_nothing_and_double_nothing(replicated: Stack) -> None:
    stack, clients = replicated, Clients(replicated)
    try:
        item_id = await _publish_item(clients)
        half_way = asyncio.Event()
        _, exits = await asyncio.gather(
            _record_all(clients, item_id, half_way), _kill_one_replica_of_each(stack, half_way)
        )
        assert exits == [-signal.SIGKILL] * 3
        assert len({c.code for c in clients.recorded}) == COMMITMENTS

        async def every_task() -> list[vpb.Task] | None:
            tasks = await _all_tasks(clients)
            return tasks if len(tasks) >= COMMITMENTS else None

        tasks = sorted(
            await eventually(every_task, timeout=120, what="tasks"), key=lambda t: t.commitment_code
        )
        false_ids = {t.commitment_id for i, t in enumerate(tasks) if i % FALSE_EVERY == 0}
        concluded = [t for i, t in enumerate(tasks) if i % OPEN_EVERY != 1]
        await _conclude(clients, concluded, false_ids)
        falses, still_open = len(false_ids), COMMITMENTS - len(concluded)

        async def all_records() -> bool:
            return await _scalar(stack, "SELECT count(*) FROM credit.dishonesty_record") >= falses

        await eventually(all_records, timeout=120, what="a record per false commitment")
        # The killed replicas come back, so the scheduled jobs run on two replicas at once.
        for service in SERVICES:
            await stack.start_service(service, 1)
        await _advance_every_service(stack, dt.timedelta(days=4 * 365))

        async def jobs_done() -> bool:
            counts = await _stream_counts(stack)
            expired = counts.get("credit.record_expired", 0) >= falses
            return expired and counts.get("verification.task_overdue", 0) >= still_open

        await eventually(jobs_done, timeout=120, what="expiry and overdue jobs")
        await asyncio.sleep(3)  # time for a second replica to run a job a second time, if it could

        assert await _scalar(stack, "SELECT count(*) FROM commitment.commitment") == COMMITMENTS
        assert await _scalar(stack, "SELECT count(*) FROM verification.task") == COMMITMENTS
        assert await _scalar(stack, "SELECT count(*) FROM credit.dishonesty_record") == falses
        expired = "SELECT count(*) FROM credit.dishonesty_record WHERE status = 'RECORD_STATUS_EXPIRED'"
        assert await _scalar(stack, expired) == falses
        counts = await _stream_counts(stack)
        assert counts["commitment.recorded"] == COMMITMENTS
        assert counts["verification.concluded"] == len(concluded)
        assert counts["verification.false_commitment"] == falses
        assert counts["credit.record_created"] == falses
        assert counts["credit.record_expired"] == falses
        # Published once and withdrawn once at expiry (公示期满), whichever replica ran the job.
        assert (counts["public.record"], counts["public.record_withdrawn"]) == (falses, falses)
        assert counts["verification.task_overdue"] == still_open
        outbox = await _outbox_counts(stack)
        assert {s: n for s, n in counts.items() if s in outbox} == outbox  # once per outbox row
        for schema in SERVICES:
            assert (
                await _scalar(stack, f"SELECT count(*) FROM {schema}.outbox WHERE published_at IS NULL") == 0
            )
        # Effects applied once: each consumed event left one inbox row and one effect.
        consumed = "SELECT count(*) FROM verification.inbox WHERE subject = 'commitment.recorded'"
        assert await _scalar(stack, consumed) == COMMITMENTS
        barred = "SELECT count(*) FROM commitment.subject_restriction WHERE restrictions <> '[]'::jsonb"
        assert await _scalar(stack, barred) == 0  # every restriction lifted at expiry
    finally:
        await clients.close()
