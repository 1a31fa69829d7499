"""The inspection loop across the service processes (issue 16): a plan is drawn, the drawn
subject's result records a problem with a penalty case, the credit service makes a record of it
and the subject's grade falls, the result event is on the bus, and its push to a supervision
platform is tracked (overdue after the 5 days of 《连云港市优化营商环境攻坚年若干政策措施(第4号)》四(四))
until the platform acknowledges it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid

from chengnuo.common.v1 import sharing_pb2 as spb
from chengnuo.common.v1 import sharing_pb2_grpc, subject_pb2
from chengnuo.credit.v1 import credit_pb2
from chengnuo.verification.v1 import inspections_pb2 as ipb
from chengnuo.verification.v1 import results_pb2 as pb
from chengnuo.verification.v1 import results_pb2_grpc
from chengnuo.verification.v1 import rosters_pb2 as rpb
from chengnuo.verification.v1 import sharing_pb2 as vspb
from chengnuo.verification.v1 import sharing_pb2_grpc as vs_grpc
from services.contracts import verification_events
from services.kernel import auth, convert
from services.launcher.stack import Stack
from tests.e2e.cli import Cli
from tests.e2e.conftest import Clients, service_today
from tests.e2e.test_sharing_queries import agree
from tests.e2e.test_verification_flow import Staff, department, find_event, inspectors, rid
from tests.support import channel, eventually, mint, new_uscc

LEGAL = subject_pb2.SUBJECT_KIND_LEGAL_PERSON


def _as(stack: Stack, role: str, dept: str) -> Clients:
    return Clients(stack, [role], dept, "350200")


async def _roster(lead: Staff, codes: list[str]) -> None:
    rows = [
        rpb.SubjectRow(
            subject=subject_pb2.SubjectRef(kind=LEGAL, code=c), name="厦门示例有限公司", region_code="350203"
        )
        for c in codes
    ]
    begun = (
        await lead.rosters.BeginSubjectImport(
            rpb.BeginSubjectImportRequest(request_id=rid(), mode=rpb.IMPORT_MODE_MERGE)
        )
    ).subject_import
    await lead.rosters.UploadSubjects(
        rpb.UploadSubjectsRequest(request_id=rid(), import_id=begun.import_id, first_row=1, rows=rows)
    )
    await lead.rosters.CommitSubjectImport(
        rpb.CommitSubjectImportRequest(request_id=rid(), import_id=begun.import_id)
    )


async def _pending(
    stub: sharing_pb2_grpc.SharingServiceAsyncStub, receiver: str, entity: str, *, overdue_only: bool = False
) -> spb.PushDelivery | None:
    answer = await stub.ListUnacknowledged(
        spb.ListUnacknowledgedRequest(receiver=receiver, page_size=1000, overdue_only=overdue_only)
    )
    return next((d for d in answer.deliveries if d.entity == entity), None)


async def test_a_problem_found_in_a_draw_becomes_a_record_a_grade_an_event_and_a_tracked_push(
    own_stack: Stack,
) -> None:
    stack, dept = own_stack, department()
    platform = f"350200-P{uuid.uuid4().hex[:6].upper()}"  # the "互联网+监管" platform's receiver
    await agree(stack, "inspection_results", platform, ["daily_supervision"], push=True)
    lead = Staff(_as(stack, "verification_lead", dept), stack)
    codes = [new_uscc() for _ in range(10)]
    await _roster(lead, codes)
    await inspectors(lead, *[f"ZF{uuid.uuid4().hex[:10].upper()}" for _ in range(2)])
    today = await service_today(stack, "verification")
    plan = await lead.inspections.CreatePlan(
        ipb.CreatePlanRequest(
            request_id=rid(),
            name="双随机抽查",
            departments=[dept],
            check_items=[
                ipb.CheckItem(code="SC-01", name="食品贮存", inspection_type="FOOD_SAFETY"),
                ipb.CheckItem(code="SC-02", name="明码标价", inspection_type="PRICE"),
            ],
            ratios=[ipb.GradeRatio(grade=credit_pb2.GRADE_B, percent=20)],  # ungraded: B; 2 of 10
            inspector_requirements=ipb.InspectorRequirements(team_size=2, domain="food_safety"),
            window_start=convert.to_date(today),
            window_end=convert.to_date(min(today + dt.timedelta(days=30), dt.date(today.year, 12, 31))),
        )
    )
    draw = (
        await lead.inspections.DrawPlan(ipb.DrawPlanRequest(request_id=rid(), plan_id=plan.plan.plan_id))
    ).draw
    drawn, other = (
        await lead.inspections.ListDrawResults(ipb.ListDrawResultsRequest(draw_id=draw.draw_id))
    ).subjects
    officer = _as(stack, "credit_officer", dept)
    status = credit_pb2.GetCreditStatusRequest(subject=drawn.subject)
    before = await officer.credit.GetCreditStatus(status)
    assert not before.records

    verifier = _as(stack, "verifier", dept)
    async with channel(stack.endpoints()["verification"], verifier.token) as ch:
        results = results_pb2_grpc.InspectionResultServiceStub(ch)
        recorded = await results.RecordInspectionResult(
            pb.RecordInspectionResultRequest(
                request_id=rid(),
                draw_id=draw.draw_id,
                subject_code=drawn.subject.code,
                inspection_date=convert.to_date(today),
                items=[
                    pb.ItemResult(
                        check_item="SC-01",
                        outcome=pb.ITEM_OUTCOME_PROBLEM_FOUND,
                        findings="过期食品未下架,店长电话13812345678",
                    ),
                    pb.ItemResult(check_item="SC-02", outcome=pb.ITEM_OUTCOME_NO_PROBLEM),
                ],
                inspectors=[m.certificate_number for m in drawn.team_members],
                evidence_refs=["执法记录仪 001"],
                acknowledgement=pb.ACKNOWLEDGEMENT_REFUSED,
                refusal_note="当事人拒绝签字,两名执法人员在场见证",
                measures=[
                    pb.ResultMeasure(
                        kind=pb.RESULT_MEASURE_KIND_PENALTY_CASE,
                        legal_basis="《中华人民共和国食品安全法》第一百二十四条",
                        case_number="厦市监立〔2026〕88号",
                    )
                ],
            )
        )
        result = recorded.result
        shown = await results.GetInspectionResult(pb.GetInspectionResultRequest(result_id=result.result_id))
        assert shown.result.acknowledgement == pb.ACKNOWLEDGEMENT_REFUSED
        assert "13812345678" in shown.result.items[0].findings  # the department's own record
    assert convert.from_date(result.push_deadline) == today + dt.timedelta(days=5)
    _cli_results(stack, dept, draw.draw_id, other, today)

    async def recorded_and_regraded() -> credit_pb2.GetCreditStatusResponse | None:
        found = await officer.credit.GetCreditStatus(status)
        return found if found.records and found.grade != before.grade else None

    after = await eventually(recorded_and_regraded, timeout=30, what="a credit record and a new grade")
    (record,) = after.records
    assert record.record_class == credit_pb2.RECORD_CLASS_ORDINARY
    assert "厦市监立〔2026〕88号" in record.facts
    assert (before.grade, after.grade) == (credit_pb2.GRADE_B, credit_pb2.GRADE_C)  # 80 - 25 points

    event = await find_event(
        stack, verification_events.INSPECTION_RESULT, lambda e: e.result_id == result.result_id
    )
    assert event is not None
    assert (event.subject.code, event.problem_found, list(event.departments)) == (
        drawn.subject.code,
        True,
        [dept],
    )

    admin_token = mint(auth.load_private_key(stack.keys.signing_key), ["admin"], "350200-DSJ", "350200")
    platform_token = mint(
        auth.load_private_key(stack.keys.signing_key), ["data_consumer"], platform, "350200"
    )
    entity = f"result/{result.result_id}"
    async with (
        channel(stack.endpoints()["verification"], admin_token) as admin_ch,
        channel(stack.endpoints()["verification"], platform_token) as platform_ch,
    ):
        admin = sharing_pb2_grpc.SharingServiceStub(admin_ch)
        mine = sharing_pb2_grpc.SharingServiceStub(platform_ch)
        pushed = await eventually(lambda: _pending(admin, platform, entity), what="the result's push")
        assert (pushed.event, pushed.push_deadline, pushed.overdue) == (
            "verification.inspection_result",
            result.push_deadline,
            False,
        )
        assert await _pending(admin, platform, entity, overdue_only=True) is None

        shared = await vs_grpc.VerificationSharingServiceStub(platform_ch).ListSharedInspectionResults(
            vspb.ListSharedInspectionResultsRequest(subject=drawn.subject, purpose="daily_supervision")
        )
        (read,) = shared.results  # what the push points to, read within the agreement
        assert (read.result_id, read.problem_found) == (result.result_id, True)
        assert "13812345678" not in read.items[0].findings  # personal data masked when shared
        assert "过期食品未下架" in read.items[0].findings

        code, _ = Cli(stack, ["admin"])("clock", "advance", "6d")  # past the 5-day push
        assert code == 0
        late = await eventually(
            lambda: _pending(admin, platform, entity, overdue_only=True), timeout=30, what="overdue push"
        )
        assert late.overdue
        code, out = Cli(stack, ["admin"])("sharing", "pending", "--receiver", platform, "--overdue", "--json")
        assert code == 0
        listed = json.loads(out)  # this result and the one recorded through the CLI
        assert entity in {d["entity"] for d in listed}
        assert all(d["overdue"] for d in listed)
        assert (await _pending(mine, "", entity, overdue_only=True)) is not None  # the platform sees its own

        ack = spb.AcknowledgePushRequest(
            request_id=rid(), event_id=pushed.event_id, outcome=spb.PUSH_OUTCOME_RECEIVED, feedback="已接收"
        )
        done = (await mine.AcknowledgePush(ack)).delivery
        assert (done.HasField("acknowledged_at"), done.overdue) == (True, False)
        assert await _pending(admin, platform, entity) is None
        assert await _pending(admin, platform, entity, overdue_only=True) is None

        shared = await vs_grpc.VerificationSharingServiceStub(platform_ch).ListSharedInspectionResults(
            vspb.ListSharedInspectionResultsRequest(subject=drawn.subject, purpose="daily_supervision")
        )
        (read,) = shared.results  # what the push points to, read within the agreement
        assert (read.result_id, read.problem_found) == (result.result_id, True)
        assert "13812345678" not in read.items[0].findings  # personal data masked when shared
        assert "过期食品未下架" in read.items[0].findings


def _cli_results(stack: Stack, dept: str, draw_id: str, subject: ipb.DrawnSubject, today: dt.date) -> None:
    """The other drawn subject's result through `chengnuo verify result`: a precise refusal, then
    the record, shown and listed."""
    cli = Cli(stack, ["verifier"], dept)
    team = [a for m in subject.team_members for a in ("--inspector", m.certificate_number)]
    base = ["verify", "result", "record", "--draw", draw_id, "--subject", subject.subject.code, *team]
    code, out = cli(*base, "--item", "SC-01 | ok")
    assert code != 0
    assert "CHECK_ITEM_WITHOUT_RESULT" in out
    assert "SC-02" in out
    rectify = f"rectify | 《中华人民共和国价格法》第四十二条 | {today + dt.timedelta(days=10)}"
    problem = ["--item", "SC-01 | ok", "--item", "SC-02 | problem | 未明码标价", "--measure", rectify]
    code, out = cli(*base, *problem, "--names", "none", "--json")
    assert code == 0, out
    made = json.loads(out)
    assert made["problem_found"] is True
    result_id = made["result_id"]
    code, out = cli("verify", "result", "show", result_id)
    assert code == 0
    assert "未明码标价" in out
    code, out = cli("verify", "result", "list", "--draw", draw_id, "--json")
    assert code == 0
    assert len(json.loads(out)) == 2


@dataclasses.dataclass(frozen=True)
class OwnedResult:
    """A department's drawn subject and the result it recorded (for the access matrix)."""

    draw_id: str
    subject_code: str
    result_id: str
    team: list[str]


async def owned_result(stack: Stack, dept: str) -> OwnedResult:
    """A plan of `dept` drawn, and a no-problem result of its drawn subject recorded."""
    lead = Staff(_as(stack, "verification_lead", dept), stack)
    await _roster(lead, [new_uscc() for _ in range(5)])
    await inspectors(lead, *[f"ZF{uuid.uuid4().hex[:10].upper()}" for _ in range(2)])
    today = await service_today(stack, "verification")
    plan = await lead.inspections.CreatePlan(
        ipb.CreatePlanRequest(
            request_id=rid(),
            name="双随机抽查",
            departments=[dept],
            check_items=[ipb.CheckItem(code="SC-01", name="食品贮存", inspection_type="FOOD_SAFETY")],
            ratios=[ipb.GradeRatio(grade=credit_pb2.GRADE_B, percent=20)],
            inspector_requirements=ipb.InspectorRequirements(team_size=2, domain="food_safety"),
            window_start=convert.to_date(today),
            window_end=convert.to_date(min(today + dt.timedelta(days=30), dt.date(today.year, 12, 31))),
        )
    )
    draw = await lead.inspections.DrawPlan(ipb.DrawPlanRequest(request_id=rid(), plan_id=plan.plan.plan_id))
    listed = await lead.inspections.ListDrawResults(ipb.ListDrawResultsRequest(draw_id=draw.draw.draw_id))
    (drawn,) = listed.subjects
    team = [m.certificate_number for m in drawn.team_members]
    async with channel(stack.endpoints()["verification"], _as(stack, "verifier", dept).token) as ch:
        made = await results_pb2_grpc.InspectionResultServiceStub(ch).RecordInspectionResult(
            pb.RecordInspectionResultRequest(
                request_id=rid(),
                draw_id=draw.draw.draw_id,
                subject_code=drawn.subject.code,
                inspection_date=convert.to_date(today),
                items=[pb.ItemResult(check_item="SC-01", outcome=pb.ITEM_OUTCOME_NO_PROBLEM)],
                inspectors=team,
                acknowledgement=pb.ACKNOWLEDGEMENT_SIGNED,
            )
        )
    return OwnedResult(draw.draw.draw_id, drawn.subject.code, made.result.result_id, team)
