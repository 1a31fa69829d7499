"""Credit supervision across the three service processes: repair and objections restore the
commitment route; platforms read the credit events with the documented subscriber."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import grpc
import pytest

from chengnuo.commitment.v1 import commitment_pb2
from chengnuo.common.v1 import subject_pb2
from chengnuo.credit.v1 import credit_pb2 as pb
from chengnuo.credit.v1 import objections_pb2 as opb
from chengnuo.credit.v1 import objections_pb2_grpc, repair_pb2_grpc
from chengnuo.credit.v1 import repair_pb2 as rpb
from chengnuo.verification.v1 import verification_pb2 as vpb
from services.kernel import convert
from services.launcher.stack import Stack
from tests.e2e.conftest import Clients, count_rows, service_today
from tests.e2e.test_thin_flow import false_conclusion, publish_item, record_request, task_of
from tests.support import channel, eventually, failure, new_uscc

Roles = Callable[..., Clients]
LEGAL = subject_pb2.SUBJECT_KIND_LEGAL_PERSON
DOCS = Path(__file__).resolve().parents[2] / "docs" / "credit-events.md"


def ref(uscc: str) -> subject_pb2.SubjectRef:
    return subject_pb2.SubjectRef(kind=LEGAL, code=uscc)


class Credit:
    """The credit service's case stubs for one caller."""

    def __init__(self, stack: Stack, clients: Clients) -> None:
        self.channel = channel(stack.endpoints()["credit"], clients.token)
        self.repair = repair_pb2_grpc.RepairServiceStub(self.channel)
        self.objections = objections_pb2_grpc.ObjectionServiceStub(self.channel)


@pytest.fixture
async def cases(stack: Stack, as_role: Roles) -> AsyncIterator[Callable[..., Credit]]:
    made: list[Credit] = []

    def make(*roles: str) -> Credit:
        made.append(Credit(stack, as_role(*roles)))
        return made[-1]

    yield make
    for c in made:
        await c.channel.close()


async def dishonest(
    roles: Roles, decided: dt.date, *, referred: bool = False, rectify_by: dt.date | None = None
) -> tuple[str, str, pb.DishonestyRecord]:
    """A subject whose commitment verification found false, decided on `decided`: (USCC, item, record)."""
    portal, verifier, officer = roles("portal"), roles("verifier"), roles("credit_officer")
    item_id = await publish_item(roles("catalogue_admin"))
    uscc = new_uscc()
    recorded = (await portal.commitments.RecordCommitment(record_request(uscc, item_id))).commitment
    task = await eventually(lambda: task_of(verifier, recorded.commitment_id), what="verification task")
    conclusion = false_conclusion(task.task_id, decided)
    if referred:
        conclusion.measures.append(
            vpb.Measure(kind=vpb.MEASURE_KIND_REFER_TO_JUDICIARY, legal_basis="《刑法》")
        )
        conclusion.referral.suspected_offence = "涉嫌伪造国家机关证件"
        conclusion.referral.materials.append("案件移送书")
        conclusion.referral.receiving_organ = "厦门市公安局"
    if rectify_by:
        conclusion.measures.add(
            kind=vpb.MEASURE_KIND_ORDER_RECTIFICATION,
            legal_basis="《行政许可法》第六十九条",
            deadline=convert.to_date(rectify_by),
        )
    await verifier.verification.ConcludeTask(conclusion)

    async def record() -> pb.DishonestyRecord | None:
        status = await officer.credit.GetCreditStatus(pb.GetCreditStatusRequest(subject=ref(uscc)))
        return status.records[0] if status.records else None

    return uscc, item_id, await eventually(record, what="dishonesty record")


async def recently(stack: Stack) -> dt.date:
    """A determination date a month back on the verification clock: its record is in force and
    falls under the rule set in force from 2026-04-01 on any clock start after April 2026."""
    return await service_today(stack, "verification") - dt.timedelta(days=30)


async def eligible(portal: Clients, uscc: str, item_id: str) -> commitment_pb2.CheckEligibilityResponse:
    return await portal.commitments.CheckEligibility(
        commitment_pb2.CheckEligibilityRequest(subject=ref(uscc), item_id=item_id)
    )


async def becomes(portal: Clients, uscc: str, item_id: str, *, allowed: bool) -> None:
    async def probe() -> bool:
        return (await eligible(portal, uscc, item_id)).eligible == allowed

    await eventually(probe, timeout=30, what=f"eligibility {allowed}")


async def test_an_approved_repair_restores_the_commitment_route(
    as_role: Roles, cases: Callable[..., Credit], stack: Stack
) -> None:
    # Decided under NDRC-58 (ordinary: repairable after 3 months, published 3 years).
    uscc, item_id, record = await dishonest(as_role, dt.date(2025, 6, 2))
    assert (record.rule_set, convert.from_date(record.repairable_from)) == ("NDRC-58", dt.date(2025, 9, 2))
    portal = as_role("portal")
    await becomes(portal, uscc, item_id, allowed=False)

    applied = await cases("portal").repair.ApplyRepair(
        rpb.ApplyRepairRequest(
            request_id=str(uuid.uuid4()),
            record_id=record.record_id,
            applicant=ref(uscc),
            obligations_performed="已补正经营场所使用权证明",
            repair_commitment="本单位承诺依法诚信经营（信用修复承诺）",
        )
    )
    approve = rpb.DecideRepairRequest(
        request_id=str(uuid.uuid4()),
        application_id=applied.application.application_id,
        decision=rpb.REPAIR_DECISION_APPROVE,
    )
    reviewer = cases("credit_reviewer")
    decided = await reviewer.repair.DecideRepair(approve)
    assert decided.record.status == pb.RECORD_STATUS_REPAIRED
    approve.request_id = str(uuid.uuid4())
    assert (await failure(reviewer.repair.DecideRepair(approve))).code == grpc.StatusCode.FAILED_PRECONDITION

    await becomes(portal, uscc, item_id, allowed=True)
    again = await portal.commitments.RecordCommitment(record_request(uscc, item_id))
    assert again.commitment.commitment_id
    status = await as_role("credit_officer").credit.GetCreditStatus(
        pb.GetCreditStatusRequest(subject=ref(uscc))
    )
    assert (status.grade, list(status.restrictions)) == (pb.GRADE_B, [])


async def test_a_correction_in_time_without_harm_makes_the_record_minor(as_role: Roles, stack: Stack) -> None:
    decided = await recently(stack)
    rectify_by = decided + dt.timedelta(days=14)
    _, _, record = await dishonest(as_role, decided, rectify_by=rectify_by)
    assert record.record_class == pb.RECORD_CLASS_ORDINARY
    verifier, officer = as_role("verifier"), as_role("credit_officer")
    await verifier.verification.RecordRectification(
        vpb.RecordRectificationRequest(
            request_id=str(uuid.uuid4()),
            task_id=(await task_of_record(verifier, record)).task_id,
            completed_on=convert.to_date(rectify_by - dt.timedelta(days=5)),
            assessment="已补交真实证明，未造成损害",
        )
    )

    async def minor() -> pb.DishonestyRecord | None:
        found = (await officer.credit.GetRecord(pb.GetRecordRequest(record_id=record.record_id))).record
        return found if found.record_class == pb.RECORD_CLASS_MINOR else None

    now = await eventually(minor, what="the record to become minor")
    assert (now.published, now.rule) == (False, "corrected_in_time")


async def task_of_record(verifier: Clients, record: pb.DishonestyRecord) -> vpb.Task:
    concluded = vpb.ListTasksRequest(status=vpb.TASK_STATUS_CONCLUDED, page_size=1000)
    found = await verifier.verification.ListTasks(concluded)
    return next(t for t in found.tasks if t.commitment_id == record.commitment_id)


async def test_objections_portal_scope_and_an_upheld_objection_restores_the_route(
    as_role: Roles, cases: Callable[..., Credit], stack: Stack
) -> None:
    uscc, item_id, record = await dishonest(as_role, await recently(stack))
    portal = as_role("portal")
    await becomes(portal, uscc, item_id, allowed=False)
    written = [await count_rows(stack, "credit", t) for t in ("objection", "outbox", "idempotency")]
    request = opb.FileObjectionRequest(
        request_id=str(uuid.uuid4()),
        record_id=record.record_id,
        applicant=ref(new_uscc()),
        reason="并非本单位",
    )
    refused = await failure(cases("portal").objections.FileObjection(request))
    assert refused.code == grpc.StatusCode.PERMISSION_DENIED
    assert [await count_rows(stack, "credit", t) for t in ("objection", "outbox", "idempotency")] == written

    request.request_id, request.applicant.code = str(uuid.uuid4()), uscc
    filed = await cases("portal").objections.FileObjection(request)
    upheld = await cases("credit_reviewer").objections.DecideObjection(
        opb.DecideObjectionRequest(
            request_id=str(uuid.uuid4()),
            objection_id=filed.objection.objection_id,
            outcome=opb.OBJECTION_OUTCOME_REVOKE,
            reason="核查所用登记数据已过期，记录撤销",
        )
    )
    assert upheld.record.status == pb.RECORD_STATUS_REVOKED
    await becomes(portal, uscc, item_id, allowed=True)


def _subscriber_code() -> str:
    found = re.search(r"```python\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.DOTALL)
    assert found, "docs/credit-events.md shows a Python subscriber"
    return found.group(1)


class Subscriber:
    """The documented subscriber as a process of its own; collects what it prints."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process, self.lines = process, list[str]()

    @classmethod
    async def start(cls, script: Path, *args: str) -> Subscriber:
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(script), *args, stdout=asyncio.subprocess.PIPE, cwd=DOCS.parents[1]
        )
        return cls(process)

    async def until(self, text: str, event: str = "", timeout: float = 30) -> None:
        """Read until a line of `event` (any, if empty) mentions `text`."""
        assert self.process.stdout is not None
        async with asyncio.timeout(timeout):
            while not any(line.startswith(event) and text in line for line in self.lines):
                line = await self.process.stdout.readline()
                if not line:
                    raise AssertionError(f"the subscriber ended (exit {await self.process.wait()})")
                self.lines.append(line.decode())

    async def stop(self) -> None:
        self.process.kill()
        await self.process.wait()


async def test_the_documented_subscriber_reads_from_the_start_and_from_a_time(
    as_role: Roles, stack: Stack, tmp_path: Path
) -> None:
    script = tmp_path / "subscriber.py"
    script.write_text(_subscriber_code(), encoding="utf-8")
    from tests.e2e.test_sharing_queries import agree  # noqa: PLC0415 (it imports this module)

    platform = f"xinyong-{uuid.uuid4().hex[:8]}"  # reads its feed, as its own NATS user
    await agree(stack, "credit_records", platform, ["daily_supervision"], push=True)
    login = (stack.nats_address, platform, str(await stack.add_platform(platform)))
    earlier, _, _ = await dishonest(as_role, await recently(stack))
    everything = await Subscriber.start(script, *login)
    try:
        await everything.until(earlier, f"feed.{platform}.credit.record_created")
        since = dt.datetime.now(dt.UTC).isoformat()
        later, _, _ = await dishonest(as_role, await recently(stack))
        await everything.until(later, f"feed.{platform}.credit.record_created")
    finally:
        await everything.stop()
    assert {line.split(" ", 1)[0] for line in everything.lines} == {f"feed.{platform}.credit.record_created"}

    recent = await Subscriber.start(script, *login, since)  # starts over from `since`
    try:
        await recent.until(later, f"feed.{platform}.credit.record_created")
    finally:
        await recent.stop()
    assert not any(earlier in line for line in recent.lines)
