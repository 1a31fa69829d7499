"""Verification tasks on real PostgreSQL: listing, assignment, extension, conclusion, withdrawal."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from chengnuo.commitment.v1 import catalogue_pb2
from chengnuo.events.v1 import commitment_events_pb2
from chengnuo.events.v1 import verification_events_pb2 as events
from chengnuo.verification.v1 import rosters_pb2 as rpb
from chengnuo.verification.v1 import verification_pb2 as pb
from services.kernel import convert
from services.kernel.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from tests.integration.test_verification_world import (
    DEPARTMENT,
    LEGAL,
    VWorld,
    inspector,
    vworld_fixture,  # noqa: F401  (the `vworld` fixture)
)
from tests.support import new_uscc

ON_SITE = catalogue_pb2.VERIFICATION_METHOD_ON_SITE
NOTHING_WRITTEN = ("task", "task_inspector", "task_extension", "outbox", "audit_log", "idempotency")


def rid() -> str:
    return str(uuid.uuid4())


async def open_tasks(world: VWorld, **filters: object) -> list[pb.Task]:
    world.verifier()
    found = await world.tasks.ListTasks(pb.ListTasksRequest(page_size=1000, **filters), None)  # type: ignore[arg-type]
    return list(found.tasks)


async def only_task(world: VWorld, commitment_id: str) -> pb.Task:
    return next(t for t in await open_tasks(world) if t.commitment_id == commitment_id)


async def staff(world: VWorld, *numbers: str, conflict_with: str = "") -> None:
    """Import inspectors into the department; the first declares a conflict when asked."""
    rows = [inspector(n) for n in numbers]
    if conflict_with:
        rows[0].conflicts.add(subject={"kind": LEGAL, "code": conflict_with}, reason="亲属任职")
    world.lead()
    await world.rosters.ImportInspectors(rpb.ImportInspectorsRequest(request_id=rid(), inspectors=rows), None)


def false_conclusion(task_id: str, today: dt.date, *, measures: bool = True) -> pb.ConcludeTaskRequest:
    request = pb.ConcludeTaskRequest(
        request_id=rid(),
        task_id=task_id,
        outcome=pb.OUTCOME_FALSE,
        findings="不动产登记系统无该经营场所的使用权记录",
        measures=[pb.Measure(kind=pb.MEASURE_KIND_PENALTY, legal_basis="《行政许可法》第七十九条")],
        decision_date=convert.to_date(today),
        evidence_refs=["卷宗 2026-001 第3页", "录像 A-17"],
    )
    if not measures:
        del request.measures[:]
    return request


async def test_tasks_are_listed_by_due_date_in_keyset_pages_with_filters(vworld: VWorld) -> None:
    ids = [await vworld.record(new_uscc(), days=d) for d in (30, 10, 20, 5, 15)]
    tasks = await open_tasks(vworld)
    assert [t.time_limit_working_days for t in tasks] == [5, 10, 15, 20, 30]
    vworld.verifier()
    first = await vworld.tasks.ListTasks(pb.ListTasksRequest(page_size=2), None)
    second = await vworld.tasks.ListTasks(
        pb.ListTasksRequest(page_size=2, page_token=first.next_page_token), None
    )
    third = await vworld.tasks.ListTasks(
        pb.ListTasksRequest(page_size=2, page_token=second.next_page_token), None
    )
    paged = [t.task_id for page in (first, second, third) for t in page.tasks]
    assert paged == [t.task_id for t in tasks]
    assert not third.next_page_token
    window = await open_tasks(vworld, due_from=tasks[1].due_date, due_to=tasks[3].due_date)
    assert [t.time_limit_working_days for t in window] == [10, 15, 20]
    vworld.verifier(department="350200-SWJ")  # another department sees none of them
    other = await vworld.tasks.ListTasks(pb.ListTasksRequest(), None)
    assert not other.tasks
    assert len(ids) == 5


async def test_bad_list_requests_are_refused_by_field(vworld: VWorld) -> None:
    vworld.verifier()
    with pytest.raises(InvalidArgument) as refused:
        await vworld.tasks.ListTasks(pb.ListTasksRequest(page_token="garbage!"), None)
    assert [v.field for v in refused.value.violations] == ["page_token"]
    backwards = pb.ListTasksRequest(
        due_from=convert.to_date(dt.date(2026, 5, 2)), due_to=convert.to_date(dt.date(2026, 5, 1))
    )
    with pytest.raises(InvalidArgument) as refused:
        await vworld.tasks.ListTasks(backwards, None)
    assert [v.field for v in refused.value.violations] == ["due_to"]


async def test_on_site_assignment_needs_two_qualified_inspectors_none_in_conflict(vworld: VWorld) -> None:
    uscc = new_uscc()
    task = await only_task(vworld, await vworld.record(uscc, method=ON_SITE))
    await staff(vworld, "ZF35020001", "ZF35020002", "ZF35020003", conflict_with=uscc)
    vworld.lead(department="350200-SWJ")
    await vworld.rosters.ImportInspectors(
        rpb.ImportInspectorsRequest(request_id=rid(), inspectors=[inspector("ZF35029999")]), None
    )
    await _inactive(vworld, "ZF35020004")
    before = await vworld.counts(NOTHING_WRITTEN)

    async def refused(*numbers: str) -> list[tuple[str, str]]:
        vworld.lead()
        request = pb.AssignTaskRequest(request_id=rid(), task_id=task.task_id, certificate_numbers=numbers)
        with pytest.raises(FailedPrecondition) as caught:
            await vworld.tasks.AssignTask(request, None)
        return [(v.type, v.subject) for v in caught.value.violations]

    assert await refused("ZF35020002") == [("TOO_FEW_INSPECTORS", "certificate_numbers")]
    assert await refused("ZF35020001", "ZF35020002") == [("INSPECTOR_CONFLICT", "ZF35020001")]
    assert await refused("ZF35020002", "ZF35029999") == [("INSPECTOR_OTHER_DEPARTMENT", "ZF35029999")]
    assert await refused("ZF35020002", "ZF35020004") == [("INSPECTOR_NOT_QUALIFIED", "ZF35020004")]
    with pytest.raises(NotFound) as unknown:
        await vworld.tasks.AssignTask(
            pb.AssignTaskRequest(
                request_id=rid(), task_id=task.task_id, certificate_numbers=["ZF0", "ZF404"]
            ),
            None,
        )
    assert (unknown.value.resource, unknown.value.field) == ("inspector", "certificate_numbers[0]")
    assert await vworld.counts(NOTHING_WRITTEN) == before

    assigned = await vworld.tasks.AssignTask(
        pb.AssignTaskRequest(
            request_id=rid(), task_id=task.task_id, certificate_numbers=["ZF35020002", "ZF35020003"]
        ),
        None,
    )
    assert [i.certificate_number for i in assigned.task.inspectors] == ["ZF35020002", "ZF35020003"]
    mine = await open_tasks(vworld, inspector="ZF35020003")
    assert [t.task_id for t in mine] == [task.task_id]


async def _inactive(world: VWorld, number: str) -> None:
    world.lead()
    await world.rosters.ImportInspectors(
        rpb.ImportInspectorsRequest(request_id=rid(), inspectors=[inspector(number, active=False)]), None
    )


async def test_a_conclusion_is_checked_stored_once_and_announced_with_its_deadlines(vworld: VWorld) -> None:
    uscc = new_uscc()
    task = await only_task(vworld, await vworld.record(uscc, method=ON_SITE, safety_related=True))
    today = vworld.clock.today()
    before = await vworld.counts(NOTHING_WRITTEN)
    vworld.verifier()
    with pytest.raises(InvalidArgument) as refused:
        await vworld.tasks.ConcludeTask(false_conclusion(task.task_id, today, measures=False), None)
    assert [v.field for v in refused.value.violations] == ["measures"]
    with pytest.raises(FailedPrecondition) as unassigned:
        await vworld.tasks.ConcludeTask(false_conclusion(task.task_id, today), None)
    assert unassigned.value.violations[0].type == "TASK_NOT_ASSIGNED"
    with pytest.raises(NotFound):
        await vworld.tasks.ConcludeTask(false_conclusion(str(uuid.uuid4()), today), None)
    assert await vworld.counts(NOTHING_WRITTEN) == before

    await staff(vworld, "ZF35021001", "ZF35021002")
    await vworld.tasks.AssignTask(
        pb.AssignTaskRequest(
            request_id=rid(), task_id=task.task_id, certificate_numbers=["ZF35021001", "ZF35021002"]
        ),
        None,
    )
    vworld.verifier()
    with pytest.raises(InvalidArgument) as unruled:  # no publication rule set was in force then
        await vworld.tasks.ConcludeTask(false_conclusion(task.task_id, dt.date(2019, 5, 6)), None)
    assert [v.field for v in unruled.value.violations] == ["decision_date"]
    done = (await vworld.tasks.ConcludeTask(false_conclusion(task.task_id, today), None)).task
    assert done.status == pb.TASK_STATUS_CONCLUDED
    assert list(done.evidence_refs) == ["卷宗 2026-001 第3页", "录像 A-17"]
    calendar = vworld.calendar.current
    assert convert.from_date(done.push_deadline) == today + dt.timedelta(days=5)
    assert convert.from_date(done.publication_deadline) == calendar.add_working_days(today, 20).date
    assert convert.from_date(done.decision_publication_deadline) == calendar.add_working_days(today, 7).date
    assert done.publication_rule_set == "PUBLICATION-2021"

    (concluded,) = [
        events.VerificationConcluded.FromString(b) for b in await vworld.events("verification.concluded")
    ]
    assert concluded.publication_deadline == done.publication_deadline
    assert concluded.push_deadline == done.push_deadline
    (false,) = [
        events.FalseCommitmentFound.FromString(b)
        for b in await vworld.events("verification.false_commitment")
    ]
    assert false.safety_related_item
    assert false.subject.code == uscc
    assert false.measures[0].kind == pb.MEASURE_KIND_PENALTY

    with pytest.raises(FailedPrecondition) as again:
        await vworld.tasks.ConcludeTask(false_conclusion(task.task_id, today), None)
    assert again.value.violations[0].type == "TASK_NOT_OPEN"


async def test_an_approved_extension_moves_the_deadline_in_working_days_and_is_kept(vworld: VWorld) -> None:
    task = await only_task(vworld, await vworld.record(new_uscc(), days=5))
    vworld.lead()
    with pytest.raises(InvalidArgument) as refused:
        await vworld.tasks.ExtendDeadline(
            pb.ExtendDeadlineRequest(request_id=rid(), task_id=task.task_id, working_days=99), None
        )
    assert [v.field for v in refused.value.violations] == ["working_days", "reason"]
    extended = (
        await vworld.tasks.ExtendDeadline(
            pb.ExtendDeadlineRequest(
                request_id=rid(), task_id=task.task_id, working_days=3, reason="需调取外省登记档案"
            ),
            None,
        )
    ).task
    base = convert.from_date(task.base_date)
    assert convert.from_date(extended.due_date) == vworld.calendar.current.add_working_days(base, 8).date
    assert extended.extended_working_days == 3
    (record,) = extended.extensions
    assert (record.working_days, record.approved_by) == (3, f"lead@{DEPARTMENT}")
    assert record.due_before == task.due_date
    actions = await vworld.pool.fetch("SELECT action FROM audit_log ORDER BY seq")
    assert actions[-1]["action"] == "task.extend_deadline"


async def test_a_withdrawn_commitment_cancels_its_open_task_even_when_it_arrives_first(
    vworld: VWorld,
) -> None:
    commitment_id = await vworld.record(new_uscc())
    withdrawn = commitment_events_pb2.CommitmentWithdrawn(
        commitment_id=commitment_id, reason="申请人改为提交证明"
    )
    await vworld.apply(vworld.commitments.on_withdrawn, withdrawn)
    row = await vworld.pool.fetchrow(
        "SELECT status, cancel_reason FROM task WHERE commitment_id = $1", uuid.UUID(commitment_id)
    )
    assert row is not None
    assert row["status"] == "TASK_STATUS_CANCELLED"
    assert "申请人改为提交证明" in row["cancel_reason"]

    early = commitment_events_pb2.CommitmentWithdrawn(commitment_id=str(uuid.uuid4()), reason="先撤回")
    await vworld.apply(vworld.commitments.on_withdrawn, early)
    late = await vworld.record(new_uscc(), commitment_id=early.commitment_id)
    assert (
        await vworld.pool.fetchval("SELECT count(*) FROM task WHERE commitment_id = $1", uuid.UUID(late)) == 0
    )


async def test_an_exempt_item_puts_the_subject_into_the_random_inspection_pool(vworld: VWorld) -> None:
    uscc = new_uscc()
    await vworld.record(uscc, method=catalogue_pb2.VERIFICATION_METHOD_EXEMPT)
    assert await vworld.count("task") == 0
    row = await vworld.pool.fetchrow("SELECT * FROM roster_subject WHERE subject_code = $1", uscc)
    assert row is not None
    assert (row["department"], row["source"], row["active"]) == (DEPARTMENT, "commitment", True)


async def test_only_the_department_of_a_task_reads_or_changes_it(vworld: VWorld) -> None:
    task = await only_task(vworld, await vworld.record(new_uscc()))
    vworld.verifier(department="350200-SWJ")
    with pytest.raises(PermissionDenied):
        await vworld.tasks.GetTask(pb.GetTaskRequest(task_id=task.task_id), None)
    with pytest.raises(PermissionDenied):
        await vworld.tasks.ConcludeTask(false_conclusion(task.task_id, vworld.clock.today()), None)


def _rectification(task_id: str, completed: dt.date, *, harm: bool = False) -> pb.RecordRectificationRequest:
    return pb.RecordRectificationRequest(
        request_id=rid(),
        task_id=task_id,
        completed_on=convert.to_date(completed),
        harm_caused=harm,
        assessment="复查：已补交真实的场所使用证明，未给第三方造成损失",
        evidence_refs=["复查记录 2026-009"],
    )


async def _rectification_refused(vworld: VWorld, request: pb.RecordRectificationRequest) -> list[str]:
    with pytest.raises(FailedPrecondition) as caught:
        await vworld.tasks.RecordRectification(request, None)
    return [v.type for v in caught.value.violations]


async def test_a_correction_after_an_order_to_rectify_is_recorded_once(vworld: VWorld) -> None:
    today = vworld.clock.today()
    decided, deadline = today - dt.timedelta(days=6), today - dt.timedelta(days=2)
    plain = await only_task(vworld, await vworld.record(new_uscc()))
    ordered = await only_task(vworld, await vworld.record(new_uscc()))
    vworld.verifier()
    await vworld.tasks.ConcludeTask(false_conclusion(plain.task_id, decided), None)
    order = false_conclusion(ordered.task_id, decided)
    order.measures.add(
        kind=pb.MEASURE_KIND_ORDER_RECTIFICATION,
        legal_basis="《行政许可法》第六十九条",
        deadline=convert.to_date(deadline),
    )
    await vworld.tasks.ConcludeTask(order, None)
    before = await vworld.counts(("outbox", "audit_log"))
    assert await _rectification_refused(vworld, _rectification(plain.task_id, today)) == [
        "NO_ORDER_TO_RECTIFY"
    ]
    early = _rectification(ordered.task_id, decided - dt.timedelta(days=1))
    assert await _rectification_refused(vworld, early) == ["BEFORE_DECISION"]
    with pytest.raises(InvalidArgument) as future:
        await vworld.tasks.RecordRectification(
            _rectification(ordered.task_id, today + dt.timedelta(days=1)), None
        )
    assert [v.field for v in future.value.violations] == ["completed_on"]
    assert await vworld.counts(("outbox", "audit_log")) == before

    recorded = await vworld.tasks.RecordRectification(_rectification(ordered.task_id, deadline), None)
    rectification = recorded.task.rectification
    assert (rectification.in_time, rectification.harm_caused) == (True, False)
    assert convert.from_date(rectification.deadline) == deadline
    (event,) = [
        events.RectificationRecorded.FromString(e) for e in await vworld.events("verification.rectified")
    ]
    assert (event.commitment_id, event.corrected_in_time_without_harm) == (ordered.commitment_id, True)
    again = _rectification(ordered.task_id, today)
    assert await _rectification_refused(vworld, again) == ["ALREADY_RECTIFIED"]


async def test_a_late_correction_is_recorded_but_not_in_time(vworld: VWorld) -> None:
    today = vworld.clock.today()
    task = await only_task(vworld, await vworld.record(new_uscc()))
    vworld.verifier()
    order = false_conclusion(task.task_id, today - dt.timedelta(days=6))
    order.measures.add(
        kind=pb.MEASURE_KIND_ORDER_RECTIFICATION,
        legal_basis="《行政许可法》第六十九条",
        deadline=convert.to_date(today - dt.timedelta(days=2)),
    )
    await vworld.tasks.ConcludeTask(order, None)
    recorded = await vworld.tasks.RecordRectification(_rectification(task.task_id, today), None)
    assert not recorded.task.rectification.in_time
    (event,) = [
        events.RectificationRecorded.FromString(e) for e in await vworld.events("verification.rectified")
    ]
    assert not event.corrected_in_time_without_harm
