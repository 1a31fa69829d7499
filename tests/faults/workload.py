"""Concurrent writers that behave like careful clients, and the exact accounting after a fault.

Portals record commitments and verifiers conclude every other one's verification task as false,
until the fault is over, retrying each call with the same request (so the same `request_id`) on
UNAVAILABLE or DEADLINE_EXCEEDED until it is acknowledged: what a portal does while a service is
down. After the fault the run is settled (outboxes empty, every consumer drained) and counted
exactly against the database and NATS: what was acknowledged is stored once, every false
conclusion has exactly one credit record and one restriction in the eligibility projection, no
event is dead-lettered.
"""

from __future__ import annotations

import asyncio
import collections
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

import asyncpg
import grpc
import nats

from chengnuo.commitment.v1 import commitment_pb2
from chengnuo.verification.v1 import verification_pb2 as vpb
from services.kernel.bus import Names
from services.kernel.clock import CHINA
from services.kernel.config import SERVICES
from services.kernel.inbox import dead_letters
from services.kernel.supervise import dependency
from services.launcher.stack import Stack
from tests.e2e.conftest import Clients
from tests.e2e.test_thin_flow import false_conclusion, record_request
from tests.support import RETRYABLE, new_uscc

T = TypeVar("T")
F = TypeVar("F")
CALL_TIMEOUT = 5.0  # seconds per attempt: a call to a dead service is retried, not waited out
GIVE_UP_AFTER = 90.0  # seconds of retrying one call: far beyond any restart in these tests
RETRY_PAUSE = 0.1
PACE = 0.05  # seconds at least between one portal's commitments
SETTLE_TIMEOUT = 90.0
_OPEN_TASKS = "SELECT commitment_id, task_id, created_at FROM verification.task WHERE commitment_id = ANY($1)"


@dataclass
class Ledger:
    """What the clients were told: the ground truth the stored state must equal."""

    item_id: str
    sent: dict[str, commitment_pb2.RecordCommitmentRequest] = field(default_factory=dict)  # by case
    recorded: dict[str, str] = field(default_factory=dict)  # case number -> acknowledged commitment id
    due_false: dict[str, str] = field(default_factory=dict)  # commitment id -> subject, to conclude
    concluded_false: dict[str, str] = field(default_factory=dict)  # commitment id -> subject code
    retries: collections.Counter[str] = field(default_factory=collections.Counter)  # by call and code
    # Set by the fault once it is over and the system has been seen working again.
    enough: asyncio.Event = field(default_factory=asyncio.Event)
    _milestones: list[tuple[int, asyncio.Event]] = field(default_factory=list)

    def after(self, recorded: int) -> asyncio.Event:
        """Set once `recorded` commitments have been acknowledged: when to strike, when to stop."""
        event = asyncio.Event()
        self._milestones.append((recorded, event))
        self._progress()
        return event

    def more(self, recorded: int) -> asyncio.Event:
        return self.after(len(self.recorded) + recorded)

    def acknowledge(self, request: commitment_pb2.RecordCommitmentRequest, commitment_id: str) -> None:
        self.recorded[request.case_number] = commitment_id
        if len(self.recorded) % 2:  # every other one is found false
            self.due_false[commitment_id] = request.subject.code
        self._progress()

    def _progress(self) -> None:
        for recorded, event in self._milestones:
            if len(self.recorded) >= recorded:
                event.set()


async def until_acknowledged(method: str, call: Callable[[], Awaitable[T]], ledger: Ledger) -> T:
    """Repeat the same call while the service cannot be reached; any other error fails the run."""
    deadline = time.monotonic() + GIVE_UP_AFTER
    while True:
        try:
            return await call()
        except grpc.aio.AioRpcError as error:
            if error.code() not in RETRYABLE or time.monotonic() > deadline:
                raise
            ledger.retries[f"{method} {error.code().name}"] += 1
            await asyncio.sleep(RETRY_PAUSE)


async def write_until_enough(
    portal: Clients, verifier: Clients, pool: asyncpg.Pool, ledger: Ledger, *, clients: int
) -> None:
    """`clients` portals recording commitments one after the other until `ledger.enough`, and as
    many verifiers concluding every other one as false once its task is open; returns when every
    call begun has been acknowledged. Sized by time, not by count, so the writes span the fault."""
    recording = asyncio.gather(*(_record(portal, ledger) for _ in range(clients)))
    recorded = asyncio.Event()
    recording.add_done_callback(lambda _: recorded.set())
    await asyncio.gather(recording, _conclude(verifier, pool, ledger, clients, recorded))


async def during(fault: Coroutine[Any, Any, F], writes: Coroutine[Any, Any, None]) -> F:
    """Run the writes and the fault together; the first to fail stops the other. The fault sets
    `ledger.enough` when it is over, which ends the writes."""
    struck, writing = asyncio.create_task(fault), asyncio.create_task(writes)
    await asyncio.wait({struck, writing}, return_when=asyncio.FIRST_EXCEPTION)
    for task in (struck, writing):
        if task.done() and task.exception() is not None:
            for other in (struck, writing):
                other.cancel()
            await asyncio.gather(struck, writing, return_exceptions=True)
            raise task.exception()  # type: ignore[misc]
    await writing
    return struck.result()


async def _record(portal: Clients, ledger: Ledger) -> None:
    while not ledger.enough.is_set():
        # A portal's pace, not a benchmark's: while a consumer is down, its backlog (the time the
        # run takes to settle once it is back) grows with the rate.
        paced = asyncio.create_task(asyncio.sleep(PACE))
        request = record_request(new_uscc(), ledger.item_id)
        ledger.sent[request.case_number] = request
        answer = await until_acknowledged(
            "RecordCommitment",
            partial(portal.commitments.RecordCommitment, request, timeout=CALL_TIMEOUT),
            ledger,
        )
        ledger.acknowledge(request, answer.commitment.commitment_id)
        await paced


async def _conclude(
    verifier: Clients, pool: asyncpg.Pool, ledger: Ledger, clients: int, recorded: asyncio.Event
) -> None:
    """Look the open tasks up in batches (ListTasks has no filter by commitment) and conclude them,
    `clients` calls at a time."""
    gate = asyncio.Semaphore(clients)
    begun: dict[str, asyncio.Task[None]] = {}
    deadline = None
    while not recorded.is_set() or len(begun) < len(ledger.due_false):
        waiting = [uuid.UUID(c) for c in ledger.due_false if c not in begun]
        rows = await _open_tasks(pool, waiting)
        for row in rows:
            commitment_id = str(row["commitment_id"])
            opened = row["created_at"].astimezone(CHINA).date()  # on the verification service's clock
            conclusion = false_conclusion(str(row["task_id"]), opened)
            begun[commitment_id] = asyncio.create_task(
                _conclude_one(verifier, ledger, gate, commitment_id, conclusion)
            )
        if recorded.is_set():
            deadline = deadline or time.monotonic() + SETTLE_TIMEOUT
            assert time.monotonic() < deadline, f"{len(waiting)} commitments got no verification task"
        await asyncio.sleep(0.1)
    await asyncio.gather(*begun.values())


async def _open_tasks(pool: asyncpg.Pool, waiting: list[uuid.UUID]) -> list[asyncpg.Record]:
    """The tasks opened so far; none while the database is away (the lookup waits it out, as the
    clients' calls do), and any other error fails the run."""
    if not waiting:
        return []
    try:
        return list(await pool.fetch(_OPEN_TASKS, waiting))
    except Exception as exc:
        if dependency(exc) is None:
            raise
        return []


async def _conclude_one(
    verifier: Clients,
    ledger: Ledger,
    gate: asyncio.Semaphore,
    commitment_id: str,
    conclusion: vpb.ConcludeTaskRequest,
) -> None:
    async with gate:
        await until_acknowledged(
            "ConcludeTask",
            partial(verifier.verification.ConcludeTask, conclusion, timeout=CALL_TIMEOUT),
            ledger,
        )
    ledger.concluded_false[commitment_id] = ledger.due_false[commitment_id]


@dataclass(frozen=True)
class Counts:
    """The stored state of one run's subjects, read once everything has settled."""

    commitments: dict[str, list[str]]  # case number -> stored commitment ids
    tasks: collections.Counter[str]  # commitment id -> tasks
    false_tasks: set[str]  # commitment ids whose task is concluded as false
    records: collections.Counter[str]  # commitment id -> dishonesty records
    restricted: set[str]  # subject codes the eligibility projection restricts
    unpublished: dict[str, int]  # service -> outbox rows not yet published
    undrained: list[str]  # consumers with events pending or unacknowledged
    dead_letters: list[str]


async def settle_and_count(stack: Stack, pool: asyncpg.Pool, ledger: Ledger) -> Counts:
    """Wait until every event has flowed (outboxes empty, consumers drained, a record per false
    conclusion), then read the counts; on timeout, the last counts (the assertions say what is off)."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while True:
        counts = await count(stack, pool, ledger)
        flowed = (
            len(counts.tasks) >= len(ledger.recorded)
            and len(counts.records) >= len(ledger.concluded_false)
            and len(counts.restricted) >= len(ledger.concluded_false)
        )
        if flowed and not any(counts.unpublished.values()) and not counts.undrained:
            return counts
        if time.monotonic() > deadline:
            return counts
        await asyncio.sleep(0.2)


async def count(stack: Stack, pool: asyncpg.Pool, ledger: Ledger) -> Counts:
    cases = list(ledger.sent)
    stored: dict[str, list[str]] = collections.defaultdict(list)
    for row in await pool.fetch(
        "SELECT case_number, commitment_id FROM commitment.commitment WHERE case_number = ANY($1)", cases
    ):
        stored[row["case_number"]].append(str(row["commitment_id"]))
    ids = [uuid.UUID(c) for found in stored.values() for c in found]
    tasks = await pool.fetch(
        "SELECT commitment_id, outcome FROM verification.task WHERE commitment_id = ANY($1)", ids
    )
    records = await pool.fetch(
        "SELECT commitment_id FROM credit.dishonesty_record WHERE commitment_id = ANY($1)", ids
    )
    subjects = [r.subject.code for r in ledger.sent.values()]
    restricted = await pool.fetch(
        "SELECT subject_code FROM commitment.subject_restriction"
        " WHERE subject_code = ANY($1) AND restrictions <> '[]'::jsonb",
        subjects,
    )
    return Counts(
        commitments=dict(stored),
        tasks=collections.Counter(str(t["commitment_id"]) for t in tasks),
        false_tasks={str(t["commitment_id"]) for t in tasks if t["outcome"] == "OUTCOME_FALSE"},
        records=collections.Counter(str(r["commitment_id"]) for r in records),
        restricted={r["subject_code"] for r in restricted},
        unpublished={
            name: int(await pool.fetchval(f'SELECT count(*) FROM "{name}".outbox WHERE published_at IS NULL'))
            for name in SERVICES
        },
        undrained=await _undrained(stack),
        dead_letters=await _dead_letters(stack),
    )


def assert_exact(counts: Counts, ledger: Ledger) -> None:
    """Acknowledged = stored, 0 doubled, one credit record per false conclusion, nothing left over."""
    _same("acknowledged commitments", set(ledger.recorded), set(ledger.sent))
    _same("false conclusions acknowledged", ledger.concluded_false, ledger.due_false)
    _same("stored commitments", counts.commitments, {case: [c] for case, c in ledger.recorded.items()})
    _same("tasks per commitment", counts.tasks, collections.Counter(ledger.recorded.values()))
    _same("tasks concluded as false", counts.false_tasks, set(ledger.concluded_false))
    _same(
        "credit records per false commitment",
        counts.records,
        collections.Counter(ledger.concluded_false.keys()),
    )
    _same("restricted subjects", counts.restricted, set(ledger.concluded_false.values()))
    assert counts.unpublished == dict.fromkeys(SERVICES, 0), "events left in an outbox"
    assert counts.undrained == [], "events left undelivered"
    assert counts.dead_letters == [], "events dead-lettered"


def _same(
    what: str, found: Mapping[str, object] | set[str], expected: Mapping[str, object] | set[str]
) -> None:
    """Equal, or an error that says how they differ in a few lines (there are hundreds of keys)."""
    if found == expected:
        return
    have = found if isinstance(found, Mapping) else dict.fromkeys(found, True)
    want = expected if isinstance(expected, Mapping) else dict.fromkeys(expected, True)
    missing = [k for k in want if k not in have]
    extra = [k for k in have if k not in want]
    wrong = [f"{k}: {have[k]!r} (expected {want[k]!r})" for k in want if k in have and have[k] != want[k]]
    raise AssertionError(
        f"{what}: {len(have)} found, {len(want)} expected; {len(missing)} missing {missing[:3]},"
        f" {len(extra)} extra {extra[:3]}, {len(wrong)} wrong {wrong[:3]}"
    )


async def _undrained(stack: Stack) -> list[str]:
    nc = await nats.connect(stack.nats_url)
    try:
        js = nc.jetstream()
        found = []
        for stream in await js.streams_info():
            name = stream.config.name or ""
            for consumer in await js.consumers_info(name):
                if consumer.num_pending or consumer.num_ack_pending:
                    found.append(
                        f"{name}/{consumer.name}: {consumer.num_pending} pending,"
                        f" {consumer.num_ack_pending} unacknowledged"
                    )
        return found
    finally:
        await nc.close()


async def _dead_letters(stack: Stack) -> list[str]:
    nc = await nats.connect(stack.nats_url)
    try:
        parked = await dead_letters(nc.jetstream(), Names(stack.options.nats_prefix))
        return [f"{d.consumer} {d.subject} {d.event_id}: {d.reason}" for d in parked]
    finally:
        await nc.close()
