"""Dishonesty records from false commitments: periods by class and rule set, expiry, status reads."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest

from chengnuo.credit.v1 import credit_pb2 as pb
from chengnuo.events.v1 import credit_events_pb2 as events
from chengnuo.events.v1 import verification_events_pb2 as vevents
from chengnuo.verification.v1 import verification_pb2 as vpb
from services.contracts import credit_events, verification_events
from services.credit import jobs
from services.kernel import convert
from services.kernel.jobs import JobRunner
from tests.conftest import Servers
from tests.integration.test_credit_world import (
    CONCLUDED,
    DEPARTMENT,
    FALSE,
    CreditWorld,
    credit_world,
    false_commitment,
    kept_commitment,
    record_of,
    ref,
)
from tests.support import failure, new_uscc


@pytest.fixture
async def credit(servers: Servers, tmp_path: Path) -> AsyncIterator[CreditWorld]:
    async with credit_world(servers, tmp_path, D(2026, 7, 1)) as made:
        yield made


D = dt.date
RECTIFIED = verification_events.RECTIFIED.subject
RECLASSIFIED = credit_events.RECORD_RECLASSIFIED.subject


async def _status(credit: CreditWorld, uscc: str) -> pb.GetCreditStatusResponse:
    officer = credit.as_role("credit_officer")
    return await officer.credit.GetCreditStatus(pb.GetCreditStatusRequest(subject=ref(uscc)))


@pytest.mark.parametrize(
    ("decided", "facts", "expected"),
    [
        # NDRC-58 until 2026-03-31: ordinary 3 months .. 3 years.
        (
            D(2026, 3, 31),
            {},
            ("NDRC-58", "default_false_commitment", pb.RECORD_CLASS_ORDINARY, D(2026, 6, 30), D(2029, 3, 31)),
        ),
        # NDRC-36 from 2026-04-01: ordinary 3 months .. 1 year.
        (
            D(2026, 4, 1),
            {},
            ("NDRC-36", "default_false_commitment", pb.RECORD_CLASS_ORDINARY, D(2026, 7, 1), D(2027, 4, 1)),
        ),
        # Referred to the judiciary: serious; NDRC-58 keeps 3 months .. 3 years.
        (
            D(2026, 3, 31),
            {"referred": True},
            ("NDRC-58", "referred_to_judiciary", pb.RECORD_CLASS_SERIOUS, D(2026, 6, 30), D(2029, 3, 31)),
        ),
        # Serious under NDRC-36: 1 year .. 3 years.
        (
            D(2026, 4, 1),
            {"referred": True},
            ("NDRC-36", "referred_to_judiciary", pb.RECORD_CLASS_SERIOUS, D(2027, 4, 1), D(2029, 4, 1)),
        ),
        # Safety-related item under NDRC-58: serious, and a one-year minimum (special equipment, fire).
        (
            D(2026, 3, 31),
            {"safety": True},
            ("NDRC-58", "safety_related_item", pb.RECORD_CLASS_SERIOUS, D(2027, 3, 31), D(2029, 3, 31)),
        ),
    ],
)
async def test_periods_by_class_across_the_2026_04_01_boundary(
    credit: CreditWorld, decided: dt.date, facts: dict[str, bool], expected: tuple[object, ...]
) -> None:
    uscc = new_uscc()
    await record_of(credit, uscc, decided, **facts)
    (record,) = (await _status(credit, uscc)).records
    got = (
        record.rule_set,
        record.rule,
        record.record_class,
        convert.from_date(record.repairable_from),
        convert.from_date(record.publicity_end),
    )
    assert got == expected
    assert record.publicity_start == record.decision_date == convert.to_date(decided)
    assert record.status == pb.RECORD_STATUS_PUBLISHED
    assert record.deciding_department == "350200-SCJ"
    assert "国办发〔2020〕42号" in record.legal_basis
    assert f"自{convert.from_date(record.repairable_from)}起" in record.repair_notice


async def test_a_record_brings_its_measures_restrictions_and_grade(credit: CreditWorld) -> None:
    uscc = new_uscc()
    record_id = await record_of(credit, uscc, D(2026, 6, 1), referred=True)
    status = await _status(credit, uscc)
    assert [(r.kind, r.cause, r.record_id) for r in status.restrictions] == [
        (pb.RESTRICTION_KIND_NO_COMMITMENT, pb.RESTRICTION_CAUSE_EARLIER_FALSE_COMMITMENT, record_id),
        (pb.RESTRICTION_KIND_PRIORITY_SUPERVISION, pb.RESTRICTION_CAUSE_EARLIER_FALSE_COMMITMENT, record_id),
    ]
    assert (status.grade, status.score, status.grade_rule_set) == (pb.GRADE_D, 25, "SAMR-2022-6")
    assert [(p.rule, p.points) for p in status.grade_points] == [("baseline", 80), ("serious_record", -55)]
    assert {m.measure.code for m in status.measures} == {
        "NO_COMMITMENT_ROUTE",
        "PRIORITY_SUPERVISION",
        "HIGHER_INSPECTION_RATE",
        "SUBSIDY_LIMIT",
        "HONOURS_LIMIT",
    }
    (created,) = [events.RecordCreated.FromString(e) for e in await credit.events("credit.record_created")]
    assert created.record.record_id == record_id
    (changed,) = [
        events.RestrictionChanged.FromString(e) for e in await credit.events("credit.restriction_changed")
    ]
    assert (changed.version, len(changed.restrictions)) == (1, 2)
    (graded,) = [events.GradeChanged.FromString(e) for e in await credit.events("credit.grade_changed")]
    assert (graded.version, graded.grade, graded.score) == (1, pb.GRADE_D, 25)
    assert any("serious dishonesty record" in line and record_id in line for line in graded.reasons)


async def test_the_same_event_delivered_twice_makes_one_record(credit: CreditWorld) -> None:
    uscc = new_uscc()
    event = false_commitment(uscc, D(2026, 6, 1))
    first = await credit.deliver(FALSE, event)
    await credit.deliver(FALSE, event, event_id=first)
    assert await credit.count("dishonesty_record", "subject_code = $1", uscc) == 1
    assert len(await credit.events("credit.record_created")) == 1


async def test_a_second_false_commitment_within_two_years_is_serious(credit: CreditWorld) -> None:
    uscc = new_uscc()
    await record_of(credit, uscc, D(2026, 4, 1))
    await record_of(credit, uscc, D(2026, 6, 1))
    classes = [(r.rule, r.record_class) for r in (await _status(credit, uscc)).records]
    assert classes == [
        ("default_false_commitment", pb.RECORD_CLASS_ORDINARY),
        ("repeat_within_period", pb.RECORD_CLASS_SERIOUS),
    ]


async def test_records_expire_at_their_maximum_and_the_restriction_lifts_then(credit: CreditWorld) -> None:
    uscc = new_uscc()
    await record_of(credit, uscc, D(2026, 4, 1))  # NDRC-36 ordinary: ends 2027-04-01
    credit.set_today(D(2027, 3, 31))
    await credit.run_jobs()
    assert (await _status(credit, uscc)).records[0].status == pb.RECORD_STATUS_PUBLISHED
    credit.set_today(D(2027, 4, 1))
    assert await credit.run_jobs() >= 1
    status = await _status(credit, uscc)
    assert status.records[0].status == pb.RECORD_STATUS_EXPIRED
    assert status.records[0].ended_on == convert.to_date(D(2027, 4, 1))
    assert list(status.restrictions) == []
    assert status.grade == pb.GRADE_B
    changes = [
        events.RestrictionChanged.FromString(e) for e in await credit.events("credit.restriction_changed")
    ]
    assert [(c.version, len(c.restrictions)) for c in changes] == [(1, 1), (2, 0)]
    grades = [events.GradeChanged.FromString(e).grade for e in await credit.events("credit.grade_changed")]
    assert grades == [pb.GRADE_C, pb.GRADE_B]
    assert len(await credit.events("credit.record_expired")) == 1
    assert await credit.run_jobs() == 0  # nothing is expired twice


async def test_an_unknown_subject_is_grade_b_with_nothing_against_it(credit: CreditWorld) -> None:
    status = await _status(credit, new_uscc())
    assert (status.grade, len(status.records), len(status.restrictions)) == (pb.GRADE_B, 0, 0)


async def test_kept_commitments_raise_the_grade_within_a_window(credit: CreditWorld) -> None:
    uscc = new_uscc()
    await credit.deliver(CONCLUDED, kept_commitment(uscc, D(2026, 5, 1)))
    await credit.deliver(CONCLUDED, kept_commitment(uscc, D(2026, 6, 1)))
    await credit.deliver(CONCLUDED, kept_commitment(uscc, D(2026, 6, 2)))
    status = await _status(credit, uscc)
    assert (status.grade, status.score) == (pb.GRADE_A, 90)  # capped at +10
    credit.set_today(D(2029, 6, 1))  # the first two fell out of the 36-month window
    await credit.run_jobs()
    assert (await _status(credit, uscc)).grade == pb.GRADE_B
    grades = [events.GradeChanged.FromString(e) for e in await credit.events("credit.grade_changed")]
    assert [(g.version, g.grade) for g in grades] == [(1, pb.GRADE_B), (2, pb.GRADE_A), (3, pb.GRADE_B)]


async def test_other_departments_read_only_through_sharing_and_every_read_is_logged(
    credit: CreditWorld,
) -> None:
    uscc = new_uscc()
    consumer = credit.as_role("data_consumer", department="350200-CZJ")
    refused = await failure(
        consumer.credit.GetCreditStatus(
            pb.GetCreditStatusRequest(subject=ref(uscc), purpose="public_procurement")
        )
    )
    assert refused.code == grpc.StatusCode.PERMISSION_DENIED  # CreditSharingService, by agreement
    officer = credit.as_role("credit_officer")
    await officer.credit.GetCreditStatus(pb.GetCreditStatusRequest(subject=ref(uscc), purpose="信用修复审查"))
    logged = await credit.pool.fetch("SELECT department, purpose FROM audit_log WHERE action = 'credit.read'")
    assert [(r["department"], r["purpose"]) for r in logged] == [(DEPARTMENT, "信用修复审查")]


async def test_replicas_running_the_expiry_job_together_expire_each_record_once(credit: CreditWorld) -> None:
    subjects = [new_uscc() for _ in range(6)]
    for uscc in subjects:
        for day in (1, 2, 3):
            await record_of(credit, uscc, D(2026, 4, day))
    credit.set_today(D(2029, 4, 3))  # the repeats are serious: three years
    replicas = [JobRunner(credit.db, jobs.expiry(credit.runtime.public_key())) for _ in range(3)]

    async def drain(runner: JobRunner) -> None:
        while await runner.run_once():
            pass

    await asyncio.gather(*(drain(r) for r in replicas))
    assert sum(r.handled for r in replicas) == 18
    assert len(await credit.events("credit.record_expired")) == 18
    changes = [
        events.RestrictionChanged.FromString(e) for e in await credit.events("credit.restriction_changed")
    ]
    for uscc in subjects:
        mine = [c for c in changes if c.subject.code == uscc]
        assert len({c.version for c in mine}) == len(mine)  # every announcement has its own version
        assert list(max(mine, key=lambda c: c.version).restrictions) == []


def _rectified(found: vevents.FalseCommitmentFound, *, harm: bool = False) -> vevents.RectificationRecorded:
    return vevents.RectificationRecorded(
        task_id=found.task_id,
        commitment_id=found.commitment_id,
        subject=found.subject,
        department=found.deciding_department,
        rectification=vpb.Rectification(
            completed_on=convert.to_date(D(2026, 6, 10)), in_time=True, harm_caused=harm
        ),
        corrected_in_time_without_harm=not harm,
    )


async def _record(credit: CreditWorld, found: vevents.FalseCommitmentFound) -> pb.DishonestyRecord:
    record_id = await credit.pool.fetchval(
        "SELECT record_id FROM dishonesty_record WHERE commitment_id = $1", uuid.UUID(found.commitment_id)
    )
    officer = credit.as_role("credit_officer")
    return (await officer.credit.GetRecord(pb.GetRecordRequest(record_id=str(record_id)))).record


async def test_a_correction_in_time_without_harm_makes_the_record_minor_in_either_order(
    credit: CreditWorld,
) -> None:
    first = false_commitment(new_uscc(), D(2026, 6, 1))
    await credit.deliver(FALSE, first)
    await credit.deliver(RECTIFIED, _rectified(first))
    await credit.deliver(RECTIFIED, _rectified(first))  # reported twice: applied once
    record = await _record(credit, first)
    assert (record.record_class, record.published, record.revision) == (pb.RECORD_CLASS_MINOR, False, 1)
    assert (record.rule, convert.from_date(record.publicity_end)) == ("corrected_in_time", D(2026, 9, 1))
    assert "2026-06-01" in record.repair_notice  # repairable at once: the notice says so
    (changed,) = [events.RecordReclassified.FromString(e) for e in await credit.events(RECLASSIFIED)]
    assert (changed.record.record_id, changed.previous_class) == (record.record_id, pb.RECORD_CLASS_ORDINARY)

    late = false_commitment(new_uscc(), D(2026, 6, 1))
    await credit.deliver(RECTIFIED, _rectified(late))  # the correction's event came first
    await credit.deliver(FALSE, late)
    assert (await _record(credit, late)).record_class == pb.RECORD_CLASS_MINOR

    serious = false_commitment(new_uscc(), D(2026, 6, 1), referred=True)
    harmful = false_commitment(new_uscc(), D(2026, 6, 1))
    for found, rectified in ((serious, _rectified(serious)), (harmful, _rectified(harmful, harm=True))):
        await credit.deliver(FALSE, found)
        await credit.deliver(RECTIFIED, rectified)
    assert (await _record(credit, serious)).record_class == pb.RECORD_CLASS_SERIOUS
    assert (await _record(credit, harmful)).record_class == pb.RECORD_CLASS_ORDINARY
    assert len(await credit.events(RECLASSIFIED)) == 1
