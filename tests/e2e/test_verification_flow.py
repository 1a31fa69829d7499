"""Verification through the service processes: on-site checks with inspectors and published
deadlines, withdrawals, random draws fed by credit events, public verification, refusals."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import grpc
import nats
from google.protobuf.message import Message

from chengnuo.commitment.v1 import catalogue_pb2, commitment_pb2
from chengnuo.common.v1 import subject_pb2
from chengnuo.credit.v1 import credit_pb2
from chengnuo.events.v1 import credit_events_pb2
from chengnuo.verification.v1 import inspections_pb2 as ipb
from chengnuo.verification.v1 import inspections_pb2_grpc, rosters_pb2_grpc
from chengnuo.verification.v1 import rosters_pb2 as rpb
from chengnuo.verification.v1 import verification_pb2 as vpb
from services.contracts import credit_events, verification_events
from services.kernel import convert
from services.kernel.events import EventType, headers
from services.launcher.stack import Stack
from tests.e2e.conftest import Clients, count_rows, service_today
from tests.e2e.test_thin_flow import draft, publish_item, record_request, task_of
from tests.support import channel, eventually, failure, new_uscc

Roles = Callable[..., Clients]
LEGAL = subject_pb2.SUBJECT_KIND_LEGAL_PERSON
PERSON = subject_pb2.SUBJECT_KIND_NATURAL_PERSON
PERSON_ID = "11010519491231002X"


def department() -> str:
    """A department of the test's own, so shared-stack tests never see each other's data."""
    return f"350200-T{uuid.uuid4().hex[:8].upper()}"


def rid() -> str:
    return str(uuid.uuid4())


class Staff:
    """Stubs of the three verification services for one caller."""

    def __init__(self, clients: Clients, stack: Stack) -> None:
        ch = channel(stack.endpoints()["verification"], clients.token)
        self.tasks = clients.verification
        self.rosters = rosters_pb2_grpc.RosterServiceStub(ch)
        self.inspections = inspections_pb2_grpc.InspectionServiceStub(ch)
        self._ch = ch


async def publish(stack: Stack, kind: EventType, message: Message, entity: str) -> None:
    """Publish an event as its producing service's relay would (CloudEvents headers)."""
    nc = await nats.connect(stack.nats_url)
    try:
        event_id = str(uuid.uuid4())
        found = headers(event_id, kind, "/chengnuo/test", entity, dt.datetime.now(dt.UTC))
        await nc.jetstream().publish(kind.subject, message.SerializeToString(), headers=found)
    finally:
        await nc.close()


async def find_event(stack: Stack, kind: EventType, match: Callable[[Any], bool]) -> Any:
    """The first event of `kind` on its stream that `match` accepts, or None."""
    nc = await nats.connect(stack.nats_url)
    try:
        sub = await nc.jetstream().subscribe(kind.subject, stream=kind.stream, ordered_consumer=True)
        try:
            while True:
                try:
                    msg = await sub.next_msg(timeout=1.0)
                except nats.errors.TimeoutError:
                    return None
                event = kind.message.FromString(msg.data)
                if match(event):
                    return event
        finally:
            await sub.unsubscribe()
    finally:
        await nc.close()


async def inspectors(lead: Staff, *numbers: str) -> None:
    rows = [
        rpb.Inspector(certificate_number=n, name=f"执法员{n[-2:]}", domains=["food_safety"], active=True)
        for n in numbers
    ]
    await lead.rosters.ImportInspectors(rpb.ImportInspectorsRequest(request_id=rid(), inspectors=rows))


async def test_an_on_site_check_is_assigned_concluded_and_announced_with_its_deadlines(
    as_role: Roles, stack: Stack
) -> None:
    dept = department()
    item = draft("特种设备使用登记证明", days=10)
    item.verification.method = catalogue_pb2.VERIFICATION_METHOD_ON_SITE
    item.safety_related = True
    item_id = await publish_item(as_role("catalogue_admin", department=dept), item)
    uscc = new_uscc()
    recorded = (
        await as_role("portal").commitments.RecordCommitment(record_request(uscc, item_id))
    ).commitment
    verifier = as_role("verifier", department=dept)
    lead = Staff(as_role("verification_lead", department=dept), stack)
    task = await eventually(lambda: task_of(verifier, recorded.commitment_id), what="on-site task")
    assert (task.method, task.safety_related) == ("ON_SITE", True)

    decided = await service_today(stack, "verification")
    conclusion = _false(task.task_id, decided)
    unassigned = await failure(verifier.verification.ConcludeTask(conclusion))
    assert unassigned.code == grpc.StatusCode.FAILED_PRECONDITION
    assert unassigned.precondition_types() == [("TASK_NOT_ASSIGNED", task.task_id)]
    numbers = [f"ZF{uuid.uuid4().hex[:10].upper()}" for _ in range(2)]
    await inspectors(lead, *numbers)
    assign = vpb.AssignTaskRequest(request_id=rid(), task_id=task.task_id, certificate_numbers=numbers)
    assert (await failure(verifier.verification.AssignTask(assign))).code == grpc.StatusCode.PERMISSION_DENIED
    assigned = (await lead.tasks.AssignTask(assign)).task
    assert sorted(i.certificate_number for i in assigned.inspectors) == sorted(numbers)

    done = (await verifier.verification.ConcludeTask(_false(task.task_id, decided))).task
    assert done.push_deadline == convert.to_date(decided + dt.timedelta(days=5))
    concluded = await eventually(
        lambda: find_event(stack, verification_events.CONCLUDED, lambda e: e.task_id == task.task_id),
        what="verification.concluded",
    )
    assert (concluded.publication_deadline, concluded.push_deadline) == (
        done.publication_deadline,
        done.push_deadline,
    )
    false = await eventually(
        lambda: find_event(stack, verification_events.FALSE_COMMITMENT, lambda e: e.task_id == task.task_id),
        what="verification.false_commitment",
    )
    assert false.safety_related_item
    again = await failure(verifier.verification.ConcludeTask(_false(task.task_id, decided)))
    assert again.precondition_types() == [("TASK_NOT_OPEN", task.task_id)]


def _false(task_id: str, decided: dt.date) -> vpb.ConcludeTaskRequest:
    return vpb.ConcludeTaskRequest(
        request_id=rid(),
        task_id=task_id,
        outcome=vpb.OUTCOME_FALSE,
        findings="现场检查发现特种设备未办理使用登记",
        measures=[vpb.Measure(kind=vpb.MEASURE_KIND_REVOKE_DECISION, legal_basis="《行政许可法》第六十九条")],
        decision_date=convert.to_date(decided),
        evidence_refs=["现场检查笔录 2026-07"],
    )


async def test_a_withdrawn_commitment_cancels_its_open_task(as_role: Roles, stack: Stack) -> None:
    dept = department()
    item_id = await publish_item(as_role("catalogue_admin", department=dept))
    portal = as_role("portal")
    recorded = (await portal.commitments.RecordCommitment(record_request(new_uscc(), item_id))).commitment
    verifier = as_role("verifier", department=dept)
    task = await eventually(lambda: task_of(verifier, recorded.commitment_id), what="task")
    await portal.commitments.WithdrawCommitment(
        commitment_pb2.WithdrawCommitmentRequest(
            request_id=rid(), commitment_id=recorded.commitment_id, reason="改为提交证明"
        )
    )

    async def cancelled() -> vpb.Task | None:
        found = (await verifier.verification.GetTask(vpb.GetTaskRequest(task_id=task.task_id))).task
        return found if found.status == vpb.TASK_STATUS_CANCELLED else None

    assert "改为提交证明" in (await eventually(cancelled, what="cancelled task")).cancel_reason


async def test_a_draw_follows_the_credit_services_grades_and_anyone_can_verify_it(
    as_role: Roles, stack: Stack
) -> None:
    dept = department()
    lead = Staff(as_role("verification_lead", department=dept), stack)
    high_risk = [new_uscc() for _ in range(10)]
    others = [new_uscc() for _ in range(190)]
    rows = [
        rpb.SubjectRow(
            subject=subject_pb2.SubjectRef(kind=LEGAL, code=c), name="厦门示例有限公司", region_code="350203"
        )
        for c in high_risk + others
    ]
    rows.append(
        rpb.SubjectRow(
            subject=subject_pb2.SubjectRef(kind=PERSON, code=PERSON_ID), name="张三丰", region_code="350203"
        )
    )
    begun = (
        await lead.rosters.BeginSubjectImport(
            rpb.BeginSubjectImportRequest(request_id=rid(), mode=rpb.IMPORT_MODE_MERGE)
        )
    ).subject_import
    await lead.rosters.UploadSubjects(
        rpb.UploadSubjectsRequest(request_id=rid(), import_id=begun.import_id, first_row=1, rows=rows)
    )
    await lead.rosters.CommitSubjectImport(
        rpb.CommitSubjectImportRequest(request_id=rid(), import_id=begun.import_id)
    )
    await inspectors(lead, *[f"ZF{uuid.uuid4().hex[:10].upper()}" for _ in range(4)])

    for code in high_risk:
        grade = credit_events_pb2.GradeChanged(
            subject=subject_pb2.SubjectRef(kind=LEGAL, code=code), version=1, grade=credit_pb2.GRADE_D
        )
        await publish(stack, credit_events.GRADE_CHANGED, grade, f"subject/{code}")
    person = subject_pb2.SubjectRef(kind=PERSON, code=PERSON_ID)
    priority = credit_pb2.Restriction(kind=credit_pb2.RESTRICTION_KIND_PRIORITY_SUPERVISION)
    restricted = credit_events_pb2.RestrictionChanged(subject=person, version=10**12, restrictions=[priority])
    await publish(stack, credit_events.RESTRICTION_CHANGED, restricted, "subject/110105********002X")

    today = await service_today(stack, "verification")

    async def drawn() -> ipb.Draw | None:  # draw once the projections have caught up
        plan = await lead.inspections.CreatePlan(_plan(dept, today))
        draw = (
            await lead.inspections.DrawPlan(ipb.DrawPlanRequest(request_id=rid(), plan_id=plan.plan.plan_id))
        ).draw
        stats = {s.grade: s for s in draw.stats}
        return (
            draw
            if stats[credit_pb2.GRADE_D].drawn_at_random == 10 and stats[credit_pb2.GRADE_B].priority == 1
            else None
        )

    draw = await eventually(drawn, what="a draw over the projected grades")
    assert draw.drawn == 10 + 1 + 29  # all of D, the priority subject, 15 % of 190 ungraded (28.5 rounds up)
    public = Staff(as_role("portal", department="350200-ZWFW"), stack)
    verified = await public.inspections.VerifyDraw(
        ipb.VerifyDrawRequest(draw_id=draw.draw_id, pool_digest=draw.pool_digest)
    )
    assert verified.identical, verified.mismatches
    listed = await public.inspections.ListPublicDrawResults(
        ipb.ListPublicDrawResultsRequest(draw_id=draw.draw_id)
    )
    (masked,) = [s for s in listed.subjects if s.subject.kind == PERSON]
    assert (masked.subject.code, masked.subject_name, masked.priority) == ("110105********002X", "张**", True)
    completed = await eventually(
        lambda: find_event(stack, verification_events.DRAW_COMPLETED, lambda e: e.draw_id == draw.draw_id),
        what="verification.draw_completed",
    )
    assert completed.result_digest == draw.result_digest


def _plan(dept: str, today: dt.date, **ratios: float) -> ipb.CreatePlanRequest:
    return ipb.CreatePlanRequest(
        request_id=rid(),
        name="双随机抽查",
        departments=[dept],
        # a type of its own per attempt: a retried draw must not find the subjects an earlier
        # attempt drew left out by the annual cap (同一年度同类检查不超过1次)
        check_items=[ipb.CheckItem(code="SC-01", name="经营许可", inspection_type=_fresh_type())],
        ratios=[ipb.GradeRatio(grade=credit_pb2.GRADE_D, percent=ratios.get("d", 100))],
        inspector_requirements=ipb.InspectorRequirements(team_size=2, domain="food_safety"),
        window_start=convert.to_date(today),
        window_end=convert.to_date(dt.date(today.year, 12, 31)),
    )


async def test_refusals_name_the_field_or_rule_and_store_nothing(as_role: Roles, stack: Stack) -> None:
    dept = department()
    lead = Staff(as_role("verification_lead", department=dept), stack)
    before = [await count_rows(stack, "verification", t) for t in ("plan", "task_inspector", "idempotency")]
    today = await service_today(stack, "verification")
    bad = await failure(lead.inspections.CreatePlan(_plan(dept, today, d=140)))
    assert (bad.code, bad.fields()) == (grpc.StatusCode.INVALID_ARGUMENT, ["ratios[0].percent"])
    low = await failure(lead.inspections.CreatePlan(_plan(dept, today, d=50)))
    assert "61% to 100%" in low.message
    unknown = await failure(
        lead.tasks.AssignTask(
            vpb.AssignTaskRequest(request_id=rid(), task_id=str(uuid.uuid4()), certificate_numbers=["ZF1"])
        )
    )
    assert (unknown.code, unknown.fields()) == (grpc.StatusCode.NOT_FOUND, ["task_id"])
    portal = as_role("portal")
    assert (
        await failure(portal.verification.ListTasks(vpb.ListTasksRequest()))
    ).code == grpc.StatusCode.PERMISSION_DENIED
    after = [await count_rows(stack, "verification", t) for t in ("plan", "task_inspector", "idempotency")]
    assert after == before


def _fresh_type() -> str:
    return f"FOOD_SAFETY_{uuid.uuid4().hex[:8].upper()}"
