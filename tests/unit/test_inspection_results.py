"""The rules of inspection results (双随机, 综合查一次): a result on its own, whether it fits its
inspection, who records it; and which results the credit rule set makes records of."""

from __future__ import annotations

import dataclasses
import datetime as dt

from chengnuo.events.v1 import verification_events_pb2 as events
from services.credit.domain import inspections
from services.credit.domain.rule_sets import choose_rule_set
from services.credit.store.rule_sets import packaged_rule_sets
from services.kernel import convert
from services.kernel.errors import Violations
from services.kernel.features.sharing.push import _push_deadline
from services.verification.domain import results as rules
from services.verification.domain.results import Draft, Inspection, ItemResult, Measure

TODAY = dt.date(2026, 5, 20)
TEAM = ("ZF001", "ZF002")


def draft(**changes: object) -> Draft:
    found = Draft(
        inspection_date=TODAY,
        items=(
            ItemResult("SC-01", rules.PROBLEM_FOUND, "台账缺失"),
            ItemResult("SC-02", rules.NO_PROBLEM, ""),
        ),
        inspectors=TEAM,
        evidence_refs=("记录仪-1",),
        acknowledgement=rules.SIGNED,
        refusal_note="",
        measures=(Measure(rules.RECTIFICATION, "《食品安全法》", TODAY + dt.timedelta(days=10)),),
    )
    return dataclasses.replace(found, **changes)  # type: ignore[arg-type]


def problems(d: Draft, recorder: str = "350200-SCJ") -> dict[str, str]:
    v = Violations()
    rules.check_draft(v, d, TODAY, 2, recorder)
    return {p.field: p.description for p in v.items}


def inspection(**changes: object) -> Inspection:
    found = Inspection(
        kind=rules.DRAW,
        name="draw/d/913502001234567890",
        subject_kind="SUBJECT_KIND_LEGAL_PERSON",
        subject_code="913502001234567890",
        subject_name="厦门示例有限公司",
        departments=("350200-SCJ", "350200-SWJ"),
        recorder=None,
        check_items=("SC-01", "SC-02"),
        team=TEAM,
        not_before=TODAY - dt.timedelta(days=3),
    )
    return dataclasses.replace(found, **changes)  # type: ignore[arg-type]


def test_a_complete_result_has_no_problems() -> None:
    assert problems(draft()) == {}
    assert draft().problem_found
    assert not rules.fit_problems(inspection(), draft())


def test_each_rule_of_a_result_on_its_own_names_its_field() -> None:
    assert "future" in problems(draft(inspection_date=TODAY + dt.timedelta(days=1)))["inspection_date"]
    assert "at least" not in problems(draft(inspectors=("ZF001",)))["inspectors"]
    assert "2 to 10" in problems(draft(inspectors=("ZF001",)))["inspectors"]
    refused = problems(draft(acknowledgement=rules.REFUSED))
    assert "inspectors' note" in refused["refusal_note"]
    assert (
        problems(draft(acknowledgement=rules.REFUSED, refusal_note="当事人拒绝签字,两名执法人员在场")) == {}
    )
    quiet = (ItemResult("SC-01", rules.NO_PROBLEM, ""),)
    assert "only when an item found a problem" in problems(draft(items=quiet))["measures"]
    late = Measure(rules.RECTIFICATION, "《食品安全法》", TODAY)
    assert "after the inspection date" in problems(draft(measures=(late,)))["measures[0].deadline"]
    case = Measure(rules.PENALTY_CASE, "《行政处罚法》")
    assert "案号" in problems(draft(measures=(case,)))["measures[0].case_number"]
    stray = Measure(
        rules.PENALTY_CASE, "《行政处罚法》", TODAY + dt.timedelta(days=1), case_number="立〔2026〕1号"
    )
    assert "only for a rectification order" in problems(draft(measures=(stray,)))["measures[0].deadline"]
    own = Measure(rules.REFERRAL, "《行政处罚法》", to_department="350200-SCJ")
    assert "another department" in problems(draft(measures=(own,)))["measures[0].to_department"]
    assert problems(draft(measures=(dataclasses.replace(own, to_department="350200-SWJ"),))) == {}


def test_a_result_must_fit_its_inspection() -> None:
    odd = draft(
        items=(ItemResult("SC-01", rules.NO_PROBLEM, ""), ItemResult("SC-09", rules.NO_PROBLEM, "")),
        measures=(),
    )
    found = {(p.type, p.subject) for p in rules.fit_problems(inspection(), odd)}
    assert found == {("UNKNOWN_CHECK_ITEM", "SC-09"), ("CHECK_ITEM_WITHOUT_RESULT", "SC-02")}
    stranger = draft(inspectors=("ZF001", "ZF009"))
    assert [(p.type, p.subject) for p in rules.fit_problems(inspection(), stranger)] == [
        ("NOT_ON_TEAM", "ZF009")
    ]
    early = draft(inspection_date=TODAY - dt.timedelta(days=4))
    assert [p.type for p in rules.fit_problems(inspection(), early)] == ["BEFORE_INSPECTION_PLANNED"]
    assert [p.type for p in rules.fit_problems(inspection(team=()), draft())] == ["NO_TEAM"]
    merged = rules.fit_problems(inspection(merged_into="j-1"), draft())
    assert [(p.type, "j-1" in p.description) for p in merged] == [("MERGED_INTO_JOINT", True)]


def test_any_participant_records_a_draw_only_the_lead_a_joint_inspection() -> None:
    assert rules.may_record(inspection(), "350200-SWJ") is None
    assert "does not take part" in (rules.may_record(inspection(), "350200-WJW") or "")
    joint = inspection(kind=rules.JOINT, name="joint/j", recorder="350200-SCJ")
    assert rules.may_record(joint, "350200-SCJ") is None
    assert "互认" in (rules.may_record(joint, "350200-SWJ") or "")


def test_only_a_penalty_case_makes_a_credit_record_and_an_ordinary_one() -> None:
    rule_set = choose_rule_set(packaged_rule_sets(), "inspection_records", TODAY, "350200")
    assert rule_set.id == "INSPECTION-RESULTS-2021"
    penalty = inspections.record_rule(rule_set, True, ["RESULT_MEASURE_KIND_PENALTY_CASE"])
    assert penalty == inspections.RecordRule("INSPECTION-RESULTS-2021/penalty_case_opened", "ORDINARY")
    assert inspections.record_rule(rule_set, True, ["RESULT_MEASURE_KIND_ORDER_RECTIFICATION"]) is None
    assert inspections.record_rule(rule_set, True, ["RESULT_MEASURE_KIND_REFERRAL"]) is None
    assert inspections.record_rule(rule_set, False, ["RESULT_MEASURE_KIND_PENALTY_CASE"]) is None


def test_a_pushed_event_carries_its_push_deadline_into_the_delivery() -> None:
    stated = events.InspectionResultRecorded(push_deadline=convert.to_date(TODAY))
    assert _push_deadline(stated) == TODAY
    assert _push_deadline(events.InspectionResultRecorded()) is None
    assert _push_deadline(events.DrawCompleted()) is None  # no such field: no deadline
