"""Decision deadlines watched: repair applications (信用修复, 3 working days, extendable once by 3)
and objections (异议, 5 working days) past their due date are listed, counted per department and
announced once per due date (`credit.case_overdue`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest

from chengnuo.credit.v1 import objections_pb2 as opb
from chengnuo.credit.v1 import repair_pb2 as rpb
from chengnuo.events.v1 import credit_events_pb2 as events
from services.kernel import convert
from tests.conftest import Servers
from tests.integration.test_credit_objections import objection
from tests.integration.test_credit_repair import application
from tests.integration.test_credit_world import CreditWorld, credit_world, record_of, rid
from tests.support import failure, new_uscc

D = dt.date
OTHER = "350200-SWJ"  # another bureau of the same city


@pytest.fixture
async def credit(servers: Servers, tmp_path: Path) -> AsyncIterator[CreditWorld]:
    async with credit_world(servers, tmp_path, D(2026, 7, 1)) as made:  # a Wednesday
        yield made


async def _applied(credit: CreditWorld) -> rpb.RepairApplication:
    uscc = new_uscc()
    record_id = await record_of(credit, uscc, D(2026, 3, 1))
    return (await credit.as_role("portal").repair.ApplyRepair(application(record_id, uscc))).application


async def _overdue_repairs(credit: CreditWorld, department: str = "350200-SCJ") -> list[str]:
    answer = await credit.as_role("credit_reviewer", department=department).repair.ListRepairApplications(
        rpb.ListRepairApplicationsRequest(overdue_only=True)
    )
    return [a.application_id for a in answer.applications]


async def _announced(credit: CreditWorld) -> list[events.CaseOverdue]:
    return [events.CaseOverdue.FromString(e) for e in await credit.events("credit.case_overdue")]


async def test_an_overdue_repair_is_listed_counted_and_announced_once_per_due_date(
    credit: CreditWorld,
) -> None:
    applied = await _applied(credit)  # due Monday 2026-07-06
    decided = await _applied(credit)
    await credit.as_role("credit_reviewer").repair.DecideRepair(
        rpb.DecideRepairRequest(
            request_id=rid(), application_id=decided.application_id, decision=rpb.REPAIR_DECISION_APPROVE
        )
    )
    reviewer = credit.as_role("credit_reviewer")
    count = rpb.CountOverdueRepairApplicationsRequest()

    credit.set_today(D(2026, 7, 6))  # the due date itself is still in time
    assert await _overdue_repairs(credit) == []
    assert await credit.run_jobs() == 0
    in_time = await reviewer.repair.CountOverdueRepairApplications(count)
    assert (in_time.department, in_time.pending, in_time.overdue) == ("350200-SCJ", 1, 0)

    credit.set_today(D(2026, 7, 7))
    assert await _overdue_repairs(credit) == [applied.application_id]  # the decided one is not
    late = await credit.as_role("credit_officer").repair.CountOverdueRepairApplications(count)
    assert (late.pending, late.overdue, convert.from_date(late.as_of)) == (1, 1, D(2026, 7, 7))
    assert await credit.run_jobs() == 1
    assert await credit.run_jobs() == 0  # announced once for its due date
    (first,) = await _announced(credit)
    assert first.WhichOneof("case") == "application"
    assert first.application.application_id == applied.application_id
    assert convert.from_date(first.application.deadline.due_date) == D(2026, 7, 6)
    assert convert.from_date(first.detected_on) == D(2026, 7, 7)
    target = f"repair_application/{applied.application_id}"
    assert await credit.count("audit_log", "action = 'case.overdue' AND target = $1", target) == 1

    # Extended (once, by 3 working days from the due date): in time again until Thursday 07-09,
    # then announced again for the new due date.
    await reviewer.repair.ExtendRepairDeadline(
        rpb.ExtendRepairDeadlineRequest(
            request_id=rid(), application_id=applied.application_id, reason="需向不动产登记机构核实材料"
        )
    )
    assert await _overdue_repairs(credit) == []
    credit.set_today(D(2026, 7, 10))
    assert await _overdue_repairs(credit) == [applied.application_id]
    assert await credit.run_jobs() == 1
    assert [convert.from_date(e.application.deadline.due_date) for e in await _announced(credit)] == [
        D(2026, 7, 6),
        D(2026, 7, 9),
    ]


async def test_another_department_sees_and_counts_none_of_them(credit: CreditWorld) -> None:
    await _applied(credit)
    credit.set_today(D(2026, 7, 7))
    assert await _overdue_repairs(credit, OTHER) == []
    other = await credit.as_role("credit_reviewer", department=OTHER).repair.CountOverdueRepairApplications(
        rpb.CountOverdueRepairApplicationsRequest()
    )
    assert (other.department, other.pending, other.overdue) == (OTHER, 0, 0)
    objections = await credit.as_role("credit_officer", department=OTHER).objections.CountOverdueObjections(
        opb.CountOverdueObjectionsRequest()
    )
    assert (objections.department, objections.pending, objections.overdue) == (OTHER, 0, 0)


@pytest.mark.parametrize("role", ["portal", "verifier", "catalogue_admin"])
async def test_the_counts_are_for_credit_officers_and_reviewers_only(credit: CreditWorld, role: str) -> None:
    clients = credit.as_role(role)
    for call in (
        clients.repair.CountOverdueRepairApplications(rpb.CountOverdueRepairApplicationsRequest()),
        clients.objections.CountOverdueObjections(opb.CountOverdueObjectionsRequest()),
    ):
        refused = await failure(call)
        assert refused.code == grpc.StatusCode.PERMISSION_DENIED
        assert "credit_reviewer" in refused.message


async def test_an_overdue_objection_is_listed_counted_and_announced(credit: CreditWorld) -> None:
    uscc = new_uscc()
    record_id = await record_of(credit, uscc, D(2026, 4, 2))
    filed = (await credit.as_role("portal").objections.FileObjection(objection(record_id, uscc))).objection
    assert convert.from_date(filed.deadline.due_date) == D(2026, 7, 8)  # Wed + 5 working days
    reviewer = credit.as_role("credit_reviewer")
    overdue = opb.ListObjectionsRequest(overdue_only=True)
    credit.set_today(D(2026, 7, 8))
    assert list((await reviewer.objections.ListObjections(overdue)).objections) == []
    credit.set_today(D(2026, 7, 9))
    listed = await reviewer.objections.ListObjections(overdue)
    assert [o.objection_id for o in listed.objections] == [filed.objection_id]
    # Only pending ones are overdue: asking for decided ones with the filter finds none.
    upheld = opb.ListObjectionsRequest(overdue_only=True, status=opb.OBJECTION_STATUS_UPHELD)
    assert list((await reviewer.objections.ListObjections(upheld)).objections) == []
    counted = await reviewer.objections.CountOverdueObjections(opb.CountOverdueObjectionsRequest())
    assert (counted.pending, counted.overdue) == (1, 1)
    assert await credit.run_jobs() == 1
    (announced,) = await _announced(credit)
    assert announced.WhichOneof("case") == "objection"
    assert announced.objection.objection_id == filed.objection_id
    assert await credit.run_jobs() == 0
