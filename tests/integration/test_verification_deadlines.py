"""Deadlines on real PostgreSQL: overdue by the service clock, and provisional deadlines
recomputed in the unit of work that loads a new year's official calendar."""

from __future__ import annotations

import datetime as dt
import uuid

from chengnuo.events.v1 import verification_events_pb2 as events
from chengnuo.verification.v1 import rosters_pb2 as rpb
from chengnuo.verification.v1 import verification_pb2 as pb
from services.kernel import convert
from services.kernel.calendar import YearSchedule
from services.kernel.clock import CHINA
from services.verification import jobs
from tests.integration.test_verification_tasks import only_task, open_tasks
from tests.integration.test_verification_world import (
    DEPARTMENT,
    VWorld,
    vworld_fixture,  # noqa: F401  (the `vworld` fixture)
)
from tests.support import new_uscc

CITY, DISTRICT, OTHER = DEPARTMENT, "350203-SCJ", "350200-SWJ"


async def _run_overdue_job(world: VWorld) -> int:
    async with world.db.unit_of_work(request_id="job") as uow:
        return await jobs.announce_overdue(uow)


async def test_overdue_is_relative_to_the_service_clock_and_announced_once(vworld: VWorld) -> None:
    short = await only_task(vworld, await vworld.record(new_uscc(), days=1))
    await vworld.record(new_uscc(), days=40)
    assert not await open_tasks(vworld, overdue_only=True)
    assert await _run_overdue_job(vworld) == 0

    _move_past(vworld, convert.from_date(short.due_date))
    overdue = await open_tasks(vworld, overdue_only=True)
    assert [t.task_id for t in overdue] == [short.task_id]
    assert overdue[0].overdue
    assert await _run_overdue_job(vworld) == 1
    assert await _run_overdue_job(vworld) == 0  # once per due date
    (event,) = [events.TaskOverdue.FromString(b) for b in await vworld.events("verification.task_overdue")]
    assert (event.task_id, event.due_date) == (short.task_id, short.due_date)

    vworld.lead()
    extended = await vworld.tasks.ExtendDeadline(
        pb.ExtendDeadlineRequest(request_id="x1", task_id=short.task_id, working_days=5, reason="补充材料"),
        None,
    )
    assert not extended.task.overdue
    _move_past(vworld, convert.from_date(extended.task.due_date))
    assert await _run_overdue_job(vworld) == 1  # the new due date passed too


def _move_past(world: VWorld, due: dt.date) -> None:
    world.clock.advance(dt.timedelta(days=(due - world.clock.today()).days + 1))


async def test_overdue_tasks_are_counted_for_the_department_and_those_below_it(vworld: VWorld) -> None:
    vworld.as_caller("admin")
    await vworld.rosters.PutDepartments(
        rpb.PutDepartmentsRequest(
            request_id="deps",
            departments=[
                rpb.Department(code=CITY, name="厦门市市场监督管理局", region_code="350200"),
                rpb.Department(
                    code=DISTRICT, name="思明区市场监督管理局", parent_code=CITY, region_code="350203"
                ),
                rpb.Department(code=OTHER, name="厦门市商务局", region_code="350200"),
            ],
        ),
        None,
    )
    await vworld.record(new_uscc(), days=1)
    await vworld.record(new_uscc(), days=30)
    await vworld.record(new_uscc(), days=1, department=DISTRICT)
    await vworld.record(new_uscc(), days=1, department=OTHER)
    vworld.clock.advance(dt.timedelta(days=10))
    vworld.verifier()
    counts = await vworld.tasks.CountOverdueTasks(pb.CountOverdueTasksRequest(), None)
    assert [(d.department, d.overdue, d.open) for d in counts.departments] == [(CITY, 1, 2), (DISTRICT, 1, 1)]
    assert convert.from_date(counts.as_of) == vworld.clock.today()


async def test_a_deadline_into_an_unloaded_year_is_provisional_until_the_year_is_loaded(
    vworld: VWorld,
) -> None:
    # Approved Monday 2026-12-21; 20 working days reach into 2027, which has no schedule yet.
    approved = dt.datetime(2026, 12, 21, 10, tzinfo=CHINA)
    commitment_id = await vworld.record(new_uscc(), days=20, recorded_at=convert.to_timestamp(approved))
    before = await only_task(vworld, commitment_id)
    assert convert.from_date(before.due_date) == dt.date(2027, 1, 18)  # weekdays only
    assert before.due_date_provisional

    # An illustrative 2027 schedule with New Year's Day (Friday 2027-01-01) off.
    schedule = YearSchedule(
        2027, frozenset({dt.date(2027, 1, 1)}), frozenset(), "test notice", vworld.clock.now()
    )
    async with vworld.db.unit_of_work() as uow:
        assert await vworld.calendar.apply(schedule, uow)
    after = await only_task(vworld, commitment_id)
    assert convert.from_date(after.due_date) == dt.date(2027, 1, 19)
    assert not after.due_date_provisional
    audit = await vworld.pool.fetchval("SELECT action FROM audit_log ORDER BY seq DESC LIMIT 1")
    assert audit == "task.recompute_deadlines"


async def test_a_failed_year_load_leaves_provisional_deadlines_as_they_were(vworld: VWorld) -> None:
    approved = dt.datetime(2026, 12, 21, 10, tzinfo=CHINA)
    commitment_id = await vworld.record(new_uscc(), days=20, recorded_at=convert.to_timestamp(approved))
    schedule = YearSchedule(
        2027, frozenset({dt.date(2027, 1, 1)}), frozenset(), "test notice", vworld.clock.now()
    )
    try:
        async with vworld.db.unit_of_work() as uow:
            await vworld.calendar.apply(schedule, uow)
            raise RuntimeError("the load fails after the listener ran")
    except RuntimeError:
        pass
    task = await vworld.pool.fetchrow(
        "SELECT due_date, due_provisional FROM task WHERE commitment_id = $1", uuid.UUID(commitment_id)
    )
    assert task is not None
    assert (task["due_date"], task["due_provisional"]) == (dt.date(2027, 1, 18), True)
