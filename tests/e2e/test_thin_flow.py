"""The spine's thin flow through the three service processes (issue 2)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import asyncpg
import grpc

from chengnuo.commitment.v1 import catalogue_pb2, commitment_pb2
from chengnuo.common.v1 import calendar_pb2, calendar_pb2_grpc, subject_pb2
from chengnuo.credit.v1 import credit_pb2
from chengnuo.verification.v1 import verification_pb2 as vpb
from services.kernel import convert
from services.kernel.clock import CHINA
from services.launcher.stack import Stack
from tests.e2e.conftest import Clients, service_today
from tests.support import channel, eventually, failure, new_uscc

Roles = Callable[..., Clients]
LEGAL = subject_pb2.SUBJECT_KIND_LEGAL_PERSON


def draft(name: str = "营业场所使用证明", days: int = 20) -> catalogue_pb2.ItemDraft:
    return catalogue_pb2.ItemDraft(
        name=name,
        legal_basis="《食品经营许可管理办法》第十二条",
        certified_content="申请人对经营场所享有合法使用权",
        issuing_authority="不动产登记机构",
        matters=["食品经营许可"],
        region_code="350200",
        commitment_allowed=True,
        verification=catalogue_pb2.VerificationRule(
            method=catalogue_pb2.VERIFICATION_METHOD_DOCUMENT,
            time_limit_working_days=days,
            standard="核对不动产登记信息",
        ),
    )


async def publish_item(admin: Clients, item: catalogue_pb2.ItemDraft | None = None) -> str:
    created = await admin.catalogue.CreateItem(
        catalogue_pb2.CreateItemRequest(request_id=str(uuid.uuid4()), item=item or draft())
    )
    await admin.catalogue.PublishCatalogue(
        catalogue_pb2.PublishCatalogueRequest(request_id=str(uuid.uuid4()))
    )
    return created.item.item_id


def record_request(
    uscc: str, item_id: str, request_id: str | None = None
) -> commitment_pb2.RecordCommitmentRequest:
    return commitment_pb2.RecordCommitmentRequest(
        request_id=request_id or str(uuid.uuid4()),
        subject=subject_pb2.SubjectRef(kind=LEGAL, code=uscc),
        subject_name="厦门示例餐饮有限公司",
        item_id=item_id,
        case_number=f"CASE-{uuid.uuid4().hex[:8]}",
        channel=commitment_pb2.CHANNEL_ONLINE,
        publication_type=commitment_pb2.PUBLICATION_TYPE_PUBLIC,
        # Signed electronically as the portal showed it (RenderLetter): the service fills the text.
        letter=commitment_pb2.SignedLetter(
            signature_method=commitment_pb2.SIGNATURE_METHOD_ELECTRONIC_SIGNATURE
        ),
    )


async def task_of(verifier: Clients, commitment_id: str) -> vpb.Task | None:
    tasks = await verifier.verification.ListTasks(
        vpb.ListTasksRequest(status=vpb.TASK_STATUS_OPEN, page_size=1000)
    )
    return next((t for t in tasks.tasks if t.commitment_id == commitment_id), None)


def opened_on(task: vpb.Task) -> dt.date:
    """The day the task was opened, on the verification service's clock."""
    return task.created_at.ToDatetime(dt.UTC).astimezone(CHINA).date()


def false_conclusion(task_id: str, decided: dt.date) -> vpb.ConcludeTaskRequest:
    return vpb.ConcludeTaskRequest(
        request_id=str(uuid.uuid4()),
        task_id=task_id,
        outcome=vpb.OUTCOME_FALSE,
        findings="不动产登记系统无该经营场所的使用权记录",
        measures=[vpb.Measure(kind=vpb.MEASURE_KIND_REVOKE_DECISION, legal_basis="《行政许可法》第六十九条")],
        decision_date=convert.to_date(decided),
    )


async def test_thin_flow_from_catalogue_to_refusal(as_role: Roles, stack: Stack) -> None:
    admin, portal = as_role("catalogue_admin"), as_role("portal")
    verifier, officer = as_role("verifier"), as_role("credit_officer")
    item_id = await publish_item(admin)
    uscc = new_uscc()
    subject = subject_pb2.SubjectRef(kind=LEGAL, code=uscc)

    check = await portal.commitments.CheckEligibility(
        commitment_pb2.CheckEligibilityRequest(subject=subject, item_id=item_id)
    )
    assert check.eligible

    recorded = (await portal.commitments.RecordCommitment(record_request(uscc, item_id))).commitment
    today = await service_today(stack)
    assert recorded.code.startswith(f"350200{today:%Y%m%d}")
    assert len(recorded.code) == 20

    task = await eventually(lambda: task_of(verifier, recorded.commitment_id), what="verification task")
    calendar = calendar_pb2_grpc.CalendarServiceStub(
        channel(stack.endpoints()["verification"], verifier.token)
    )
    expected = await calendar.AddWorkingDays(
        calendar_pb2.AddWorkingDaysRequest(start=convert.to_date(today), working_days=20)
    )
    assert task.due_date == expected.date
    assert task.due_date_provisional == expected.provisional

    concluded = await verifier.verification.ConcludeTask(false_conclusion(task.task_id, opened_on(task)))
    assert concluded.task.status == vpb.TASK_STATUS_CONCLUDED

    async def credit_record() -> credit_pb2.GetCreditStatusResponse | None:
        status = await officer.credit.GetCreditStatus(credit_pb2.GetCreditStatusRequest(subject=subject))
        return status if status.records and status.restrictions else None

    status = await eventually(credit_record, what="dishonesty record")
    record = status.records[0]
    assert record.record_class == credit_pb2.RECORD_CLASS_ORDINARY
    assert record.rule_set == "NDRC-36"
    assert status.restrictions[0].kind == credit_pb2.RESTRICTION_KIND_NO_COMMITMENT

    async def refused() -> commitment_pb2.CheckEligibilityResponse | None:
        answer = await portal.commitments.CheckEligibility(
            commitment_pb2.CheckEligibilityRequest(subject=subject, item_id=item_id)
        )
        return None if answer.eligible else answer

    answer = await eventually(refused, what="eligibility projection")
    (reason,) = answer.reasons
    assert reason.reason == commitment_pb2.INELIGIBILITY_REASON_EARLIER_FALSE_COMMITMENT
    assert reason.record_id == record.record_id
    assert reason.repairable_from == record.repairable_from
    assert answer.earliest_change == record.repairable_from
    assert answer.HasField("credit_view_as_of")

    refusal = await failure(portal.commitments.RecordCommitment(record_request(uscc, item_id)))
    assert refusal.code == grpc.StatusCode.FAILED_PRECONDITION
    assert refusal.precondition_types() == [("EARLIER_FALSE_COMMITMENT", record.record_id)]
    assert await credit_records(officer, subject) == 1
    assert await stack_tasks(stack, recorded.commitment_id) == 1


async def credit_records(officer: Clients, subject: subject_pb2.SubjectRef) -> int:
    status = await officer.credit.GetCreditStatus(credit_pb2.GetCreditStatusRequest(subject=subject))
    return len(status.records)


async def stack_tasks(stack: Stack, commitment_id: str) -> int:
    return await _scalar(
        stack, "SELECT count(*) FROM verification.task WHERE commitment_id = $1", uuid.UUID(commitment_id)
    )


async def _scalar(stack: Stack, sql: str, *args: object) -> int:
    conn = await asyncpg.connect(stack.pg_dsn)
    try:
        return int(await conn.fetchval(sql, *args))
    finally:
        await conn.close()
