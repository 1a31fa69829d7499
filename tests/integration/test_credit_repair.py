"""Credit repair (信用修复): after the minimum period, decided by the recording department within
working-day deadlines; approval lifts everything once."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2

from chengnuo.credit.v1 import credit_pb2 as pb
from chengnuo.credit.v1 import repair_pb2 as rpb
from chengnuo.events.v1 import credit_events_pb2 as events
from services.kernel import convert
from tests.conftest import Servers
from tests.integration.test_credit_world import CreditWorld, credit_world, record_of, ref, rid
from tests.support import failure, new_uscc

D = dt.date
TABLES = ("repair_application", "idempotency", "outbox", "audit_log")


@pytest.fixture
async def credit(servers: Servers, tmp_path: Path) -> AsyncIterator[CreditWorld]:
    async with credit_world(servers, tmp_path, D(2026, 7, 1)) as made:  # a Wednesday
        yield made


def application(record_id: str, uscc: str) -> rpb.ApplyRepairRequest:
    return rpb.ApplyRepairRequest(
        request_id=rid(),
        record_id=record_id,
        applicant=ref(uscc),
        obligations_performed="已补交不动产权属证明并纠正失信行为",
        evidence=["不动产权证书 闽(2026)厦门市不动产权第0001号"],
        repair_commitment="本单位承诺今后依法诚信经营，如有违反自愿接受惩戒（信用修复承诺）",
    )


async def _written(credit: CreditWorld) -> tuple[int, ...]:
    return tuple([await credit.count(t) for t in TABLES])


async def test_repair_before_the_minimum_period_is_refused_with_the_date_and_nothing_stored(
    credit: CreditWorld,
) -> None:
    uscc = new_uscc()
    record_id = await record_of(credit, uscc, D(2026, 4, 2))  # NDRC-36 ordinary: repairable 2026-07-02
    before = await _written(credit)
    refused = await failure(credit.as_role("portal").repair.ApplyRepair(application(record_id, uscc)))
    assert refused.code == grpc.StatusCode.FAILED_PRECONDITION
    assert refused.precondition_types() == [("MINIMUM_PERIOD_NOT_ENDED", record_id)]
    assert "2026-07-02" in refused.message
    (info,) = [d for d in refused.details if isinstance(d, error_details_pb2.ErrorInfo)]
    assert info.metadata[f"until.{record_id}"] == "2026-07-02"
    assert await _written(credit) == before


async def test_a_portal_applies_only_for_the_subject_it_acts_for(credit: CreditWorld) -> None:
    uscc = new_uscc()
    record_id = await record_of(credit, uscc, D(2026, 3, 1))
    before = await _written(credit)
    refused = await failure(credit.as_role("portal").repair.ApplyRepair(application(record_id, new_uscc())))
    assert refused.code == grpc.StatusCode.PERMISSION_DENIED
    assert "another subject" in refused.message
    assert await _written(credit) == before


async def test_deadline_is_three_working_days_extendable_once_by_three(credit: CreditWorld) -> None:
    uscc = new_uscc()
    record_id = await record_of(credit, uscc, D(2026, 3, 1))  # NDRC-58 ordinary: repairable 2026-06-01
    applied = (await credit.as_role("portal").repair.ApplyRepair(application(record_id, uscc))).application
    assert applied.status == rpb.REPAIR_STATUS_PENDING
    assert convert.from_date(applied.deadline.due_date) == D(2026, 7, 6)  # Wed + 3 working days
    assert applied.rule_set == "NDRC-36"
    reviewer = credit.as_role("credit_reviewer")
    extend = rpb.ExtendRepairDeadlineRequest(
        request_id=rid(), application_id=applied.application_id, reason="需向不动产登记机构核实材料"
    )
    extended = (await reviewer.repair.ExtendRepairDeadline(extend)).application
    assert convert.from_date(extended.deadline.due_date) == D(2026, 7, 9)
    assert (extended.deadline.extended, extended.deadline.extension_reason) == (
        True,
        "需向不动产登记机构核实材料",
    )
    again = rpb.ExtendRepairDeadlineRequest(
        request_id=rid(), application_id=applied.application_id, reason="再延"
    )
    refused = await failure(reviewer.repair.ExtendRepairDeadline(again))
    assert refused.precondition_types() == [("EXTENSION_USED", applied.application_id)]
    assert await credit.count("audit_log", "action = 'repair.extend'") == 1
    queue = await reviewer.repair.ListRepairApplications(
        rpb.ListRepairApplicationsRequest(status=rpb.REPAIR_STATUS_PENDING)
    )
    assert [a.application_id for a in queue.applications] == [applied.application_id]


async def test_only_a_reviewer_of_the_recording_department_decides(credit: CreditWorld) -> None:
    uscc = new_uscc()
    record_id = await record_of(credit, uscc, D(2026, 3, 1))
    applied = (await credit.as_role("portal").repair.ApplyRepair(application(record_id, uscc))).application
    decide = rpb.DecideRepairRequest(
        request_id=rid(), application_id=applied.application_id, decision=rpb.REPAIR_DECISION_APPROVE
    )
    before = await _written(credit)
    officer = await failure(credit.as_role("credit_officer").repair.DecideRepair(decide))
    assert officer.code == grpc.StatusCode.PERMISSION_DENIED
    assert "credit_reviewer" in officer.message
    elsewhere = await failure(
        credit.as_role("credit_reviewer", department="350100-SCJ").repair.DecideRepair(decide)
    )
    assert elsewhere.code == grpc.StatusCode.PERMISSION_DENIED
    assert await _written(credit) == before
    assert (
        await credit.as_role("credit_officer").credit.GetRecord(pb.GetRecordRequest(record_id=record_id))
    ).record.status == pb.RECORD_STATUS_PUBLISHED


async def test_a_refusal_says_why_and_lifts_nothing(credit: CreditWorld) -> None:
    uscc = new_uscc()
    record_id = await record_of(credit, uscc, D(2026, 3, 1))
    applied = (await credit.as_role("portal").repair.ApplyRepair(application(record_id, uscc))).application
    reviewer = credit.as_role("credit_reviewer")
    silent = rpb.DecideRepairRequest(
        request_id=rid(), application_id=applied.application_id, decision=rpb.REPAIR_DECISION_REFUSE
    )
    assert (await failure(reviewer.repair.DecideRepair(silent))).fields() == ["reason"]
    silent.reason = "未提供已履行行政处罚决定的证明"
    refused = await reviewer.repair.DecideRepair(silent)
    assert refused.application.status == rpb.REPAIR_STATUS_REFUSED
    assert refused.application.decision_reason == "未提供已履行行政处罚决定的证明"
    assert refused.record.status == pb.RECORD_STATUS_PUBLISHED
    assert await credit.events("credit.repaired") == []


async def test_an_approved_repair_lifts_everything_once(credit: CreditWorld) -> None:
    uscc = new_uscc()
    record_id = await record_of(credit, uscc, D(2026, 3, 1))
    applied = (await credit.as_role("portal").repair.ApplyRepair(application(record_id, uscc))).application
    reviewer = credit.as_role("credit_reviewer")
    approve = rpb.DecideRepairRequest(
        request_id=rid(), application_id=applied.application_id, decision=rpb.REPAIR_DECISION_APPROVE
    )
    first = await reviewer.repair.DecideRepair(approve)
    assert first.record.status == pb.RECORD_STATUS_REPAIRED
    assert first.record.ended_on == convert.to_date(D(2026, 7, 1))
    assert await reviewer.repair.DecideRepair(approve) == first  # a retry gets the first answer
    approve.request_id = rid()
    twice = await failure(reviewer.repair.DecideRepair(approve))
    assert twice.precondition_types() == [("ALREADY_DECIDED", applied.application_id)]

    (repaired,) = [events.RecordRepaired.FromString(e) for e in await credit.events("credit.repaired")]
    assert (repaired.record.record_id, repaired.application.application_id) == (
        record_id,
        applied.application_id,
    )
    changes = [
        events.RestrictionChanged.FromString(e) for e in await credit.events("credit.restriction_changed")
    ]
    assert [(c.version, len(c.restrictions)) for c in changes] == [(1, 1), (2, 0)]
    grades = [events.GradeChanged.FromString(e).grade for e in await credit.events("credit.grade_changed")]
    assert grades == [pb.GRADE_C, pb.GRADE_B]
    status = await credit.as_role("credit_officer").credit.GetCreditStatus(
        pb.GetCreditStatusRequest(subject=ref(uscc))
    )
    assert (list(status.restrictions), list(status.measures)) == ([], [])
    again = await failure(credit.as_role("portal").repair.ApplyRepair(application(record_id, uscc)))
    assert again.precondition_types() == [("RECORD_NOT_IN_FORCE", record_id)]
