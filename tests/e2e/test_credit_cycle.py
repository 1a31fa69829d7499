"""A false commitment's whole credit cycle across the three processes (issue 5): the subject is
refused and over-sampled while its record is in force, and after the record expires it is
eligible again and sampled like everyone else."""

from __future__ import annotations

import datetime as dt
import uuid

from chengnuo.commitment.v1 import commitment_pb2
from chengnuo.common.v1 import subject_pb2
from chengnuo.credit.v1 import credit_pb2, lists_pb2_grpc, public_pb2, public_pb2_grpc, repair_pb2_grpc
from chengnuo.credit.v1 import lists_pb2 as lpb
from chengnuo.credit.v1 import repair_pb2 as repair
from chengnuo.verification.v1 import inspections_pb2 as ipb
from chengnuo.verification.v1 import rosters_pb2 as rpb
from services.kernel import convert
from services.launcher.stack import Stack
from tests.e2e.cli import Cli
from tests.e2e.conftest import Clients, service_today
from tests.e2e.test_credit_flow import dishonest
from tests.e2e.test_thin_flow import false_conclusion, publish_item, record_request, task_of
from tests.e2e.test_verification_flow import Staff, department, inspectors, rid
from tests.support import channel, eventually, new_uscc

LEGAL = subject_pb2.SUBJECT_KIND_LEGAL_PERSON


async def _roster(lead: Staff, code: str) -> None:
    row = rpb.SubjectRow(
        subject=subject_pb2.SubjectRef(kind=LEGAL, code=code), name="厦门示例有限公司", region_code="350203"
    )
    begun = (
        await lead.rosters.BeginSubjectImport(
            rpb.BeginSubjectImportRequest(request_id=rid(), mode=rpb.IMPORT_MODE_MERGE)
        )
    ).subject_import
    await lead.rosters.UploadSubjects(
        rpb.UploadSubjectsRequest(request_id=rid(), import_id=begun.import_id, first_row=1, rows=[row])
    )
    await lead.rosters.CommitSubjectImport(
        rpb.CommitSubjectImportRequest(request_id=rid(), import_id=begun.import_id)
    )


async def _sampled_grade(lead: Staff, dept: str, today: dt.date) -> tuple[int, int]:
    """The grade the only subject of the department's roster is sampled under, and its ratio."""
    plan = await lead.inspections.CreatePlan(
        ipb.CreatePlanRequest(
            request_id=rid(),
            name="双随机抽查",
            departments=[dept],
            # a type of its own per attempt: a retried draw must not find the subjects an earlier
            # attempt drew left out by the annual cap (同一年度同类检查不超过1次)
            check_items=[ipb.CheckItem(code="SC-01", name="经营许可", inspection_type=_fresh_type())],
            inspector_requirements=ipb.InspectorRequirements(team_size=2, domain="food_safety"),
            window_start=convert.to_date(today),
            window_end=convert.to_date(min(today + dt.timedelta(days=30), dt.date(today.year, 12, 31))),
        )
    )
    draw = await lead.inspections.DrawPlan(ipb.DrawPlanRequest(request_id=rid(), plan_id=plan.plan.plan_id))
    (stratum,) = [s for s in draw.draw.stats if s.pool]
    return stratum.grade, stratum.ratio_basis_points


async def test_refused_and_over_sampled_while_recorded_then_neither_after_expiry(own_stack: Stack) -> None:
    stack, dept, uscc = own_stack, department(), new_uscc()
    lead = Staff(as_role_on(stack, "verification_lead", dept), stack)
    await _roster(lead, uscc)
    await inspectors(lead, *[f"ZF{uuid.uuid4().hex[:10].upper()}" for _ in range(2)])
    today = await service_today(stack, "verification")
    assert await _sampled_grade(lead, dept, today) == (credit_pb2.GRADE_B, 1500)  # ungraded: B, 15 %

    admin, portal = as_role_on(stack, "catalogue_admin"), as_role_on(stack, "portal")
    verifier = as_role_on(stack, "verifier")
    item_id = await publish_item(admin)
    recorded = (await portal.commitments.RecordCommitment(record_request(uscc, item_id))).commitment
    task = await eventually(lambda: task_of(verifier, recorded.commitment_id), what="task")
    await verifier.verification.ConcludeTask(false_conclusion(task.task_id, today))

    async def over_sampled() -> tuple[int, int] | None:
        grade = await _sampled_grade(lead, dept, today)
        return grade if grade[0] != credit_pb2.GRADE_B else None

    worse, ratio = await eventually(over_sampled, timeout=30, what="a worse grade in the draw")
    assert worse in (credit_pb2.GRADE_C, credit_pb2.GRADE_D)
    assert ratio > 1500
    check = commitment_pb2.CheckEligibilityRequest(
        subject=subject_pb2.SubjectRef(kind=LEGAL, code=uscc), item_id=item_id
    )
    assert not (await portal.commitments.CheckEligibility(check)).eligible

    code, _ = Cli(stack, ["admin"])("clock", "advance", "1500d")  # past the maximum publicity period
    assert code == 0
    later = await service_today(stack, "verification")

    async def back_to_b() -> tuple[int, int] | None:
        grade = await _sampled_grade(lead, dept, later)
        return grade if grade[0] == credit_pb2.GRADE_B else None

    assert await eventually(back_to_b, timeout=60, what="grade B again") == (credit_pb2.GRADE_B, 1500)

    async def eligible() -> bool:
        return (await portal.commitments.CheckEligibility(check)).eligible

    await eventually(eligible, timeout=30, what="eligible again")
    officer = as_role_on(stack, "credit_officer")
    status = await officer.credit.GetCreditStatus(
        credit_pb2.GetCreditStatusRequest(subject=subject_pb2.SubjectRef(kind=LEGAL, code=uscc))
    )
    assert [r.status for r in status.records] == [credit_pb2.RECORD_STATUS_EXPIRED]
    assert not status.restrictions


def as_role_on(stack: Stack, role: str, department: str = "350200-SCJ") -> Clients:
    return Clients(stack, [role], department, "350200")


def _fresh_type() -> str:
    return f"FOOD_SAFETY_{uuid.uuid4().hex[:8].upper()}"


async def test_a_listed_subject_is_eligible_again_when_its_basis_is_repaired(own_stack: Stack) -> None:
    """Repair of every record a listing rests on removes the listing early (提前移出): the status,
    the public list and the commitment route agree, and not before the approval."""
    stack = own_stack
    today = await service_today(stack, "credit")
    # repairable under either records rule set (serious: 3 months under 令2023年第58号, 12 under 令第36号)
    decided = today - dt.timedelta(days=400)
    uscc, item_id, record = await dishonest(lambda role: as_role_on(stack, role), decided, referred=True)
    assert record.record_class == credit_pb2.RECORD_CLASS_SERIOUS
    portal, officer = as_role_on(stack, "portal"), as_role_on(stack, "credit_officer")
    reviewer = as_role_on(stack, "credit_reviewer")
    subject = subject_pb2.SubjectRef(kind=LEGAL, code=uscc)
    async with (
        channel(stack.endpoints()["credit"], officer.token) as officer_ch,
        channel(stack.endpoints()["credit"], reviewer.token) as reviewer_ch,
        channel(stack.endpoints()["credit"], portal.token) as portal_ch,
    ):
        lists = lists_pb2_grpc.BlacklistServiceStub(officer_ch)
        deciding = lists_pb2_grpc.BlacklistServiceStub(reviewer_ch)
        public = public_pb2_grpc.PublicCreditServiceStub(portal_ch)
        proposal = lpb.ProposeListingRequest(
            request_id=rid(), subject=subject, record_ids=[record.record_id], reasons="虚假承诺已移送司法机关"
        )
        entry = (await lists.ProposeListing(proposal)).entry
        code, out = Cli(stack, ["credit_officer"])(
            "credit", "blacklist", "serve", entry.entry_id, "--method", "direct", "--proof", "送达回证 第7号"
        )
        assert code == 0, out
        assert Cli(stack, ["admin"])("clock", "advance", "10d")[0] == 0  # past the statement period
        listing = lpb.DecideListingRequest(
            request_id=rid(), entry_id=entry.entry_id, decision=lpb.LISTING_DECISION_LIST, reason="未陈述申辩"
        )
        assert (await deciding.DecideListing(listing)).entry.status == lpb.LIST_ENTRY_STATUS_LISTED

        async def readers() -> tuple[bool, bool, bool]:
            """(status bars it as listed, on the public list, eligible for a commitment)"""
            status = await officer.credit.GetCreditStatus(credit_pb2.GetCreditStatusRequest(subject=subject))
            barred = any(r.cause == credit_pb2.RESTRICTION_CAUSE_BLACKLISTED for r in status.restrictions)
            shown = await public.ListBlacklist(public_pb2.ListBlacklistRequest(region_code="350200"))
            on_list = any(e.entry_id == entry.entry_id for e in shown.entries)
            check = commitment_pb2.CheckEligibilityRequest(subject=subject, item_id=item_id)
            return barred, on_list, (await portal.commitments.CheckEligibility(check)).eligible

        async def agreeing(expected: tuple[bool, bool, bool]) -> bool:
            return await readers() == expected

        await eventually(lambda: agreeing((True, True, False)), timeout=30, what="listed everywhere")
        repairs = repair_pb2_grpc.RepairServiceStub(portal_ch)
        applied = await repairs.ApplyRepair(
            repair.ApplyRepairRequest(
                request_id=rid(),
                record_id=record.record_id,
                applicant=subject,
                obligations_performed="已补正经营场所使用权证明并纠正失信行为",
                repair_commitment="本单位承诺依法诚信经营（信用修复承诺）",
            )
        )
        assert await readers() == (True, True, False)  # an application alone changes nothing
        approve = repair.DecideRepairRequest(
            request_id=rid(),
            application_id=applied.application.application_id,
            decision=repair.REPAIR_DECISION_APPROVE,
        )
        await repair_pb2_grpc.RepairServiceStub(reviewer_ch).DecideRepair(approve)
        removed = (await lists.GetListEntry(lpb.GetListEntryRequest(entry_id=entry.entry_id))).entry
        assert (removed.status, removed.removal_reason) == (
            lpb.LIST_ENTRY_STATUS_REMOVED,
            lpb.REMOVAL_REASON_BASIS_REPAIRED,
        )
        await eventually(lambda: agreeing((False, False, True)), timeout=30, what="eligible again everywhere")
    again = await portal.commitments.RecordCommitment(record_request(uscc, item_id))
    assert again.commitment.commitment_id
