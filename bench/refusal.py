"""How soon a false conclusion refuses its subject: verification concludes the task false, the
credit service records the dishonesty, the commitment service's projection takes the
restriction, and CheckEligibility refuses. Conclusions arrive at a fixed rate (open loop); each
is measured from ConcludeTask's return to the first refusing CheckEligibility answer, polled
every POLL_SECONDS (so a figure overstates the true delay by up to that much).

Only one conclusion in PROBE_EVERY is watched: polling every one of them would itself become the
load (at a 250 ms delay, 100 conclusions a second polled every 20 ms are 1,250 extra calls a
second), and would measure the poller rather than the pipeline."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid

from bench.load import Figure, open_loop
from bench.scale import Scale
from bench.world import LEGAL, Caller, random_usccs, record_request
from chengnuo.commitment.v1 import commitment_pb2
from chengnuo.common.v1 import subject_pb2
from chengnuo.verification.v1 import verification_pb2 as vpb
from services.kernel import convert

POLL_SECONDS = 0.01
TIMEOUT_SECONDS = 30.0
PROBE_EVERY = 10


async def commitments(portal: Caller, item_id: str, count: int) -> dict[str, str]:
    """Record `count` commitments of distinct subjects: commitment id -> subject code."""
    codes = random_usccs(count, seed=3)
    found: dict[str, str] = {}
    for start in range(0, count, 32):
        answers = await asyncio.gather(
            *(
                portal.commitments.RecordCommitment(record_request(c, item_id))
                for c in codes[start : start + 32]
            )
        )
        found.update({a.commitment.commitment_id: a.commitment.subject.code for a in answers})
    return found


async def open_tasks(verifier: Caller, wanted: dict[str, str]) -> list[tuple[str, str]]:
    """(task id, subject code) of the commitments' tasks, once verification has created them all."""
    deadline = time.monotonic() + TIMEOUT_SECONDS + len(wanted) / 100
    while True:
        tasks, page = [], ""
        while True:
            listed = await verifier.tasks.ListTasks(
                vpb.ListTasksRequest(status=vpb.TASK_STATUS_OPEN, page_size=1000, page_token=page)
            )
            tasks += [(t.task_id, wanted[t.commitment_id]) for t in listed.tasks if t.commitment_id in wanted]
            if not (page := listed.next_page_token):
                break
        if len(tasks) == len(wanted) or time.monotonic() > deadline:
            return tasks
        await asyncio.sleep(0.5)


def _false(task_id: str, today: dt.date) -> vpb.ConcludeTaskRequest:
    return vpb.ConcludeTaskRequest(
        request_id=str(uuid.uuid4()),
        task_id=task_id,
        outcome=vpb.OUTCOME_FALSE,
        findings="不动产登记系统无该经营场所的使用权记录",
        measures=[vpb.Measure(kind=vpb.MEASURE_KIND_REVOKE_DECISION, legal_basis="《行政许可法》第六十九条")],
        decision_date=convert.to_date(today),
    )


async def _refused(portal: Caller, code: str, item_id: str) -> float:
    request = commitment_pb2.CheckEligibilityRequest(
        subject=subject_pb2.SubjectRef(kind=LEGAL, code=code), item_id=item_id
    )
    deadline = time.perf_counter() + TIMEOUT_SECONDS
    while time.perf_counter() < deadline:
        answer = await portal.commitments.CheckEligibility(request)
        if not answer.eligible:
            return time.perf_counter()
        await asyncio.sleep(POLL_SECONDS)
    raise TimeoutError(f"{code} was not refused within {TIMEOUT_SECONDS:.0f}s")


async def refusal(
    portal: Caller,
    verifier: Caller,
    item_id: str,
    tasks: list[tuple[str, str]],
    *,
    today: dt.date,
    scale: Scale,
) -> Figure:
    async def one(n: int) -> float | None:
        task_id, code = tasks[n]
        await verifier.tasks.ConcludeTask(_false(task_id, today))
        concluded = time.perf_counter()
        if n % PROBE_EVERY:
            return None
        return await _refused(portal, code, item_id) - concluded

    seconds = min(scale.conclusion_seconds, len(tasks) / scale.conclusions_per_second)
    return await open_loop(
        "false conclusion -> refused", one, rate=scale.conclusions_per_second, seconds=seconds
    )
