"""Closing a commitment's verification on real PostgreSQL: daily supervision (日常监管) concluding a
commitment, the escalation of an unverifiable check (无法核实), referrals to the judiciary
(移送司法机关) and the events and overdue counts of 部门间协查."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from chengnuo.commitment.v1 import catalogue_pb2
from chengnuo.events.v1 import commitment_events_pb2
from chengnuo.events.v1 import verification_events_pb2 as events
from chengnuo.verification.v1 import referrals_pb2 as fpb
from chengnuo.verification.v1 import rosters_pb2 as rpb
from chengnuo.verification.v1 import verification_pb2 as pb
from services.kernel import convert
from services.kernel.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from services.verification import jobs
from services.verification.api.servicers import ReferralApi
from tests.integration.test_verification_tasks import false_conclusion, only_task, rid
from tests.integration.test_verification_world import (
    DEPARTMENT,
    VWorld,
    vworld_fixture,  # noqa: F401  (the `vworld` fixture)
)
from tests.support import new_uscc

CITY = "350200-SCJ"  # the task's department
PROVINCE = "350000-SCJ"  # the department above it
SIDEWAYS = "350200-SWJ"  # another bureau of the city
HOUSING = "350200-ZJJ"
NOTHING_WRITTEN = ("task", "referral", "pooled_commitment", "outbox", "audit_log", "idempotency")
EXEMPT = catalogue_pb2.VERIFICATION_METHOD_EXEMPT


async def departments(world: VWorld) -> None:
    world.as_caller("admin")
    await world.rosters.PutDepartments(
        rpb.PutDepartmentsRequest(
            request_id=rid(),
            departments=[
                rpb.Department(code=PROVINCE, name="福建省市场监督管理局", region_code="350000"),
                rpb.Department(
                    code=CITY, name="厦门市市场监督管理局", parent_code=PROVINCE, region_code="350200"
                ),
                rpb.Department(code=SIDEWAYS, name="厦门市税务局", region_code="350200"),
                rpb.Department(code=HOUSING, name="厦门市住房和建设局", region_code="350200"),
            ],
        ),
        None,
    )


def finding(commitment_id: str, today: dt.date, **changes: object) -> pb.RecordSupervisionFindingRequest:
    request = pb.RecordSupervisionFindingRequest(
        request_id=rid(),
        commitment_id=commitment_id,
        outcome=pb.OUTCOME_FALSE,
        findings="日常巡查发现经营场所已被他人占用,承诺的使用权不实",
        measures=[pb.Measure(kind=pb.MEASURE_KIND_STOP_PROCESSING, legal_basis="《行政许可法》第六十九条")],
        decision_date=convert.to_date(today),
        evidence_refs=["巡查记录 2026-07"],
    )
    for name, value in changes.items():
        setattr(request, name, value)
    return request


def referred(task_id: str, today: dt.date) -> pb.ConcludeTaskRequest:
    request = false_conclusion(task_id, today)
    request.measures.add(
        kind=pb.MEASURE_KIND_REFER_TO_JUDICIARY, legal_basis="《行政执法机关移送涉嫌犯罪案件的规定》"
    )
    request.referral.CopyFrom(
        fpb.ReferralDetail(
            suspected_offence="涉嫌伪造国家机关证件罪",
            materials=["案件移送书", "涉嫌犯罪案件调查报告", "询问笔录"],
            receiving_organ="厦门市公安局思明分局",
        )
    )
    return request


def unverifiable(task_id: str, today: dt.date, lead: str = CITY) -> pb.ConcludeTaskRequest:
    return pb.ConcludeTaskRequest(
        request_id=rid(),
        task_id=task_id,
        outcome=pb.OUTCOME_UNVERIFIABLE,
        findings="出租人下落不明,无法核实经营场所使用权",
        decision_date=convert.to_date(today),
        escalation=pb.EscalationRequest(lead_department=lead, lead_officer="王科长"),
    )


async def refused_fields(call: object) -> list[str]:
    with pytest.raises(InvalidArgument) as refused:
        await call  # type: ignore[misc]
    return [v.field for v in refused.value.violations]


async def refused_types(call: object) -> list[str]:
    with pytest.raises(FailedPrecondition) as refused:
        await call  # type: ignore[misc]
    return [v.type for v in refused.value.violations]


# Daily supervision (日常监管).


async def test_daily_supervision_concludes_an_open_task_false_as_a_conclusion_does(vworld: VWorld) -> None:
    uscc = new_uscc()
    commitment_id = await vworld.record(uscc)
    task = await only_task(vworld, commitment_id)
    today = vworld.clock.today()
    vworld.verifier()
    answer = await vworld.tasks.RecordSupervisionFinding(finding(commitment_id, today), None)
    done = answer.task
    assert (done.task_id, done.status, done.outcome) == (
        task.task_id,
        pb.TASK_STATUS_CONCLUDED,
        pb.OUTCOME_FALSE,
    )
    assert done.concluded_via == pb.CONCLUSION_SOURCE_DAILY_SUPERVISION
    assert answer.superseded_outcome == pb.OUTCOME_UNSPECIFIED
    (concluded,) = [
        events.VerificationConcluded.FromString(b) for b in await vworld.events("verification.concluded")
    ]
    assert (concluded.task_id, concluded.outcome) == (task.task_id, pb.OUTCOME_FALSE)
    (false,) = [
        events.FalseCommitmentFound.FromString(b)
        for b in await vworld.events("verification.false_commitment")
    ]
    assert (false.commitment_id, false.subject.code) == (commitment_id, uscc)
    assert false.findings.startswith("日常巡查")

    before = await vworld.counts(NOTHING_WRITTEN)
    with pytest.raises(FailedPrecondition) as again:
        await vworld.tasks.RecordSupervisionFinding(finding(commitment_id, today), None)
    (violation,) = again.value.violations
    assert violation.type == "ALREADY_CONCLUDED_FALSE"
    assert task.task_id in violation.description
    assert str(today) in violation.description
    assert await vworld.counts(NOTHING_WRITTEN) == before


async def test_an_exempt_commitment_in_the_pool_is_concluded_through_a_task_made_for_it(
    vworld: VWorld,
) -> None:
    commitment_id = await vworld.record(new_uscc(), method=EXEMPT)
    assert await vworld.count("task") == 0
    today = vworld.clock.today()
    vworld.verifier(department=SIDEWAYS)
    before = await vworld.counts(NOTHING_WRITTEN)
    with pytest.raises(PermissionDenied):
        await vworld.tasks.RecordSupervisionFinding(finding(commitment_id, today), None)
    assert await vworld.counts(NOTHING_WRITTEN) == before

    vworld.verifier()
    done = (await vworld.tasks.RecordSupervisionFinding(finding(commitment_id, today), None)).task
    assert (done.commitment_id, done.method, done.status) == (
        commitment_id,
        "EXEMPT",
        pb.TASK_STATUS_CONCLUDED,
    )
    assert convert.from_date(done.base_date) == today
    assert await vworld.count("pooled_commitment") == 0
    assert len(await vworld.events("verification.false_commitment")) == 1


async def test_a_commitment_verified_true_is_concluded_false_when_supervision_finds_it_so(
    vworld: VWorld,
) -> None:
    commitment_id = await vworld.record(new_uscc())
    task = await only_task(vworld, commitment_id)
    today = vworld.clock.today()
    vworld.verifier()
    kept = false_conclusion(task.task_id, today, measures=False)
    kept.outcome = pb.OUTCOME_TRUE
    kept.findings = "核查属实"
    await vworld.tasks.ConcludeTask(kept, None)

    before = await vworld.counts(NOTHING_WRITTEN)
    true_again = finding(commitment_id, today, outcome=pb.OUTCOME_TRUE)
    del true_again.measures[:]
    assert await refused_types(vworld.tasks.RecordSupervisionFinding(true_again, None)) == [
        "ALREADY_CONCLUDED_TRUE"
    ]
    assert await vworld.counts(NOTHING_WRITTEN) == before

    answer = await vworld.tasks.RecordSupervisionFinding(finding(commitment_id, today), None)
    assert answer.superseded_outcome == pb.OUTCOME_TRUE
    assert answer.task.outcome == pb.OUTCOME_FALSE
    outcomes = [
        events.VerificationConcluded.FromString(b).outcome
        for b in await vworld.events("verification.concluded")
    ]
    assert outcomes == [pb.OUTCOME_TRUE, pb.OUTCOME_FALSE]
    superseded = await vworld.pool.fetch("SELECT target FROM audit_log WHERE action = 'task.supersede'")
    assert [r["target"] for r in superseded] == [f"task/{task.task_id}"]


async def test_bad_supervision_findings_are_refused_precisely_with_nothing_stored(vworld: VWorld) -> None:
    commitment_id = await vworld.record(new_uscc())
    today = vworld.clock.today()
    before = await vworld.counts(NOTHING_WRITTEN)
    vworld.verifier()
    escalating = finding(commitment_id, today, outcome=pb.OUTCOME_UNVERIFIABLE)
    del escalating.measures[:]
    assert await refused_fields(vworld.tasks.RecordSupervisionFinding(escalating, None)) == ["outcome"]
    empty = finding(commitment_id, today, findings="")
    del empty.measures[:]
    assert await refused_fields(vworld.tasks.RecordSupervisionFinding(empty, None)) == [
        "findings",
        "measures",
    ]
    future = finding(commitment_id, today + dt.timedelta(days=1))
    assert await refused_fields(vworld.tasks.RecordSupervisionFinding(future, None)) == ["decision_date"]
    assert await refused_fields(vworld.tasks.RecordSupervisionFinding(finding("no-id", today), None)) == [
        "commitment_id"
    ]
    with pytest.raises(NotFound) as unknown:
        await vworld.tasks.RecordSupervisionFinding(finding(str(uuid.uuid4()), today), None)
    assert unknown.value.field == "commitment_id"
    vworld.verifier(department=SIDEWAYS)
    with pytest.raises(PermissionDenied):
        await vworld.tasks.RecordSupervisionFinding(finding(commitment_id, today), None)
    assert await vworld.counts(NOTHING_WRITTEN) == before

    withdrawn = commitment_events_pb2.CommitmentWithdrawn(commitment_id=commitment_id, reason="改为提交证明")
    await vworld.apply(vworld.commitments.on_withdrawn, withdrawn)
    vworld.verifier()
    types = await refused_types(vworld.tasks.RecordSupervisionFinding(finding(commitment_id, today), None))
    assert types == ["COMMITMENT_WITHDRAWN"]


# 无法核实: escalation.


async def test_an_unverifiable_check_is_escalated_to_a_named_lead_until_it_is_concluded(
    vworld: VWorld,
) -> None:
    await departments(vworld)
    commitment_id = await vworld.record(new_uscc())
    task = await only_task(vworld, commitment_id)
    today = vworld.clock.today()
    before = await vworld.counts(NOTHING_WRITTEN)
    vworld.verifier()
    bare = unverifiable(task.task_id, today)
    bare.ClearField("escalation")
    assert await refused_fields(vworld.tasks.ConcludeTask(bare, None)) == [
        "escalation.lead_department",
        "escalation.lead_officer",
    ]
    kept = false_conclusion(task.task_id, today, measures=False)
    kept.outcome = pb.OUTCOME_TRUE
    kept.escalation.lead_officer = "王科长"
    assert await refused_fields(vworld.tasks.ConcludeTask(kept, None)) == ["escalation"]
    sideways = unverifiable(task.task_id, today, lead=SIDEWAYS)
    assert await refused_types(vworld.tasks.ConcludeTask(sideways, None)) == ["ESCALATION_LEAD_OUTSIDE"]
    with pytest.raises(NotFound) as unknown:
        await vworld.tasks.ConcludeTask(unverifiable(task.task_id, today, lead="350200-XXX"), None)
    assert unknown.value.field == "escalation.lead_department"
    assert await vworld.counts(NOTHING_WRITTEN) == before

    done = (await vworld.tasks.ConcludeTask(unverifiable(task.task_id, today, lead=PROVINCE), None)).task
    assert (done.status, done.outcome) == (pb.TASK_STATUS_ESCALATED, pb.OUTCOME_UNVERIFIABLE)
    deadline = vworld.calendar.current.add_working_days(today, 20).date
    assert convert.from_date(done.escalation.deadline) == deadline
    assert (done.escalation.lead_department, done.escalation.lead_officer) == (PROVINCE, "王科长")
    assert done.escalation.rule_set == "ESCALATION-2020"
    (escalated,) = [
        events.TaskEscalated.FromString(b) for b in await vworld.events("verification.task_escalated")
    ]
    assert (escalated.task_id, escalated.lead_department) == (task.task_id, PROVINCE)
    again = unverifiable(task.task_id, today)
    assert await refused_types(vworld.tasks.ConcludeTask(again, None)) == ["ALREADY_ESCALATED"]

    listed = await vworld.tasks.ListTasks(pb.ListTasksRequest(status=pb.TASK_STATUS_ESCALATED), None)
    assert [t.task_id for t in listed.tasks] == [task.task_id]
    overdue = await vworld.tasks.ListTasks(pb.ListTasksRequest(escalation_overdue_only=True), None)
    assert not overdue.tasks
    vworld.clock.advance(dt.timedelta(days=(deadline - today).days + 1))
    overdue = await vworld.tasks.ListTasks(pb.ListTasksRequest(escalation_overdue_only=True), None)
    assert [t.escalation.overdue for t in overdue.tasks] == [True]
    vworld.lead(department=PROVINCE)  # the department above sees the city's escalations counted
    counts = await vworld.tasks.CountOverdueEscalations(pb.CountOverdueEscalationsRequest(), None)
    city = next(d for d in counts.departments if d.department == CITY)
    assert (city.escalated, city.overdue) == (1, 1)

    vworld.verifier()
    final = false_conclusion(task.task_id, vworld.clock.today(), measures=False)
    final.outcome = pb.OUTCOME_TRUE
    closed = (await vworld.tasks.ConcludeTask(final, None)).task
    assert (closed.status, closed.outcome) == (pb.TASK_STATUS_CONCLUDED, pb.OUTCOME_TRUE)
    assert closed.escalation.lead_department == PROVINCE  # kept, no longer overdue
    assert not closed.escalation.overdue
    outcomes = [
        events.VerificationConcluded.FromString(b).outcome
        for b in await vworld.events("verification.concluded")
    ]
    assert outcomes == [pb.OUTCOME_UNVERIFIABLE, pb.OUTCOME_TRUE]
    vworld.lead(department=PROVINCE)
    counts = await vworld.tasks.CountOverdueEscalations(pb.CountOverdueEscalationsRequest(), None)
    assert all(d.escalated == 0 for d in counts.departments)


async def test_daily_supervision_resolves_an_escalated_task(vworld: VWorld) -> None:
    commitment_id = await vworld.record(new_uscc())
    task = await only_task(vworld, commitment_id)
    today = vworld.clock.today()
    vworld.verifier()
    await vworld.tasks.ConcludeTask(unverifiable(task.task_id, today), None)
    answer = await vworld.tasks.RecordSupervisionFinding(finding(commitment_id, today), None)
    assert (answer.task.status, answer.task.outcome) == (pb.TASK_STATUS_CONCLUDED, pb.OUTCOME_FALSE)
    assert answer.superseded_outcome == pb.OUTCOME_UNSPECIFIED


async def test_a_withdrawn_commitment_cancels_its_escalated_task(vworld: VWorld) -> None:
    commitment_id = await vworld.record(new_uscc())
    task = await only_task(vworld, commitment_id)
    vworld.verifier()
    await vworld.tasks.ConcludeTask(unverifiable(task.task_id, vworld.clock.today()), None)
    withdrawn = commitment_events_pb2.CommitmentWithdrawn(commitment_id=commitment_id, reason="改为提交证明")
    await vworld.apply(vworld.commitments.on_withdrawn, withdrawn)
    found = (await vworld.tasks.GetTask(pb.GetTaskRequest(task_id=task.task_id), None)).task
    assert found.status == pb.TASK_STATUS_CANCELLED
    assert not (
        await vworld.tasks.ListTasks(pb.ListTasksRequest(status=pb.TASK_STATUS_ESCALATED), None)
    ).tasks


# 移送司法机关: referrals.


async def test_a_referral_is_required_with_the_measure_and_refused_without(vworld: VWorld) -> None:
    task = await only_task(vworld, await vworld.record(new_uscc()))
    today = vworld.clock.today()
    before = await vworld.counts(NOTHING_WRITTEN)
    vworld.verifier()
    bare = referred(task.task_id, today)
    bare.ClearField("referral")
    assert await refused_fields(vworld.tasks.ConcludeTask(bare, None)) == [
        "referral.suspected_offence",
        "referral.materials",
        "referral.receiving_organ",
    ]
    stray = false_conclusion(task.task_id, today)
    stray.referral.CopyFrom(referred(task.task_id, today).referral)
    assert await refused_fields(vworld.tasks.ConcludeTask(stray, None)) == ["referral"]
    bulky = referred(task.task_id, today)
    bulky.referral.materials.extend(["材料"] * 50)
    bulky.referral.materials.append("x" * 501)
    assert await refused_fields(vworld.tasks.ConcludeTask(bulky, None)) == [
        "referral.materials",
        "referral.materials[53]",
    ]
    assert await vworld.counts(NOTHING_WRITTEN) == before


async def test_a_referral_is_recorded_received_and_decided_once_each(vworld: VWorld) -> None:
    task = await only_task(vworld, await vworld.record(new_uscc()))
    today = vworld.clock.today()
    vworld.verifier()
    await vworld.tasks.ConcludeTask(referred(task.task_id, today), None)
    referrals = ReferralApi(vworld.tasks.deps)
    (made,) = (await referrals.ListReferrals(fpb.ListReferralsRequest(), None)).referrals
    assert (made.task_id, made.status, made.department) == (
        task.task_id,
        fpb.REFERRAL_STATUS_SENT,
        DEPARTMENT,
    )
    assert list(made.detail.materials) == ["案件移送书", "涉嫌犯罪案件调查报告", "询问笔录"]
    assert made.detail.receiving_organ == "厦门市公安局思明分局"
    assert convert.from_date(made.referred_on) == today
    (created,) = [
        events.ReferralChanged.FromString(b) for b in await vworld.events("verification.referral_created")
    ]
    assert (created.referral_id, created.status) == (made.referral_id, fpb.REFERRAL_STATUS_SENT)
    (false,) = [
        events.FalseCommitmentFound.FromString(b)
        for b in await vworld.events("verification.false_commitment")
    ]
    assert false.referred_to_judiciary

    vworld.verifier(department=SIDEWAYS)
    with pytest.raises(PermissionDenied):
        await referrals.GetReferral(fpb.GetReferralRequest(referral_id=made.referral_id), None)
    assert not (await referrals.ListReferrals(fpb.ListReferralsRequest(), None)).referrals
    with pytest.raises(PermissionDenied):
        await referrals.RecordReferralReceipt(_receipt(made.referral_id, today), None)

    before = await vworld.counts(NOTHING_WRITTEN)
    vworld.verifier()
    assert await refused_types(referrals.RecordReferralOutcome(_outcome(made.referral_id, today), None)) == [
        "REFERRAL_NOT_RECEIVED"
    ]
    early = _receipt(made.referral_id, today - dt.timedelta(days=1))
    assert await refused_types(referrals.RecordReferralReceipt(early, None)) == ["BEFORE_REFERRAL"]
    future = _receipt(made.referral_id, today + dt.timedelta(days=1))
    future.receiver = ""
    assert await refused_fields(referrals.RecordReferralReceipt(future, None)) == ["received_on", "receiver"]
    with pytest.raises(NotFound):
        await referrals.RecordReferralReceipt(_receipt(str(uuid.uuid4()), today), None)
    assert await vworld.counts(NOTHING_WRITTEN) == before

    received = (await referrals.RecordReferralReceipt(_receipt(made.referral_id, today), None)).referral
    assert (received.status, received.receiver) == (fpb.REFERRAL_STATUS_RECEIVED, "李警官")
    assert await refused_types(referrals.RecordReferralReceipt(_receipt(made.referral_id, today), None)) == [
        "REFERRAL_ALREADY_RECEIVED"
    ]
    silent = _outcome(made.referral_id, today, outcome=fpb.REFERRAL_OUTCOME_NOT_FILED)
    silent.note = ""
    assert await refused_fields(referrals.RecordReferralOutcome(silent, None)) == ["note"]
    decided = (await referrals.RecordReferralOutcome(_outcome(made.referral_id, today), None)).referral
    assert (decided.status, decided.outcome) == (fpb.REFERRAL_STATUS_DECIDED, fpb.REFERRAL_OUTCOME_FILED)
    assert await refused_types(referrals.RecordReferralOutcome(_outcome(made.referral_id, today), None)) == [
        "REFERRAL_ALREADY_DECIDED"
    ]
    updates = [
        events.ReferralChanged.FromString(b).status
        for b in await vworld.events("verification.referral_updated")
    ]
    assert updates == [fpb.REFERRAL_STATUS_RECEIVED, fpb.REFERRAL_STATUS_DECIDED]
    shown = (await referrals.GetReferral(fpb.GetReferralRequest(referral_id=made.referral_id), None)).referral
    assert shown == decided
    sent = await referrals.ListReferrals(fpb.ListReferralsRequest(status=fpb.REFERRAL_STATUS_SENT), None)
    assert not sent.referrals


def _receipt(referral_id: str, on: dt.date) -> fpb.RecordReferralReceiptRequest:
    return fpb.RecordReferralReceiptRequest(
        request_id=rid(), referral_id=referral_id, received_on=convert.to_date(on), receiver="李警官"
    )


def _outcome(
    referral_id: str, on: dt.date, outcome: int = fpb.REFERRAL_OUTCOME_FILED
) -> fpb.RecordReferralOutcomeRequest:
    return fpb.RecordReferralOutcomeRequest(
        request_id=rid(),
        referral_id=referral_id,
        outcome=outcome,  # type: ignore[arg-type]
        decided_on=convert.to_date(on),
        note="已立案侦查",
    )


# 部门间协查: events and overdue requests.


async def test_assistance_is_announced_and_overdue_requests_are_listed_and_counted(vworld: VWorld) -> None:
    await departments(vworld)
    task = await only_task(vworld, await vworld.record(new_uscc()))
    today = vworld.clock.today()
    vworld.verifier()
    ask = pb.RequestAssistanceRequest(
        request_id=rid(),
        task_id=task.task_id,
        to_department=HOUSING,
        question="请核实该经营场所的房屋权属登记情况",
        answer_by=convert.to_date(today + dt.timedelta(days=3)),
    )
    asked = (await vworld.tasks.RequestAssistance(ask, None)).assistance
    (requested,) = [
        events.AssistanceRequested.FromString(b)
        for b in await vworld.events("verification.assistance_requested")
    ]
    assert (requested.assistance_id, requested.to_department) == (asked.assistance_id, HOUSING)

    vworld.verifier(department=HOUSING)
    incoming = pb.ListAssistanceRequest(direction=pb.ASSISTANCE_DIRECTION_INCOMING, overdue_only=True)
    assert not (await vworld.tasks.ListAssistance(incoming, None)).assistance
    vworld.clock.advance(dt.timedelta(days=4))
    assert [a.assistance_id for a in (await vworld.tasks.ListAssistance(incoming, None)).assistance] == [
        asked.assistance_id
    ]
    counts = await vworld.tasks.CountOverdueAssistance(pb.CountOverdueAssistanceRequest(), None)
    assert [(d.department, d.pending, d.overdue) for d in counts.departments] == [(HOUSING, 1, 1)]
    assert await _run_assistance_job(vworld) == 1
    assert await _run_assistance_job(vworld) == 0  # once per request
    (late,) = [
        events.AssistanceOverdue.FromString(b) for b in await vworld.events("verification.assistance_overdue")
    ]
    assert (late.assistance_id, late.to_department, late.answer_by) == (
        asked.assistance_id,
        HOUSING,
        asked.answer_by,
    )
    vworld.verifier(department=SIDEWAYS)  # a department that was asked nothing counts none
    counts = await vworld.tasks.CountOverdueAssistance(pb.CountOverdueAssistanceRequest(), None)
    assert [(d.department, d.pending, d.overdue) for d in counts.departments] == [(SIDEWAYS, 0, 0)]

    vworld.verifier(department=HOUSING)
    answer = pb.AnswerAssistanceRequest(
        request_id=rid(),
        assistance_id=asked.assistance_id,
        finding=pb.ASSISTANCE_FINDING_CONTRADICTED,
        answer="登记簿记载权利人与申请人不一致",
    )
    await vworld.tasks.AnswerAssistance(answer, None)
    (answered,) = [
        events.AssistanceAnswered.FromString(b)
        for b in await vworld.events("verification.assistance_answered")
    ]
    assert (answered.assistance_id, answered.finding, answered.late) == (
        asked.assistance_id,
        pb.ASSISTANCE_FINDING_CONTRADICTED,
        True,
    )
    assert not (await vworld.tasks.ListAssistance(incoming, None)).assistance


async def _run_assistance_job(world: VWorld) -> int:
    async with world.db.unit_of_work(request_id="job") as uow:
        return await jobs.announce_assistance_overdue(uow)
