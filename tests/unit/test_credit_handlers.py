"""The credit service's core paths on the real consumer and handler set, with the kernel's
in-memory database and the memory versions of the credit stores: no PostgreSQL, no NATS (the
integration tests cover the SQL).

A false commitment found by verification becomes a dishonesty record whose class and periods come
from the packaged rule sets; approving a repair ends it. Both announce and audit what changed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import grpc
import pytest

from chengnuo.common.v1 import subject_pb2
from chengnuo.credit.v1 import credit_pb2
from chengnuo.credit.v1 import repair_pb2 as pb
from chengnuo.events.v1 import credit_events_pb2 as credit_events
from chengnuo.events.v1 import public_events_pb2 as public_events
from chengnuo.events.v1 import verification_events_pb2 as verification_events
from services.contracts import roles
from services.contracts.events import CATALOG
from services.credit.api.repair import RepairHandlers
from services.credit.consumers import Consumers
from services.kernel import convert
from services.kernel.audit import digest
from services.kernel.clock import CHINA, FixedClock
from services.kernel.errors import FailedPrecondition, ServiceError
from services.kernel.events import EventMeta
from services.kernel.rpc.status import to_status
from tests.support import new_uscc
from tests.support.memory import MemoryDatabase, acting_as, caller
from tests.support.memory_credit import PUBLICITY_KEY, credit_deps, credit_stores

D = dt.date
DEPARTMENT = "350200-SCJ"
REGION = "350200"
DECIDED = D(2026, 6, 1)  # under NDRC-36 (in force from 2026-04-01)
PORTAL = caller(roles.PORTAL, subject="portal:xm", department="350200-ZWFW", region=REGION)
REVIEWER = caller(roles.CREDIT_REVIEWER, subject="reviewer:1", department=DEPARTMENT, region=REGION)


def china(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 10, tzinfo=CHINA)


class World:
    def __init__(self) -> None:
        self.clock = FixedClock(china(D(2026, 6, 3)))
        self.db = MemoryDatabase(self.clock, CATALOG)
        self.store = credit_stores(self.db)
        self.consumers = Consumers(self.store, PUBLICITY_KEY)
        self.repair = RepairHandlers(credit_deps(self.db, self.store))
        self.uscc = new_uscc(REGION)

    def false_commitment(
        self, decided: dt.date = DECIDED, *, referred: bool = False
    ) -> verification_events.FalseCommitmentFound:
        return verification_events.FalseCommitmentFound(
            task_id=str(uuid.uuid4()),
            commitment_id=str(uuid.uuid4()),
            commitment_code=f"{REGION}{decided:%Y%m%d}000001",
            subject=subject_pb2.SubjectRef(kind=subject_pb2.SUBJECT_KIND_LEGAL_PERSON, code=self.uscc),
            subject_name="厦门示例餐饮有限公司",
            item_name="营业场所使用证明",
            deciding_department=DEPARTMENT,
            region_code=REGION,
            decision_date=convert.to_date(decided),
            findings="不动产登记系统无该经营场所的使用权记录",
            referred_to_judiciary=referred,
        )

    async def deliver(self, event: verification_events.FalseCommitmentFound, event_id: str = "") -> str:
        """Apply the event as the inbox consumer does: in a unit of work of its own."""
        meta = EventMeta(event_id or str(uuid.uuid4()), "", "/test", "", self.clock.now())
        async with self.db.unit_of_work(request_id=meta.id) as uow:
            await self.consumers.on_false_commitment(event, uow, meta)
        return meta.id

    def records(self) -> list[dict[str, object]]:
        return self.db.tables.rows("dishonesty_record")

    def applications(self) -> list[dict[str, object]]:
        return self.db.tables.rows("repair_application")

    async def record_id(self) -> str:
        await self.deliver(self.false_commitment())
        (record,) = self.records()
        return str(record["record_id"])

    def apply_request(self, record_id: str, **changes: object) -> pb.ApplyRepairRequest:
        request = pb.ApplyRepairRequest(
            request_id=str(uuid.uuid4()),
            record_id=record_id,
            obligations_performed="已补正经营场所使用权证明并缴清罚款",
            evidence=["收据 2026-08-20"],
            repair_commitment="本单位承诺今后如实承诺，自愿接受监督。",
            applicant=subject_pb2.SubjectRef(kind=subject_pb2.SUBJECT_KIND_LEGAL_PERSON, code=self.uscc),
        )
        for name, value in changes.items():
            setattr(request, name, value)
        return request

    async def apply(self, request: pb.ApplyRepairRequest) -> pb.ApplyRepairResponse:
        with acting_as(PORTAL):
            return await self.repair.ApplyRepair(request, None)

    async def decide(
        self, application_id: str, decision: pb.RepairDecision.ValueType, reason: str = ""
    ) -> pb.DecideRepairResponse:
        request = pb.DecideRepairRequest(
            request_id=str(uuid.uuid4()), application_id=application_id, decision=decision, reason=reason
        )
        with acting_as(REVIEWER):
            return await self.repair.DecideRepair(request, None)

    async def applied(self) -> str:
        """A record past its minimum period, with a repair application pending."""
        record_id = await self.record_id()
        self.clock.at = china(D(2026, 9, 2))  # the minimum of three months ended on 2026-09-01
        return (await self.apply(self.apply_request(record_id))).application.application_id


def fields(error: ServiceError) -> list[str]:
    return [v.field for v in getattr(error, "violations", [])]


def violation(error: ServiceError) -> tuple[str, str, dt.date | None]:
    assert isinstance(error, FailedPrecondition)
    (why,) = error.violations
    return why.type, why.subject, why.until


# Creating a record from the false-commitment event.


@dataclass(frozen=True)
class Case:
    decided: dt.date
    referred: bool
    rule_set: str
    rule: str
    record_class: str
    repairable: dt.date
    ends: dt.date
    measures: list[str]
    restricts: list[str]


CASES = [
    Case(
        DECIDED,
        False,
        "NDRC-36",
        "default_false_commitment",
        "ORDINARY",
        D(2026, 9, 1),  # ordinary: minimum 3 months
        D(2027, 6, 1),  # maximum 1 year
        ["NO_COMMITMENT_ROUTE", "HIGHER_INSPECTION_RATE"],
        ["NO_COMMITMENT"],
    ),
    Case(
        DECIDED,
        True,
        "NDRC-36",
        "referred_to_judiciary",
        "SERIOUS",
        D(2027, 6, 1),  # serious: minimum 1 year
        D(2029, 6, 1),  # maximum 3 years
        [
            "NO_COMMITMENT_ROUTE",
            "PRIORITY_SUPERVISION",
            "HIGHER_INSPECTION_RATE",
            "SUBSIDY_LIMIT",
            "HONOURS_LIMIT",
        ],
        ["NO_COMMITMENT", "PRIORITY_SUPERVISION"],
    ),
    Case(
        D(2026, 3, 31),  # the last day of the old rules
        False,
        "NDRC-58",
        "default_false_commitment",
        "ORDINARY",
        D(2026, 6, 30),  # minimum 3 months
        D(2029, 3, 31),  # maximum 3 years
        ["NO_COMMITMENT_ROUTE", "HIGHER_INSPECTION_RATE"],
        ["NO_COMMITMENT"],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.rule_set}-{c.rule}")
async def test_a_false_commitment_makes_a_record_with_the_periods_of_the_rule_set_in_force(
    case: Case,
) -> None:
    world = World()
    event = world.false_commitment(case.decided, referred=case.referred)

    event_id = await world.deliver(event)

    (row,) = world.records()
    assert (row["rule_set"], row["rule"], row["record_class"]) == (
        case.rule_set,
        case.rule,
        case.record_class,
    )
    periods = (row["publicity_start"], row["repairable_from"], row["publicity_end"])
    assert periods == (case.decided, case.repairable, case.ends)
    assert row["status"] == "RECORD_STATUS_PUBLISHED"
    assert row["published"] is True
    pinned = (row["measures"], row["measure_catalogue"], row["restricts"])
    assert pinned == (case.measures, "MEASURES-2020", case.restricts)
    assert (row["source_event_id"], row["commitment_id"]) == (event_id, uuid.UUID(event.commitment_id))
    assert (row["subject_code"], row["deciding_department"]) == (world.uscc, DEPARTMENT)
    # The repair notice goes with the decision (两书同达), filled from the record's own periods.
    assert f"自{case.repairable.isoformat()}起" in str(row["repair_notice"])
    assert f"最长公示期至{case.ends.isoformat()}" in str(row["repair_notice"])
    assert DEPARTMENT in str(row["repair_notice"])


async def test_a_new_record_is_announced_audited_and_restricts_the_subject() -> None:
    world = World()

    event_id = await world.deliver(world.false_commitment())

    (row,) = world.records()
    record_id = str(row["record_id"])
    created, published, restricted, graded = world.db.events
    assert created.entity == f"record/{record_id}"
    assert isinstance(created.message, credit_events.RecordCreated)
    # Published (公示) in the same unit of work, for the public site.
    assert (published.subject, published.entity) == ("public.record", f"record/{record_id}")
    assert isinstance(published.message, public_events.PublicRecord)
    assert (published.message.record_number, published.message.record_class) == (record_id, "一般")
    record = created.message.record
    assert (record.record_id, record.subject.code, record.rule_set) == (record_id, world.uscc, "NDRC-36")
    assert record.record_class == credit_pb2.RECORD_CLASS_ORDINARY
    assert record.status == credit_pb2.RECORD_STATUS_PUBLISHED
    assert convert.from_date(record.publicity_end) == D(2027, 6, 1)

    # The commitment route is barred until repair or the maximum period ends.
    assert restricted.entity == f"subject/{world.uscc}"
    assert isinstance(restricted.message, credit_events.RestrictionChanged)
    assert restricted.message.version == 1
    (restriction,) = restricted.message.restrictions
    assert restriction.kind == credit_pb2.RESTRICTION_KIND_NO_COMMITMENT
    assert restriction.cause == credit_pb2.RESTRICTION_CAUSE_EARLIER_FALSE_COMMITMENT
    assert restriction.record_id == record_id
    assert convert.from_date(restriction.repairable_from) == D(2026, 9, 1)
    assert convert.from_date(restriction.ends_on) == D(2027, 6, 1)
    assert not restriction.disputed

    # An ordinary record in force: 80 - 25 = 55, grade C (SAMR-2022-6).
    assert isinstance(graded.message, credit_events.GradeChanged)
    assert (graded.message.grade, graded.message.score) == (credit_pb2.GRADE_C, 55)
    assert graded.message.rule_set == "SAMR-2022-6"

    assert [(a.action, a.target) for a in world.db.audits] == [
        ("record.create", f"record/{record_id}"),
        ("subject.restrictions", f"subject/{world.uscc}"),
        ("subject.grade", f"subject/{world.uscc}"),
    ]
    created_entry = world.db.audits[0]
    assert created_entry.subject_code == world.uscc
    assert created_entry.change_digest == digest(event_id)  # the event the record came from
    (state,) = world.db.tables.rows("subject_version")
    assert (state["version"], state["grade"], state["score"]) == (1, "C", 55)


async def test_the_same_event_delivered_twice_makes_one_record() -> None:
    world = World()
    event = world.false_commitment()
    event_id = await world.deliver(event)
    events, audits = len(world.db.events), len(world.db.audits)

    await world.deliver(event, event_id)

    assert len(world.records()) == 1
    assert len(world.db.events) == events
    assert len(world.db.audits) == audits


async def test_a_second_false_commitment_within_two_years_is_serious() -> None:
    world = World()
    await world.deliver(world.false_commitment(D(2026, 5, 4)))

    await world.deliver(world.false_commitment(DECIDED))

    first, second = sorted(world.records(), key=lambda r: str(r["decision_date"]))
    assert (first["record_class"], second["record_class"]) == ("ORDINARY", "SERIOUS")
    assert second["rule"] == "repeat_within_period"
    assert second["publicity_end"] == D(2029, 6, 1)


# Approving a repair.


async def test_approving_a_repair_ends_the_record_and_lifts_its_restriction() -> None:
    world = World()
    application_id = await world.applied()
    before = len(world.db.events)

    reply = await world.decide(application_id, pb.REPAIR_DECISION_APPROVE)

    assert reply.application.status == pb.REPAIR_STATUS_APPROVED
    assert reply.application.decided_by == "reviewer:1"
    assert reply.record.status == credit_pb2.RECORD_STATUS_REPAIRED
    assert convert.from_date(reply.record.ended_on) == D(2026, 9, 2)
    (row,) = world.records()
    assert (row["status"], row["ended_on"]) == ("RECORD_STATUS_REPAIRED", D(2026, 9, 2))
    (application,) = world.applications()
    assert (application["status"], application["decided_at"]) == (
        "REPAIR_STATUS_APPROVED",
        china(D(2026, 9, 2)),
    )

    repaired, withdrawn, lifted, regraded = world.db.events[before:]
    assert repaired.entity == f"record/{row['record_id']}"
    # Repair stops publication (信用修复): the public site withdraws the record.
    assert isinstance(withdrawn.message, public_events.PublicRecordWithdrawn)
    assert withdrawn.message.reason == public_events.WITHDRAWAL_REPAIRED
    assert convert.from_date(withdrawn.message.withdrawn_on) == D(2026, 9, 2)
    assert isinstance(repaired.message, credit_events.RecordRepaired)
    assert repaired.message.record.status == credit_pb2.RECORD_STATUS_REPAIRED
    assert repaired.message.application.application_id == application_id
    assert isinstance(lifted.message, credit_events.RestrictionChanged)
    assert (lifted.message.version, list(lifted.message.restrictions)) == (2, [])
    assert isinstance(regraded.message, credit_events.GradeChanged)
    assert (regraded.message.grade, regraded.message.score) == (credit_pb2.GRADE_B, 80)

    decided = [a for a in world.db.audits if a.action == "repair.decide"]
    assert [(a.target, a.actor, a.subject_code) for a in decided] == [
        (f"repair/{application_id}", "reviewer:1", world.uscc)
    ]


async def test_a_refused_repair_keeps_the_record_in_force_and_announces_nothing() -> None:
    world = World()
    application_id = await world.applied()
    before = len(world.db.events)

    reply = await world.decide(application_id, pb.REPAIR_DECISION_REFUSE, "义务尚未全部履行")

    assert reply.application.status == pb.REPAIR_STATUS_REFUSED
    assert reply.application.decision_reason == "义务尚未全部履行"
    assert reply.record.status == credit_pb2.RECORD_STATUS_PUBLISHED
    assert world.records()[0]["status"] == "RECORD_STATUS_PUBLISHED"
    assert world.db.events[before:] == []
    assert world.db.audits[-1].action == "repair.decide"


async def test_a_decided_application_is_not_decided_again() -> None:
    world = World()
    application_id = await world.applied()
    await world.decide(application_id, pb.REPAIR_DECISION_APPROVE)
    events, audits = len(world.db.events), len(world.db.audits)

    with pytest.raises(ServiceError) as refused:
        await world.decide(application_id, pb.REPAIR_DECISION_REFUSE, "再议")

    assert to_status(refused.value).code == grpc.StatusCode.FAILED_PRECONDITION
    assert refused.value.message == "the repair application is decided already"
    assert violation(refused.value) == ("ALREADY_DECIDED", application_id, None)
    assert world.applications()[0]["status"] == "REPAIR_STATUS_APPROVED"
    assert (len(world.db.events), len(world.db.audits)) == (events, audits)


async def test_a_record_that_ended_meanwhile_is_not_repaired() -> None:
    world = World()
    application_id = await world.applied()
    world.db.tables.update("dishonesty_record", {"status": "RECORD_STATUS_EXPIRED"})
    events, audits = len(world.db.events), len(world.db.audits)

    with pytest.raises(ServiceError) as refused:
        await world.decide(application_id, pb.REPAIR_DECISION_APPROVE)

    assert to_status(refused.value).code == grpc.StatusCode.FAILED_PRECONDITION
    assert refused.value.message == "the record is no longer in force"
    kind, subject, _ = violation(refused.value)
    assert (kind, subject) == ("RECORD_NOT_IN_FORCE", str(world.records()[0]["record_id"]))
    assert world.applications()[0]["status"] == "REPAIR_STATUS_PENDING"  # the refusal kept nothing
    assert world.records()[0]["status"] == "RECORD_STATUS_EXPIRED"
    assert (len(world.db.events), len(world.db.audits)) == (events, audits)


@pytest.mark.parametrize(
    ("decision", "reason", "field"),
    [
        (pb.REPAIR_DECISION_UNSPECIFIED, "说明", "decision"),
        (pb.REPAIR_DECISION_REFUSE, "  ", "reason"),  # a refusal says why
    ],
)
async def test_a_decision_without_its_parts_is_refused_naming_the_field(
    decision: pb.RepairDecision.ValueType, reason: str, field: str
) -> None:
    world = World()
    application_id = await world.applied()
    events, audits = len(world.db.events), len(world.db.audits)

    with pytest.raises(ServiceError) as refused:
        await world.decide(application_id, decision, reason)

    assert to_status(refused.value).code == grpc.StatusCode.INVALID_ARGUMENT
    assert fields(refused.value) == [field]
    assert world.applications()[0]["status"] == "REPAIR_STATUS_PENDING"
    assert (len(world.db.events), len(world.db.audits)) == (events, audits)


async def test_repair_is_applied_for_only_after_the_minimum_period() -> None:
    world = World()
    record_id = await world.record_id()
    world.clock.at = china(D(2026, 8, 31))

    with pytest.raises(ServiceError) as refused:
        await world.apply(world.apply_request(record_id))

    assert to_status(refused.value).code == grpc.StatusCode.FAILED_PRECONDITION
    assert violation(refused.value) == ("MINIMUM_PERIOD_NOT_ENDED", record_id, D(2026, 9, 1))
    assert world.applications() == []


async def test_an_application_missing_what_repair_needs_is_refused_naming_each_field() -> None:
    world = World()
    record_id = await world.record_id()
    world.clock.at = china(D(2026, 9, 2))
    audits = len(world.db.audits)

    with pytest.raises(ServiceError) as refused:
        await world.apply(world.apply_request(record_id, obligations_performed=" ", repair_commitment=""))

    assert to_status(refused.value).code == grpc.StatusCode.INVALID_ARGUMENT
    assert fields(refused.value) == ["obligations_performed", "repair_commitment"]
    assert world.applications() == []
    assert len(world.db.audits) == audits


async def test_a_second_application_while_one_is_pending_is_refused() -> None:
    world = World()
    await world.applied()
    record_id = str(world.records()[0]["record_id"])

    with pytest.raises(ServiceError) as refused:
        await world.apply(world.apply_request(record_id))

    assert to_status(refused.value).code == grpc.StatusCode.FAILED_PRECONDITION
    assert violation(refused.value) == ("REPAIR_PENDING", record_id, None)
    assert len(world.applications()) == 1
