"""Overdue repair and objection decisions (信用修复: due within 3 working days; 异议: 5) on a stack
of the module's own, whose clock moves: the reviewer's CLI counts and lists them, and the credit
service announces them (`credit.case_overdue`) through its outbox."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator, Callable

import pytest

from chengnuo.credit.v1 import objections_pb2 as opb
from chengnuo.credit.v1 import repair_pb2 as rpb
from services.contracts import credit_events
from services.kernel import convert
from services.launcher.stack import Stack
from tests.e2e.cli import Cli
from tests.e2e.conftest import Clients, service_today
from tests.e2e.test_credit_flow import Credit, dishonest, ref
from tests.e2e.test_verification_flow import find_event
from tests.support import eventually

Roles = Callable[..., Clients]


@pytest.fixture
async def own_roles(own_stack: Stack) -> AsyncIterator[Roles]:
    made: list[Clients] = []

    def make(*names: str, department: str = "350200-SCJ") -> Clients:
        made.append(Clients(own_stack, names, department))
        return made[-1]

    yield make
    for clients in made:
        await clients.close()


async def test_undecided_cases_past_their_due_date_are_counted_listed_and_announced(
    own_stack: Stack, own_roles: Roles
) -> None:
    uscc, _, record = await dishonest(own_roles, dt.date(2025, 6, 2))  # repairable since 2025-09-02
    portal = Credit(own_stack, own_roles("portal"))
    try:
        applied = await portal.repair.ApplyRepair(
            rpb.ApplyRepairRequest(
                request_id=str(uuid.uuid4()),
                record_id=record.record_id,
                applicant=ref(uscc),
                obligations_performed="已补正经营场所使用权证明",
                repair_commitment="本单位承诺依法诚信经营",
            )
        )
        filed = await portal.objections.FileObjection(
            opb.FileObjectionRequest(
                request_id=str(uuid.uuid4()),
                record_id=record.record_id,
                applicant=ref(uscc),
                reason="并非本单位",
            )
        )
    finally:
        await portal.channel.close()
    application = applied.application.application_id
    reviewer = Cli(own_stack, ["credit_reviewer"])
    code, out = reviewer("credit", "repairs", "overdue", "--json")
    assert (code, json.loads(out)) == (0, [])

    code, out = reviewer("credit", "objections", "overdue", "--json")
    assert (code, json.loads(out)) == (0, [])
    due = max(convert.from_date(c.deadline.due_date) for c in (applied.application, filed.objection))
    today = await service_today(own_stack, "credit")
    assert Cli(own_stack, ["admin"])("clock", "advance", f"{(due - today).days + 1}d")[0] == 0
    code, out = reviewer("credit", "repairs", "overdue")
    assert (code, "350200-SCJ: 1 pending repair applications, 1 overdue on" in out) == (0, True)
    code, out = reviewer("credit", "repairs", "overdue", "--json")
    assert [a["application_id"] for a in json.loads(out)] == [application]
    code, out = reviewer("credit", "objections", "overdue")
    assert (code, "350200-SCJ: 1 pending objections, 1 overdue on" in out) == (0, True)
    code, out = reviewer("credit", "objections", "overdue", "--json")
    assert [o["objection_id"] for o in json.loads(out)] == [filed.objection.objection_id]
    announced = await eventually(
        lambda: find_event(
            own_stack,
            credit_events.CASE_OVERDUE,
            lambda e: e.WhichOneof("case") == "application" and e.application.application_id == application,
        ),
        timeout=90.0,
        what="credit.case_overdue",
    )
    assert announced.application.deadline.due_date == applied.application.deadline.due_date
    objection = filed.objection.objection_id
    await eventually(
        lambda: find_event(
            own_stack,
            credit_events.CASE_OVERDUE,
            lambda e: e.WhichOneof("case") == "objection" and e.objection.objection_id == objection,
        ),
        timeout=90.0,
        what="credit.case_overdue of the objection",
    )
