"""Inspection results in the credit service on real PostgreSQL: where INSPECTION-RESULTS-2021
says so (a penalty case opened) a result with a problem becomes an ordinary record and the
subject is re-graded; other results make no record; a redelivered event makes none twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from chengnuo.credit.v1 import credit_pb2
from chengnuo.events.v1 import verification_events_pb2 as vevents
from chengnuo.verification.v1 import results_pb2 as rpb
from services.contracts import verification_events
from services.kernel import convert
from tests.conftest import Servers
from tests.integration.test_credit_world import CreditWorld, credit_world, ref, rid
from tests.support import new_uscc

SUBJECT = verification_events.INSPECTION_RESULT.subject
DAY = dt.date(2026, 6, 20)


@pytest.fixture
async def credit(servers: Servers, tmp_path: Path) -> AsyncIterator[CreditWorld]:
    async with credit_world(servers, tmp_path, dt.date(2026, 7, 1)) as made:
        yield made


def result(
    uscc: str, *kinds: rpb.ResultMeasureKind.ValueType, problem: bool = True
) -> vevents.InspectionResultRecorded:
    outcome = rpb.ITEM_OUTCOME_PROBLEM_FOUND if problem else rpb.ITEM_OUTCOME_NO_PROBLEM
    return vevents.InspectionResultRecorded(
        result_id=rid(),
        draw_id=rid(),
        subject=ref(uscc),
        subject_name="厦门示例餐饮有限公司",
        recording_department="350200-SCJ",
        departments=["350200-SCJ"],
        inspection_date=convert.to_date(DAY),
        items=[
            rpb.ItemResult(check_item="SC-01", outcome=outcome, findings="过期食品未下架" if problem else "")
        ],
        problem_found=problem,
        measures=[
            rpb.ResultMeasure(kind=k, legal_basis="《食品安全法》", case_number="厦市监立〔2026〕7号")
            if k == rpb.RESULT_MEASURE_KIND_PENALTY_CASE
            else rpb.ResultMeasure(kind=k, legal_basis="《食品安全法》")
            for k in kinds
        ],
    )


async def test_a_penalty_case_makes_an_ordinary_record_once_and_lowers_the_grade(credit: CreditWorld) -> None:
    uscc = new_uscc()
    event_id = await credit.deliver(SUBJECT, result(uscc, rpb.RESULT_MEASURE_KIND_PENALTY_CASE))
    await credit.deliver(SUBJECT, result(uscc, rpb.RESULT_MEASURE_KIND_PENALTY_CASE), event_id)  # again
    status = await credit.as_role("credit_officer").credit.GetCreditStatus(
        credit_pb2.GetCreditStatusRequest(subject=ref(uscc))
    )
    (record,) = status.records
    assert record.record_class == credit_pb2.RECORD_CLASS_ORDINARY
    assert "厦市监立〔2026〕7号" in record.facts
    assert "过期食品未下架" in record.facts
    # periods, repair and objection: the records rule set in force on the inspection date; the
    # rule: which inspection rule made the record
    assert (record.rule_set, record.rule) == ("NDRC-36", "INSPECTION-RESULTS-2021/penalty_case_opened")
    assert status.grade == credit_pb2.GRADE_C  # 80 - 25 (ordinary record in force)
    assert len(await credit.events("credit.record_created")) == 1


async def test_results_without_a_penalty_case_make_no_record(credit: CreditWorld) -> None:
    uscc = new_uscc()
    await credit.deliver(SUBJECT, result(uscc, rpb.RESULT_MEASURE_KIND_ORDER_RECTIFICATION))
    await credit.deliver(SUBJECT, result(uscc, rpb.RESULT_MEASURE_KIND_REFERRAL))
    await credit.deliver(SUBJECT, result(uscc, problem=False))
    assert await credit.count("dishonesty_record", "subject_code = $1", uscc) == 0
    assert not await credit.events("credit.record_created")
