"""ConcludeTask on the real handler set, with the kernel's in-memory database and the memory
version of the task store: no PostgreSQL, no NATS (the integration tests cover the SQL)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import grpc
import pytest

from chengnuo.events.v1 import verification_events_pb2 as events
from chengnuo.verification.v1 import referrals_pb2 as rpb
from chengnuo.verification.v1 import verification_pb2 as pb
from services.contracts import roles
from services.kernel import convert
from services.kernel.audit import digest
from services.kernel.auth import Caller
from services.kernel.clock import CHINA, FixedClock
from services.kernel.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ServiceError,
)
from services.kernel.rpc.status import to_status
from services.verification.api.tasks import TaskHandlers
from tests.support.memory import acting_as, caller
from tests.support.memory_verification import add_task, assign, memory_database, verification_deps

DEPARTMENT = "350200-SCJ"
NOW = dt.datetime(2026, 11, 24, 10, 30, tzinfo=CHINA)
TODAY = NOW.date()
VERIFIER = caller(roles.VERIFIER, subject="verifier-1", department=DEPARTMENT)


class World:
    def __init__(self) -> None:
        self.db = memory_database(FixedClock(NOW))
        self.deps = verification_deps(self.db)
        self.handlers = TaskHandlers(self.deps)

    def task(self, **changes: object) -> uuid.UUID:
        return add_task(self.db.tables, at=NOW - dt.timedelta(days=3), **changes)

    async def conclude(self, request: pb.ConcludeTaskRequest, who: Caller = VERIFIER) -> pb.Task:
        with acting_as(who):
            return (await self.handlers.ConcludeTask(request, None)).task

    async def refusal(self, request: pb.ConcludeTaskRequest, who: Caller = VERIFIER) -> ServiceError:
        with acting_as(who), pytest.raises(ServiceError) as refused:
            await self.handlers.ConcludeTask(request, None)
        return refused.value

    def row(self, task_id: uuid.UUID) -> dict[str, Any]:
        found = self.db.tables.first("task", task_id=task_id)
        assert found is not None
        return found


def conclusion(task_id: uuid.UUID | str, **changes: object) -> pb.ConcludeTaskRequest:
    request = pb.ConcludeTaskRequest(
        request_id=str(uuid.uuid4()),
        task_id=str(task_id),
        outcome=pb.OUTCOME_TRUE,
        findings=" 经营场所使用权属实 ",
        decision_date=convert.to_date(TODAY),
        evidence_refs=[" 卷宗 2026-001 第3页 "],
    )
    for name, value in changes.items():
        if name == "measures":
            del request.measures[:]
            request.measures.extend(value)  # type: ignore[arg-type]
        elif name in ("decision_date", "referral", "escalation"):
            getattr(request, name).CopyFrom(value)
        else:
            setattr(request, name, value)
    return request


PENALTY = pb.Measure(kind=pb.MEASURE_KIND_PENALTY, legal_basis="《行政许可法》第七十九条")
REFERRAL = pb.Measure(
    kind=pb.MEASURE_KIND_REFER_TO_JUDICIARY, legal_basis="《行政执法机关移送涉嫌犯罪案件的规定》"
)

MOVED = rpb.ReferralDetail(
    suspected_offence="涉嫌伪造国家机关证件",
    materials=["案件移送书", "询问笔录"],
    receiving_organ="厦门市公安局",
)


def fields(refused: ServiceError) -> list[str]:
    assert isinstance(refused, InvalidArgument)
    return [v.field for v in refused.violations]


def nothing_written(world: World, task_id: uuid.UUID) -> None:
    assert world.row(task_id)["status"] == "TASK_STATUS_OPEN"
    assert world.db.events == []
    assert world.db.audits == []
    assert world.db.tables.rows("idempotency") == []


async def test_a_true_conclusion_is_stored_with_its_deadlines_announced_and_audited() -> None:
    world = World()
    task_id = world.task()
    request = conclusion(task_id)

    done = await world.conclude(request)

    calendar = world.deps.calendar.current
    publish = calendar.add_working_days(TODAY, 20).date
    assert (done.status, done.outcome) == (pb.TASK_STATUS_CONCLUDED, pb.OUTCOME_TRUE)
    assert done.findings == "经营场所使用权属实"
    assert list(done.evidence_refs) == ["卷宗 2026-001 第3页"]
    assert done.concluded_by == "verifier-1"
    assert convert.from_date(done.push_deadline) == TODAY + dt.timedelta(days=5)
    assert convert.from_date(done.publication_deadline) == publish
    assert not done.HasField("decision_publication_deadline")  # no licence or penalty decision
    assert done.publication_rule_set == "PUBLICATION-2021"
    stored = world.row(task_id)
    assert stored["status"] == "TASK_STATUS_CONCLUDED"
    assert (stored["outcome"], stored["findings"]) == ("OUTCOME_TRUE", "经营场所使用权属实")
    assert (stored["decision_date"], stored["concluded_at"], stored["concluded_by"]) == (
        TODAY,
        NOW,
        "verifier-1",
    )
    assert (stored["push_deadline"], stored["publication_deadline"]) == (
        TODAY + dt.timedelta(days=5),
        publish,
    )
    assert stored["measures"] == []
    announced, published = world.db.events
    assert (announced.subject, announced.entity) == ("verification.concluded", f"task/{task_id}")
    assert published.subject == "public.verification_outcome"  # 事后公开, in the same transaction
    concluded = announced.message
    assert isinstance(concluded, events.VerificationConcluded)
    assert (concluded.task_id, concluded.outcome) == (str(task_id), pb.OUTCOME_TRUE)
    assert concluded.subject.code == "91350200MA2YJ1XR9G"
    assert concluded.publication_deadline == done.publication_deadline
    assert concluded.push_deadline == done.push_deadline
    assert world.db.messages(events.FalseCommitmentFound) == []
    (audit,) = world.db.audits
    assert (audit.action, audit.target, audit.subject_code) == (
        "task.conclude",
        f"task/{task_id}",
        "91350200MA2YJ1XR9G",
    )
    assert (audit.actor, audit.department, audit.request_id) == ("verifier-1", DEPARTMENT, request.request_id)
    assert audit.change_digest == digest("OUTCOME_TRUE")


async def test_a_false_conclusion_also_announces_the_false_commitment_for_the_credit_service() -> None:
    world = World()
    task_id = world.task(method="ON_SITE", safety_related=True)
    assign(world.db.tables, task_id, ["ZF35020001", "ZF35020002"], at=NOW - dt.timedelta(days=1))

    done = await world.conclude(
        conclusion(
            task_id,
            outcome=pb.OUTCOME_FALSE,
            findings="无该经营场所的使用权记录",
            measures=[PENALTY, REFERRAL],
            referral=MOVED,
        )
    )

    calendar = world.deps.calendar.current
    assert convert.from_date(done.decision_publication_deadline) == calendar.add_working_days(TODAY, 7).date
    assert list(done.measures) == [PENALTY, REFERRAL]
    assert [e.subject for e in world.db.events] == [
        "verification.concluded",
        "verification.false_commitment",
        "public.verification_outcome",
        "public.decision",  # the penalty (双公示); the referral is not a decision published
        "verification.referral_created",
    ]
    (referral,) = world.db.tables.rows("referral")
    assert (referral["task_id"], referral["receiving_organ"]) == (task_id, "厦门市公安局")
    (found,) = world.db.messages(events.FalseCommitmentFound)
    assert (found.task_id, found.deciding_department, found.region_code) == (
        str(task_id),
        DEPARTMENT,
        "350200",
    )
    assert found.findings == "无该经营场所的使用权记录"
    assert list(found.measures) == [PENALTY, REFERRAL]
    assert found.referred_to_judiciary
    assert found.safety_related_item
    assert convert.from_date(found.decision_date) == TODAY
    (concluded,) = world.db.messages(events.VerificationConcluded)
    assert concluded.outcome == pb.OUTCOME_FALSE
    assert list(concluded.measures) == [PENALTY, REFERRAL]
    assert [m["kind"] for m in world.row(task_id)["measures"]] == [
        "MEASURE_KIND_PENALTY",
        "MEASURE_KIND_REFER_TO_JUDICIARY",
    ]


async def test_an_on_site_check_is_concluded_by_two_inspectors_a_document_check_by_anyone() -> None:
    world = World()
    on_site = world.task(method="ON_SITE")
    assign(world.db.tables, on_site, ["ZF35020001"], at=NOW)

    refused = await world.refusal(conclusion(on_site))

    assert to_status(refused).code == grpc.StatusCode.FAILED_PRECONDITION
    assert isinstance(refused, FailedPrecondition)
    (why,) = refused.violations
    assert (why.type, why.subject) == ("TASK_NOT_ASSIGNED", str(on_site))
    assert why.description == "an on-site check is done by 2 inspectors"
    nothing_written(world, on_site)

    assign(world.db.tables, on_site, ["ZF35020002"], at=NOW)
    assert (await world.conclude(conclusion(on_site))).status == pb.TASK_STATUS_CONCLUDED
    document = world.task(method="DOCUMENT")  # nobody assigned
    assert (await world.conclude(conclusion(document))).status == pb.TASK_STATUS_CONCLUDED


@pytest.mark.parametrize("status", ["TASK_STATUS_CONCLUDED", "TASK_STATUS_CANCELLED"])
async def test_only_an_open_task_is_concluded(status: str) -> None:
    world = World()
    task_id = world.task(status=status)

    refused = await world.refusal(conclusion(task_id))

    assert to_status(refused).code == grpc.StatusCode.FAILED_PRECONDITION
    assert isinstance(refused, FailedPrecondition)
    assert [(v.type, v.subject) for v in refused.violations] == [("TASK_NOT_OPEN", str(task_id))]
    assert refused.message == f"the task is {status}, no longer open"
    assert world.row(task_id)["status"] == status
    assert world.db.events == []
    assert world.db.audits == []


async def test_bad_conclusions_are_refused_by_field_before_anything_is_read() -> None:
    world = World()
    task_id = world.task()
    cases = [
        (conclusion(task_id, outcome=pb.OUTCOME_FALSE), ["measures"]),
        (conclusion(task_id, measures=[PENALTY]), ["measures"]),
        (conclusion(task_id, outcome=pb.OUTCOME_UNSPECIFIED, findings="  "), ["outcome", "findings"]),
        (conclusion(task_id, decision_date=convert.to_date(TODAY + dt.timedelta(days=1))), ["decision_date"]),
        (
            conclusion(
                task_id,
                outcome=pb.OUTCOME_FALSE,
                measures=[pb.Measure(kind=pb.MEASURE_KIND_ORDER_RECTIFICATION, legal_basis="x")],
            ),
            ["measures[0].deadline"],
        ),
        (conclusion("not-a-uuid"), ["task_id"]),
        (conclusion(task_id, request_id=""), ["request_id"]),
    ]
    for request, expected in cases:
        refused = await world.refusal(request)
        assert to_status(refused).code == grpc.StatusCode.INVALID_ARGUMENT
        assert fields(refused) == expected, request
    nothing_written(world, task_id)


async def test_a_decision_date_no_publication_rule_set_covers_is_refused_on_that_field() -> None:
    world = World()
    task_id = world.task()

    refused = await world.refusal(conclusion(task_id, decision_date=convert.to_date(dt.date(2019, 5, 6))))

    assert fields(refused) == ["decision_date"]
    nothing_written(world, task_id)


async def test_an_unknown_task_or_another_departments_task_is_not_concluded() -> None:
    world = World()
    task_id = world.task()

    unknown = await world.refusal(conclusion(uuid.uuid4()))
    assert isinstance(unknown, NotFound)
    assert (to_status(unknown).code, unknown.resource, unknown.field) == (
        grpc.StatusCode.NOT_FOUND,
        "task",
        "task_id",
    )

    stranger = caller(roles.VERIFIER, subject="verifier-2", department="350200-SWJ")
    foreign = await world.refusal(conclusion(task_id), who=stranger)
    assert isinstance(foreign, PermissionDenied)
    assert to_status(foreign).code == grpc.StatusCode.PERMISSION_DENIED
    nothing_written(world, task_id)


async def test_a_retry_gets_the_first_answer_and_concludes_nothing_again() -> None:
    world = World()
    task_id = world.task()
    request = conclusion(task_id)

    first = await world.conclude(request)
    again = await world.conclude(request)

    assert again == first
    assert [e.subject for e in world.db.events] == ["verification.concluded", "public.verification_outcome"]
    assert [a.action for a in world.db.audits] == ["task.conclude"]

    other = conclusion(task_id, outcome=pb.OUTCOME_UNVERIFIABLE)
    other.request_id = request.request_id  # the same id for a different conclusion
    refused = await world.refusal(other)
    assert fields(refused) == ["request_id"]
    assert world.row(task_id)["outcome"] == "OUTCOME_TRUE"
    assert len(world.db.events) == 2  # nothing more: the outcome and its publication
