"""Inspection results on real PostgreSQL: a drawn subject's result recorded once with its event
and deadlines, every refusal precise with nothing stored, and a joint inspection's one result
recorded by its lead and recognised by every participating department (互认)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from chengnuo.common.v1 import personal_data_pb2, subject_pb2
from chengnuo.credit.v1 import credit_pb2
from chengnuo.events.v1 import credit_events_pb2
from chengnuo.events.v1 import verification_events_pb2 as events
from chengnuo.verification.v1 import inspections_pb2 as ipb
from chengnuo.verification.v1 import results_pb2 as pb
from chengnuo.verification.v1 import rosters_pb2 as rpb
from services.kernel import convert
from services.kernel.clock import china_date
from services.kernel.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ServiceError,
)
from services.kernel.features.sharing.gate import SharingGate
from services.verification import consumers
from services.verification.api.deps import Deps
from services.verification.api.servicers import InspectionResultApi
from services.verification.main import STORES
from tests.integration.test_verification_rosters import begin, commit, subject_row, upload
from tests.integration.test_verification_tasks import rid
from tests.integration.test_verification_world import (
    DEPARTMENT,
    LEGAL,
    PUBLIC_KEY,
    VWorld,
    inspector,
    vworld_fixture,  # noqa: F401  (the `vworld` fixture)
)
from tests.support import new_uscc

CITY, COMMERCE, OTHER = DEPARTMENT, "350200-SWJ", "350200-WJW"
NOTHING_STORED = ("inspection_result", "outbox", "audit_log")


@dataclasses.dataclass
class Drawn:
    draw: ipb.Draw
    subjects: list[ipb.DrawnSubject]


async def _setup(world: VWorld, codes: list[str]) -> None:
    world.as_caller("admin")
    await world.rosters.PutDepartments(
        rpb.PutDepartmentsRequest(
            request_id=rid(),
            departments=[
                rpb.Department(code=CITY, name="厦门市市场监督管理局", region_code="350200"),
                rpb.Department(code=COMMERCE, name="厦门市商务局", region_code="350200"),
            ],
        ),
        None,
    )
    for department in (CITY, COMMERCE):
        import_id = await begin(world, department=department)
        await upload(world, import_id, 0, 1, [subject_row(c) for c in codes], department=department)
        await commit(world, import_id, department=department)
        staff = [inspector(f"ZF{department[:6]}{department[-3:]}{i}") for i in range(2)]
        await world.rosters.ImportInspectors(
            rpb.ImportInspectorsRequest(request_id=rid(), inspectors=staff), None
        )
    for code in codes:  # grade D at a 100 % ratio: every subject is drawn
        subject = subject_pb2.SubjectRef(kind=LEGAL, code=code)
        await world.apply(
            consumers.on_grade_changed,
            credit_events_pb2.GradeChanged(subject=subject, version=1, grade=credit_pb2.GRADE_D),
        )


async def _draw(world: VWorld, department: str, *items: tuple[str, str]) -> Drawn:
    world.lead(department)
    year = world.clock.today().year
    plan = await world.inspections.CreatePlan(
        ipb.CreatePlanRequest(
            request_id=rid(),
            name=f"{year}年抽查",
            departments=[department],
            check_items=[ipb.CheckItem(code=code, name=code, inspection_type=kind) for code, kind in items],
            ratios=[ipb.GradeRatio(grade=credit_pb2.GRADE_D, percent=100)],
            inspector_requirements=ipb.InspectorRequirements(team_size=2, domain="food_safety"),
            window_start=convert.to_date(dt.date(year, 1, 1)),
            window_end=convert.to_date(dt.date(year, 12, 31)),
        ),
        None,
    )
    drawn = await world.inspections.DrawPlan(
        ipb.DrawPlanRequest(request_id=rid(), plan_id=plan.plan.plan_id), None
    )
    listed = await world.inspections.ListDrawResults(
        ipb.ListDrawResultsRequest(draw_id=drawn.draw.draw_id), None
    )
    return Drawn(drawn.draw, list(listed.subjects))


def _api(world: VWorld) -> InspectionResultApi:
    deps = Deps(
        db=world.db,
        store=STORES,
        rules=world.rules,
        calendar=world.calendar,
        sharing=SharingGate(world.db),
        public_key=PUBLIC_KEY,
    )
    return InspectionResultApi(deps)


def _request(today: dt.date, **fields: Any) -> pb.RecordInspectionResultRequest:
    """A result with a problem on SC-01, a rectification order and a penalty case."""
    request = pb.RecordInspectionResultRequest(
        request_id=rid(),
        inspection_date=convert.to_date(today),
        items=[
            pb.ItemResult(
                check_item="SC-01", outcome=pb.ITEM_OUTCOME_PROBLEM_FOUND, findings="冷库温度记录缺失"
            ),
            pb.ItemResult(check_item="SC-02", outcome=pb.ITEM_OUTCOME_NO_PROBLEM),
        ],
        evidence_refs=["执法记录仪 2026-001"],
        acknowledgement=pb.ACKNOWLEDGEMENT_SIGNED,
        measures=[
            pb.ResultMeasure(
                kind=pb.RESULT_MEASURE_KIND_ORDER_RECTIFICATION,
                legal_basis="《中华人民共和国食品安全法》第一百二十六条",
                deadline=convert.to_date(today + dt.timedelta(days=15)),
            ),
            pb.ResultMeasure(
                kind=pb.RESULT_MEASURE_KIND_PENALTY_CASE,
                legal_basis="《中华人民共和国行政处罚法》第五十四条",
                case_number="厦市监立〔2026〕12号",
            ),
        ],
        personal_names=personal_data_pb2.PERSONAL_NAMES_NONE,
    )
    for name, value in fields.items():
        if isinstance(value, list):
            del getattr(request, name)[:]
            getattr(request, name).extend(value)
        elif hasattr(value, "CopyFrom"):
            getattr(request, name).CopyFrom(value)
        else:
            setattr(request, name, value)
    return request


def _team(subject: ipb.DrawnSubject) -> list[str]:
    return [m.certificate_number for m in subject.team_members]


async def test_a_drawn_subjects_result_is_recorded_once_with_its_event_and_deadlines(vworld: VWorld) -> None:
    codes = sorted(new_uscc() for _ in range(2))
    await _setup(vworld, codes)
    drawn = await _draw(vworld, CITY, ("SC-01", "FOOD_SAFETY"), ("SC-02", "PRICE"))
    api, today = _api(vworld), china_date(vworld.clock.now())
    subject = drawn.subjects[0]
    vworld.verifier(CITY)
    request = _request(
        today, draw_id=drawn.draw.draw_id, subject_code=subject.subject.code, inspectors=_team(subject)
    )
    result = (await api.RecordInspectionResult(request, None)).result
    assert (result.subject.code, result.position, result.recording_department) == (
        subject.subject.code,
        subject.position,
        CITY,
    )
    assert result.problem_found
    assert list(result.departments) == [CITY]
    assert convert.from_date(result.push_deadline) == today + dt.timedelta(days=5)  # 四(四): 5日内推送
    expected = vworld.calendar.current.add_working_days(today, 20)
    assert convert.from_date(result.publication_deadline) == expected.date
    assert result.publication_rule_set == "PUBLICATION-2021"
    assert [m.case_number for m in result.measures] == ["", "厦市监立〔2026〕12号"]

    again = await api.RecordInspectionResult(request, None)  # the same request: the same answer
    assert again.result.result_id == result.result_id
    with pytest.raises(AlreadyExists) as second:
        await api.RecordInspectionResult(_Req(request).fresh(), None)
    assert result.result_id in str(second.value)  # the earlier result is named
    assert await vworld.count("inspection_result") == 1

    (payload,) = await vworld.events("verification.inspection_result")
    event = events.InspectionResultRecorded.FromString(payload)
    assert (event.result_id, event.draw_id, event.problem_found) == (
        result.result_id,
        drawn.draw.draw_id,
        True,
    )
    assert event.push_deadline == result.push_deadline
    assert [i.outcome for i in event.items] == [pb.ITEM_OUTCOME_PROBLEM_FOUND, pb.ITEM_OUTCOME_NO_PROBLEM]

    got = await api.GetInspectionResult(pb.GetInspectionResultRequest(result_id=result.result_id), None)
    assert got.result == result
    listed = await api.ListInspectionResults(
        pb.ListInspectionResultsRequest(draw_id=drawn.draw.draw_id), None
    )
    assert [r.result_id for r in listed.results] == [result.result_id]
    other = next(c for c in codes if c != subject.subject.code)
    by_subject = pb.ListInspectionResultsRequest(subject_code=other)
    assert not (await api.ListInspectionResults(by_subject, None)).results
    vworld.verifier(COMMERCE)  # not a department of the plan
    with pytest.raises(PermissionDenied):
        await api.GetInspectionResult(pb.GetInspectionResultRequest(result_id=result.result_id), None)
    assert not (await api.ListInspectionResults(pb.ListInspectionResultsRequest(), None)).results


class _Req:
    """The same request under a new request id."""

    def __init__(self, request: pb.RecordInspectionResultRequest) -> None:
        self.request = request

    def fresh(self) -> pb.RecordInspectionResultRequest:
        copy = pb.RecordInspectionResultRequest()
        copy.CopyFrom(self.request)
        copy.request_id = rid()
        return copy


async def _refused(
    world: VWorld,
    api: InspectionResultApi,
    request: pb.RecordInspectionResultRequest,
    error: type[ServiceError],
) -> str:
    before = await world.counts(NOTHING_STORED)
    with pytest.raises(error) as refused:
        await api.RecordInspectionResult(request, None)
    assert await world.counts(NOTHING_STORED) == before
    found = refused.value
    if isinstance(found, InvalidArgument):
        return " ".join(f"{v.field}: {v.description}" for v in found.violations)
    if isinstance(found, FailedPrecondition):
        return " ".join(f"{v.type} {v.subject}" for v in found.violations)
    return str(found)


async def test_every_refusal_is_precise_and_stores_nothing(vworld: VWorld) -> None:
    codes = sorted(new_uscc() for _ in range(2))
    await _setup(vworld, codes)
    drawn = await _draw(vworld, CITY, ("SC-01", "FOOD_SAFETY"), ("SC-02", "PRICE"))
    api, today = _api(vworld), china_date(vworld.clock.now())
    subject = drawn.subjects[0]
    team = _team(subject)
    base: dict[str, Any] = {
        "draw_id": drawn.draw.draw_id,
        "subject_code": subject.subject.code,
        "inspectors": team,
    }
    vworld.verifier(CITY)
    no_problem = [
        pb.ItemResult(check_item="SC-01", outcome=pb.ITEM_OUTCOME_NO_PROBLEM),
        pb.ItemResult(check_item="SC-02", outcome=pb.ITEM_OUTCOME_NO_PROBLEM),
    ]
    invalid: dict[str, dict[str, Any]] = {
        "inspection_date: must not be in the future": {
            "inspection_date": convert.to_date(today + dt.timedelta(days=1))
        },
        "items[1].check_item: check item SC-01 has a result already": {
            "items": [
                pb.ItemResult(check_item="SC-01", outcome=pb.ITEM_OUTCOME_NO_PROBLEM),
                pb.ItemResult(check_item="SC-01", outcome=pb.ITEM_OUTCOME_NO_PROBLEM),
            ],
            "measures": [],
        },
        "items[0].findings: required when a problem was found": {
            "items": [pb.ItemResult(check_item="SC-01", outcome=pb.ITEM_OUTCOME_PROBLEM_FOUND)]
        },
        "items[0].outcome: required": {"items": [pb.ItemResult(check_item="SC-01")], "measures": []},
        "inspectors: 2 to 10": {"inspectors": team[:1]},
        "inspectors: each inspector once": {"inspectors": [team[0], team[0]]},
        "refusal_note: required when the subject refused to sign": {
            "acknowledgement": pb.ACKNOWLEDGEMENT_REFUSED
        },
        "acknowledgement: required": {"acknowledgement": pb.ACKNOWLEDGEMENT_UNSPECIFIED},
        "measures: only when an item found a problem": {"items": no_problem},
        "measures[0].deadline: required for a rectification order": {
            "measures": [
                pb.ResultMeasure(
                    kind=pb.RESULT_MEASURE_KIND_ORDER_RECTIFICATION, legal_basis="《食品安全法》"
                )
            ]
        },
        "measures[0].deadline: must be after the inspection date": {
            "measures": [
                pb.ResultMeasure(
                    kind=pb.RESULT_MEASURE_KIND_ORDER_RECTIFICATION,
                    legal_basis="《食品安全法》",
                    deadline=convert.to_date(today),
                )
            ]
        },
        "measures[0].case_number: required for a penalty case": {
            "measures": [
                pb.ResultMeasure(kind=pb.RESULT_MEASURE_KIND_PENALTY_CASE, legal_basis="《行政处罚法》")
            ]
        },
        "measures[0].to_department: a referral goes to another department": {
            "measures": [
                pb.ResultMeasure(
                    kind=pb.RESULT_MEASURE_KIND_REFERRAL, legal_basis="《行政处罚法》", to_department=CITY
                )
            ]
        },
        "measures[0].legal_basis: required": {
            "measures": [pb.ResultMeasure(kind=pb.RESULT_MEASURE_KIND_REFERRAL, to_department=COMMERCE)]
        },
        "draw_id: exactly one of": {"joint_inspection_id": rid()},
        "subject_code: required with draw_id": {"subject_code": ""},
    }
    for expected, change in invalid.items():
        said = await _refused(vworld, api, _request(today, **{**base, **change}), InvalidArgument)
        assert expected in said, (expected, said)

    names = _request(today, **base)
    names.items[0].findings = "负责人张三丰拒绝提供台账"
    names.ClearField("personal_names")
    assert "personal_names" in await _refused(vworld, api, names, InvalidArgument)

    other_team = [n for n in ("ZF350200SWJ0", "ZF350200SCJ9") if n not in team]
    unfit: dict[str, dict[str, Any]] = {
        "UNKNOWN_CHECK_ITEM SC-09": {
            "items": [
                pb.ItemResult(check_item="SC-01", outcome=pb.ITEM_OUTCOME_NO_PROBLEM),
                pb.ItemResult(check_item="SC-09", outcome=pb.ITEM_OUTCOME_NO_PROBLEM),
            ],
            "measures": [],
        },
        "CHECK_ITEM_WITHOUT_RESULT SC-02": {"items": no_problem[:1], "measures": []},
        f"NOT_ON_TEAM {other_team[0]}": {"inspectors": [team[0], other_team[0]]},
    }
    for expected, change in unfit.items():
        said = await _refused(vworld, api, _request(today, **{**base, **change}), FailedPrecondition)
        assert expected in said, (expected, said)

    vworld.clock.advance(dt.timedelta(days=3))
    later = china_date(vworld.clock.now())
    early = _request(later, **base, inspection_date=convert.to_date(today - dt.timedelta(days=1)))
    early.measures[0].deadline.CopyFrom(convert.to_date(later + dt.timedelta(days=10)))
    assert "BEFORE_INSPECTION_PLANNED inspection_date" in await _refused(
        vworld, api, early, FailedPrecondition
    )

    unknown_draw = _request(later, **{**base, "draw_id": rid()})
    assert "draw" in await _refused(vworld, api, unknown_draw, NotFound)
    not_drawn = _request(later, **{**base, "subject_code": new_uscc()})
    assert "drawn subject" in await _refused(vworld, api, not_drawn, NotFound)
    vworld.verifier(COMMERCE)
    assert "does not take part" in await _refused(vworld, api, _request(later, **base), PermissionDenied)


async def test_a_joint_inspections_one_result_is_recorded_by_its_lead_and_recognised_by_all(
    vworld: VWorld,
) -> None:
    codes = sorted(new_uscc() for _ in range(1))
    await _setup(vworld, codes)
    city = await _draw(vworld, CITY, ("SC-01", "FOOD_SAFETY"), ("SC-02", "PRICE"))
    await _draw(vworld, COMMERCE, ("SW-01", "PREPAID_CARDS"))
    year = vworld.clock.today().year
    vworld.lead(CITY)
    planned = await vworld.inspections.PlanJointInspections(
        ipb.PlanJointInspectionsRequest(
            request_id=rid(),
            departments=[CITY, COMMERCE],
            window_start=convert.to_date(dt.date(year, 1, 1)),
            window_end=convert.to_date(dt.date(year, 12, 31)),
        ),
        None,
    )
    (joint,) = planned.joint_inspections
    assert joint.lead_department == CITY
    api, today = _api(vworld), china_date(vworld.clock.now())
    items = [
        pb.ItemResult(check_item="SC-01", outcome=pb.ITEM_OUTCOME_PROBLEM_FOUND, findings="冷库温度记录缺失"),
        pb.ItemResult(check_item="SC-02", outcome=pb.ITEM_OUTCOME_NO_PROBLEM),
        pb.ItemResult(check_item="SW-01", outcome=pb.ITEM_OUTCOME_NO_PROBLEM),
    ]
    inspectors = list(joint.certificate_numbers)[:3]
    vworld.verifier(CITY)
    subject = city.subjects[0]
    by_draw = _request(
        today, draw_id=city.draw.draw_id, subject_code=subject.subject.code, inspectors=_team(subject)
    )
    said = await _refused(vworld, api, by_draw, FailedPrecondition)
    assert f"MERGED_INTO_JOINT draw/{city.draw.draw_id}" in said  # one visit, one result

    request = _request(
        today, joint_inspection_id=joint.joint_inspection_id, items=items, inspectors=inspectors
    )
    vworld.verifier(COMMERCE)
    assert "lead department" in await _refused(vworld, api, request, PermissionDenied)
    vworld.verifier(OTHER)
    assert "does not take part" in await _refused(vworld, api, request, PermissionDenied)

    vworld.verifier(CITY)
    result = (await api.RecordInspectionResult(request, None)).result
    assert (result.joint_inspection_id, sorted(result.departments)) == (
        joint.joint_inspection_id,
        [CITY, COMMERCE],
    )
    with pytest.raises(AlreadyExists):
        await api.RecordInspectionResult(_Req(request).fresh(), None)

    vworld.verifier(COMMERCE)  # 互认: the cooperating department reads the result as its own
    got = await api.GetInspectionResult(pb.GetInspectionResultRequest(result_id=result.result_id), None)
    assert got.result.result_id == result.result_id
    mine = await api.ListInspectionResults(pb.ListInspectionResultsRequest(year=today.year), None)
    assert [r.result_id for r in mine.results] == [result.result_id]
    by_joint = pb.ListInspectionResultsRequest(
        joint_inspection_id=joint.joint_inspection_id, recording_department=CITY
    )
    assert len((await api.ListInspectionResults(by_joint, None)).results) == 1
    with pytest.raises(InvalidArgument):
        await api.ListInspectionResults(pb.ListInspectionResultsRequest(year=1999), None)
    vworld.verifier(OTHER)
    with pytest.raises(PermissionDenied):
        await api.GetInspectionResult(pb.GetInspectionResultRequest(result_id=result.result_id), None)


async def test_a_subject_inspected_already_is_not_merged_into_a_later_joint_visit(vworld: VWorld) -> None:
    codes = sorted(new_uscc() for _ in range(1))
    await _setup(vworld, codes)
    city = await _draw(vworld, CITY, ("SC-01", "FOOD_SAFETY"), ("SC-02", "PRICE"))
    commerce = await _draw(vworld, COMMERCE, ("SW-01", "PREPAID_CARDS"))
    api, today = _api(vworld), china_date(vworld.clock.now())
    (drawn,) = commerce.subjects
    vworld.verifier(COMMERCE)
    done = _request(
        today,
        draw_id=commerce.draw.draw_id,
        subject_code=drawn.subject.code,
        inspectors=_team(drawn),
        items=[pb.ItemResult(check_item="SW-01", outcome=pb.ITEM_OUTCOME_NO_PROBLEM)],
        measures=[],
    )
    await api.RecordInspectionResult(done, None)
    year = vworld.clock.today().year
    vworld.lead(CITY)
    planned = await vworld.inspections.PlanJointInspections(
        ipb.PlanJointInspectionsRequest(
            request_id=rid(),
            departments=[CITY, COMMERCE],
            window_start=convert.to_date(dt.date(year, 1, 1)),
            window_end=convert.to_date(dt.date(year, 12, 31)),
        ),
        None,
    )
    merged = {i.source_id for j in planned.joint_inspections for i in j.items}
    assert f"{commerce.draw.draw_id}/{drawn.position}" not in merged  # inspected: not visited again
    assert f"{city.draw.draw_id}/{city.subjects[0].position}" in merged
