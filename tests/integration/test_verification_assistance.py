"""部门间协查 on real PostgreSQL: a task's department asks, only the asked department answers."""

from __future__ import annotations

import datetime as dt

import pytest

from chengnuo.verification.v1 import rosters_pb2 as rpb
from chengnuo.verification.v1 import verification_pb2 as pb
from services.kernel import convert
from services.kernel.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from tests.integration.test_verification_tasks import false_conclusion, only_task, rid
from tests.integration.test_verification_world import (
    DEPARTMENT,
    VWorld,
    vworld_fixture,  # noqa: F401  (the `vworld` fixture)
)
from tests.support import new_uscc

HOUSING = "350200-ZJJ"  # the housing bureau keeps the property register


async def _departments(world: VWorld) -> None:
    world.as_caller("admin")
    await world.rosters.PutDepartments(
        rpb.PutDepartmentsRequest(
            request_id=rid(),
            departments=[
                rpb.Department(code=DEPARTMENT, name="厦门市市场监督管理局", region_code="350200"),
                rpb.Department(code=HOUSING, name="厦门市住房和建设局", region_code="350200"),
            ],
        ),
        None,
    )


def _ask(task_id: str, answer_by: dt.date, to: str = HOUSING) -> pb.RequestAssistanceRequest:
    return pb.RequestAssistanceRequest(
        request_id=rid(),
        task_id=task_id,
        to_department=to,
        question="请核实该经营场所的房屋权属登记情况",
        answer_by=convert.to_date(answer_by),
    )


def _answer(assistance_id: str) -> pb.AnswerAssistanceRequest:
    return pb.AnswerAssistanceRequest(
        request_id=rid(),
        assistance_id=assistance_id,
        finding=pb.ASSISTANCE_FINDING_CONTRADICTED,
        answer="登记簿记载权利人与申请人不一致",
        evidence_refs=["不动产登记簿查询单 2026-118"],
    )


async def test_assistance_is_asked_answered_and_listed_both_ways(vworld: VWorld) -> None:
    await _departments(vworld)
    task = await only_task(vworld, await vworld.record(new_uscc()))
    today = vworld.clock.today()
    vworld.verifier()
    asked = (
        await vworld.tasks.RequestAssistance(_ask(task.task_id, today + dt.timedelta(days=5)), None)
    ).assistance
    assert (asked.status, asked.from_department, asked.subject.code) == (
        pb.ASSISTANCE_STATUS_PENDING,
        DEPARTMENT,
        task.subject.code,
    )

    with pytest.raises(PermissionDenied):  # the asking department cannot answer its own question
        await vworld.tasks.AnswerAssistance(_answer(asked.assistance_id), None)

    vworld.verifier(department=HOUSING)
    incoming = await vworld.tasks.ListAssistance(
        pb.ListAssistanceRequest(direction=pb.ASSISTANCE_DIRECTION_INCOMING), None
    )
    assert [a.assistance_id for a in incoming.assistance] == [asked.assistance_id]
    vworld.clock.advance(dt.timedelta(days=7))  # answered after the date asked for
    answered = (await vworld.tasks.AnswerAssistance(_answer(asked.assistance_id), None)).assistance
    assert (answered.status, answered.finding) == (
        pb.ASSISTANCE_STATUS_ANSWERED,
        pb.ASSISTANCE_FINDING_CONTRADICTED,
    )
    assert answered.late
    with pytest.raises(FailedPrecondition) as twice:
        await vworld.tasks.AnswerAssistance(_answer(asked.assistance_id), None)
    assert twice.value.violations[0].type == "ASSISTANCE_NOT_PENDING"

    vworld.verifier()
    outgoing = await vworld.tasks.ListAssistance(
        pb.ListAssistanceRequest(
            direction=pb.ASSISTANCE_DIRECTION_OUTGOING, status=pb.ASSISTANCE_STATUS_ANSWERED
        ),
        None,
    )
    assert [a.answer for a in outgoing.assistance] == ["登记簿记载权利人与申请人不一致"]
    vworld.verifier(department=HOUSING)
    assert not (
        await vworld.tasks.ListAssistance(
            pb.ListAssistanceRequest(direction=pb.ASSISTANCE_DIRECTION_OUTGOING), None
        )
    ).assistance


async def test_bad_assistance_requests_are_refused_and_store_nothing(vworld: VWorld) -> None:
    await _departments(vworld)
    task = await only_task(vworld, await vworld.record(new_uscc()))
    today = vworld.clock.today()
    before = await vworld.counts(("assistance", "audit_log", "outbox"))
    vworld.verifier()
    with pytest.raises(InvalidArgument) as refused:
        await vworld.tasks.RequestAssistance(_ask(task.task_id, today, to=DEPARTMENT), None)
    assert [v.field for v in refused.value.violations] == ["to_department", "answer_by"]
    with pytest.raises(NotFound) as unknown:
        await vworld.tasks.RequestAssistance(
            _ask(task.task_id, today + dt.timedelta(days=3), to="350200-XXX"), None
        )
    assert (unknown.value.resource, unknown.value.field) == ("department", "to_department")
    assert await vworld.counts(("assistance", "audit_log", "outbox")) == before


async def test_concluding_the_task_ends_its_pending_assistance(vworld: VWorld) -> None:
    await _departments(vworld)
    task = await only_task(vworld, await vworld.record(new_uscc()))
    today = vworld.clock.today()
    vworld.verifier()
    asked = (
        await vworld.tasks.RequestAssistance(_ask(task.task_id, today + dt.timedelta(days=5)), None)
    ).assistance
    await vworld.tasks.ConcludeTask(false_conclusion(task.task_id, today), None)
    vworld.verifier(department=HOUSING)
    with pytest.raises(FailedPrecondition):
        await vworld.tasks.AnswerAssistance(_answer(asked.assistance_id), None)
    row = await vworld.pool.fetchval("SELECT status FROM assistance")
    assert row == "ASSISTANCE_STATUS_CANCELLED"
