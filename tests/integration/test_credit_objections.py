"""Objections (异议): disputed at once for every reader, decided by the recording department."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest

from chengnuo.credit.v1 import credit_pb2 as pb
from chengnuo.credit.v1 import objections_pb2 as opb
from chengnuo.credit.v1 import public_pb2
from chengnuo.events.v1 import credit_events_pb2 as events
from services.kernel import convert
from tests.conftest import Servers
from tests.integration.test_credit_world import CreditWorld, credit_world, record_of, ref, rid
from tests.support import failure, new_uscc

D = dt.date


@pytest.fixture
async def credit(servers: Servers, tmp_path: Path) -> AsyncIterator[CreditWorld]:
    async with credit_world(servers, tmp_path, D(2026, 7, 1)) as made:
        yield made


def objection(record_id: str, uscc: str) -> opb.FileObjectionRequest:
    return opb.FileObjectionRequest(
        request_id=rid(),
        record_id=record_id,
        applicant=ref(uscc),
        reason="经营场所使用权已于核查前办理登记，核查使用了过期数据",
        evidence=["不动产登记簿查询结果 2026-05-20"],
    )


def decision(
    objection_id: str,
    outcome: opb.ObjectionOutcome.ValueType,
    facts: str = "",
    record_class: pb.RecordClass.ValueType = pb.RECORD_CLASS_UNSPECIFIED,
) -> opb.DecideObjectionRequest:
    return opb.DecideObjectionRequest(
        request_id=rid(),
        objection_id=objection_id,
        outcome=outcome,
        reason="经复核",
        corrected_facts=facts,
        corrected_class=record_class,
    )


async def _public_ids(credit: CreditWorld) -> dict[str, bool]:
    page = await credit.as_role("portal").public.ListPublicRecords(public_pb2.ListPublicRecordsRequest())
    return {r.record_id: r.disputed for r in page.records}


async def test_a_portal_objects_only_for_its_own_subject_and_nothing_is_stored(credit: CreditWorld) -> None:
    uscc = new_uscc()
    record_id = await record_of(credit, uscc, D(2026, 6, 1))
    before = [await credit.count(t) for t in ("objection", "idempotency", "outbox", "audit_log")]
    refused = await failure(
        credit.as_role("portal").objections.FileObjection(objection(record_id, new_uscc()))
    )
    assert refused.code == grpc.StatusCode.PERMISSION_DENIED
    assert "a portal acts only for the subject concerned" in refused.message
    assert [await credit.count(t) for t in ("objection", "idempotency", "outbox", "audit_log")] == before
    record = (
        await credit.as_role("credit_officer").credit.GetRecord(pb.GetRecordRequest(record_id=record_id))
    ).record
    assert record.status == pb.RECORD_STATUS_PUBLISHED


async def test_filing_marks_the_record_disputed_for_every_reader(credit: CreditWorld) -> None:
    uscc = new_uscc()
    record_id = await record_of(credit, uscc, D(2026, 6, 1))
    filed = await credit.as_role("portal").objections.FileObjection(objection(record_id, uscc))
    assert filed.record.status == pb.RECORD_STATUS_UNDER_OBJECTION
    assert convert.from_date(filed.objection.deadline.due_date) == D(2026, 7, 8)  # 5 working days
    status = await credit.as_role("credit_officer").credit.GetCreditStatus(
        pb.GetCreditStatusRequest(subject=ref(uscc))
    )
    assert status.records[0].status == pb.RECORD_STATUS_UNDER_OBJECTION
    assert [r.disputed for r in status.restrictions] == [True]  # still in force until decided
    assert (await _public_ids(credit))[record_id] is True
    (event,) = [events.ObjectionFiled.FromString(e) for e in await credit.events("credit.objection_filed")]
    assert (event.record.status, event.objection.objection_id) == (
        pb.RECORD_STATUS_UNDER_OBJECTION,
        filed.objection.objection_id,
    )
    last = events.RestrictionChanged.FromString((await credit.events("credit.restriction_changed"))[-1])
    assert (last.version, [r.disputed for r in last.restrictions]) == (2, [True])
    again = await failure(credit.as_role("portal").objections.FileObjection(objection(record_id, uscc)))
    assert again.precondition_types() == [("OBJECTION_PENDING", record_id)]


async def test_an_upheld_objection_revokes_the_record_everywhere(credit: CreditWorld) -> None:
    uscc = new_uscc()
    record_id = await record_of(credit, uscc, D(2026, 6, 1))
    filed = await credit.as_role("portal").objections.FileObjection(objection(record_id, uscc))
    reviewer = credit.as_role("credit_reviewer")
    decided = await reviewer.objections.DecideObjection(
        decision(filed.objection.objection_id, opb.OBJECTION_OUTCOME_REVOKE)
    )
    assert (decided.objection.status, decided.record.status) == (
        opb.OBJECTION_STATUS_UPHELD,
        pb.RECORD_STATUS_REVOKED,
    )
    assert record_id not in await _public_ids(credit)
    status = await credit.as_role("credit_officer").credit.GetCreditStatus(
        pb.GetCreditStatusRequest(subject=ref(uscc))
    )
    assert (list(status.restrictions), status.grade) == ([], pb.GRADE_B)
    (event,) = [
        events.ObjectionDecided.FromString(e) for e in await credit.events("credit.objection_decided")
    ]
    assert event.record.status == pb.RECORD_STATUS_REVOKED
    twice = await failure(
        reviewer.objections.DecideObjection(
            decision(filed.objection.objection_id, opb.OBJECTION_OUTCOME_REJECT)
        )
    )
    assert twice.precondition_types() == [("ALREADY_DECIDED", filed.objection.objection_id)]


async def test_a_correction_replaces_the_facts_and_class_with_its_periods(credit: CreditWorld) -> None:
    uscc = new_uscc()
    record_id = await record_of(credit, uscc, D(2026, 6, 1))
    filed = await credit.as_role("portal").objections.FileObjection(objection(record_id, uscc))
    corrected = await credit.as_role("credit_reviewer").objections.DecideObjection(
        decision(
            filed.objection.objection_id,
            opb.OBJECTION_OUTCOME_CORRECT,
            facts="承诺内容部分不实，已在整改期限内改正且未造成危害",
            record_class=pb.RECORD_CLASS_MINOR,
        )
    )
    record = corrected.record
    assert (record.status, record.record_class, record.revision) == (
        pb.RECORD_STATUS_PUBLISHED,
        pb.RECORD_CLASS_MINOR,
        1,
    )
    assert record.facts == "承诺内容部分不实，已在整改期限内改正且未造成危害"
    assert convert.from_date(record.publicity_end) == D(2026, 9, 1)  # minor: at most 3 months
    assert not record.published
    assert record_id not in await _public_ids(credit)
    assert corrected.objection.corrected_class == pb.RECORD_CLASS_MINOR


async def test_a_rejected_objection_leaves_the_record_in_force(credit: CreditWorld) -> None:
    uscc = new_uscc()
    record_id = await record_of(credit, uscc, D(2026, 6, 1))
    filed = await credit.as_role("credit_officer").objections.FileObjection(objection(record_id, uscc))
    reviewer = credit.as_role("credit_reviewer")
    bad = await failure(
        reviewer.objections.DecideObjection(
            decision(filed.objection.objection_id, opb.OBJECTION_OUTCOME_REJECT, facts="x")
        )
    )
    assert bad.fields() == ["corrected_facts"]
    rejected = await reviewer.objections.DecideObjection(
        decision(filed.objection.objection_id, opb.OBJECTION_OUTCOME_REJECT)
    )
    assert (rejected.objection.status, rejected.record.status) == (
        opb.OBJECTION_STATUS_REJECTED,
        pb.RECORD_STATUS_PUBLISHED,
    )
    assert (await _public_ids(credit))[record_id] is False
