"""Request checks without a database: conclusions, extensions, teams, roster rows, hierarchy."""

from __future__ import annotations

import datetime as dt

from chengnuo.common.v1 import subject_pb2
from chengnuo.verification.v1 import rosters_pb2 as rpb
from chengnuo.verification.v1 import verification_pb2 as pb
from services.kernel import convert
from services.kernel.errors import Violations
from services.verification.api import parse
from services.verification.domain import rosters, tasks
from services.verification.domain.hierarchy import Hierarchy
from services.verification.domain.rules import RuleBook
from services.verification.store.rules import packaged_rule_sets

TODAY = dt.date(2026, 11, 24)
TASK_RULES = RuleBook(packaged_rule_sets()).tasks(TODAY)
USCC = "91350200MA2YJ1XR9G"


def _fields(v: Violations) -> list[str]:
    return [x.field for x in v.items]


def test_a_false_conclusion_needs_measures_with_legal_basis_and_a_rectification_deadline() -> None:
    v = Violations()
    request = pb.ConcludeTaskRequest(
        outcome=pb.OUTCOME_FALSE,
        findings="x",
        decision_date=convert.to_date(TODAY),
        measures=[pb.Measure(kind=pb.MEASURE_KIND_ORDER_RECTIFICATION, legal_basis=" ")],
        evidence_refs=["", "a" * 501],
    )
    parse.check_conclusion(v, request, TODAY)
    assert _fields(v) == [
        "measures[0].legal_basis",
        "measures[0].deadline",
        "evidence_refs[0]",
        "evidence_refs[1]",
    ]


def test_measures_only_on_a_false_outcome_and_no_future_decisions() -> None:
    v = Violations()
    request = pb.ConcludeTaskRequest(
        outcome=pb.OUTCOME_TRUE,
        findings="属实",
        decision_date=convert.to_date(TODAY + dt.timedelta(days=1)),
        measures=[pb.Measure(kind=pb.MEASURE_KIND_PENALTY, legal_basis="x")],
    )
    parse.check_conclusion(v, request, TODAY)
    assert _fields(v) == ["decision_date", "measures"]


def test_extensions_are_bounded_by_the_rule_set_and_need_a_reason() -> None:
    v = Violations()
    parse.check_extension(v, pb.ExtendDeadlineRequest(working_days=21, reason=""), TASK_RULES)
    assert [(x.field, x.description) for x in v.items] == [
        ("working_days", "must be 1 to 20 working days (rule set TASKS-2020)"),
        ("reason", "required: why the deadline cannot be kept"),
    ]


def test_team_requests_are_checked_for_shape() -> None:
    v = Violations()
    assert parse.check_team_request(v, [" ZF1 ", "ZF1", ""]) == ["ZF1", "ZF1", ""]
    assert _fields(v) == ["certificate_numbers[1]", "certificate_numbers[2]"]


def test_team_problems_name_each_inspector() -> None:
    task = tasks.TaskFacts("D1", USCC, "DOCUMENT")
    team = [
        tasks.InspectorFacts("ZF1", "D1", True, None, frozenset()),
        tasks.InspectorFacts("ZF2", "D1", True, TODAY - dt.timedelta(days=1), frozenset()),
        tasks.InspectorFacts("ZF3", "D1", True, None, frozenset({USCC})),
        tasks.InspectorFacts("ZF4", "D2", True, None, frozenset()),
    ]
    problems = tasks.team_problems(task, team, TASK_RULES, TODAY)
    assert [(p.type, p.subject) for p in problems] == [
        ("INSPECTOR_NOT_QUALIFIED", "ZF2"),
        ("INSPECTOR_CONFLICT", "ZF3"),
        ("INSPECTOR_OTHER_DEPARTMENT", "ZF4"),
    ]
    assert tasks.team_problems(task, team[:1], TASK_RULES, TODAY) == []  # one suffices for a document check


def test_a_subject_row_reports_every_problem() -> None:
    bad = rpb.SubjectRow(
        subject=subject_pb2.SubjectRef(kind=subject_pb2.SUBJECT_KIND_LEGAL_PERSON, code=USCC[:-1] + "0"),
        name="",
        region_code="000000",
        industry="H 62",
        tags=["ok", "not ok"],
    )
    found = parse.subject_row(bad)
    assert isinstance(found, list)
    assert [f.field for f in found] == ["subject.code", "name", "region_code", "industry", "tags[1]"]
    good = parse.subject_row(
        rpb.SubjectRow(
            subject=subject_pb2.SubjectRef(kind=subject_pb2.SUBJECT_KIND_LEGAL_PERSON, code=USCC.lower()),
            name=" 厦门示例 ",
            region_code="350203",
        )
    )
    assert good == rosters.SubjectRecord(USCC, "SUBJECT_KIND_LEGAL_PERSON", "厦门示例", "350203", "", [])


def test_an_inspector_row_belongs_to_the_callers_department() -> None:
    found = parse.inspector_row(rpb.Inspector(certificate_number="ZF1", name="李四", department="D2"), "D1")
    assert isinstance(found, list)
    assert [f.field for f in found] == ["department"]


def test_the_hierarchy_answers_superiors_depth_descendants_and_cycles() -> None:
    tree = Hierarchy({"P": None, "C": "P", "D": "C", "E": "C", "X": None})
    assert tree.ancestors("D") == ["C", "P"]
    assert tree.is_superior("P", "D")
    assert not tree.is_superior("D", "P")
    assert (tree.depth("P"), tree.depth("E")) == (0, 2)
    assert tree.with_descendants("C") == ["C", "D", "E"]
    assert Hierarchy({"A": "B", "B": "A"}).cycle_through("A")
    assert not tree.cycle_through("D")


def test_an_inspector_must_be_qualified_for_the_items_supervision_domain() -> None:
    task = tasks.TaskFacts("D1", USCC, "ON_SITE", "food_safety")
    food = tasks.InspectorFacts("ZF1", "D1", True, None, frozenset(), frozenset({"food_safety"}))
    building = tasks.InspectorFacts("ZF2", "D1", True, None, frozenset(), frozenset({"construction"}))
    problems = tasks.team_problems(task, [food, building], TASK_RULES, TODAY)
    assert [(p.type, p.subject) for p in problems] == [("INSPECTOR_NOT_QUALIFIED", "ZF2")]
    assert "food_safety" in problems[0].description
    anyone = tasks.TaskFacts("D1", USCC, "ON_SITE")  # an item without a domain accepts any inspector
    assert tasks.team_problems(anyone, [food, building], TASK_RULES, TODAY) == []
