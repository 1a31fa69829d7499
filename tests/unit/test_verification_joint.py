"""综合查一次 planning as properties: whatever the tasks, draws, hierarchy and earlier inspections,
planning never breaks the annual cap or the superior-department rule
(《连云港市优化营商环境攻坚年若干政策措施(第4号)》四(三))."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from services.verification.domain import joint
from services.verification.domain.hierarchy import Hierarchy
from services.verification.domain.rules import RuleBook
from services.verification.store.rules import packaged_rule_sets

RULES = RuleBook(packaged_rule_sets()).joint(dt.date(2026, 1, 1))
END = dt.date(2026, 12, 31)
DEPARTMENTS = [f"D{i}" for i in range(6)]
SUBJECTS = [f"S{i}" for i in range(5)]
TYPES = ["FOOD_SAFETY", "PRICE", "ADVERTISING", "COMMITMENT_VERIFICATION", "SAFETY", "ENVIRONMENT"]


@st.composite
def hierarchies(draw: st.DrawFn) -> Hierarchy:
    """A forest: each department's superior, if any, comes earlier in the list."""
    parents: dict[str, str | None] = {}
    for i, code in enumerate(DEPARTMENTS):
        parents[code] = draw(st.sampled_from([None, *DEPARTMENTS[:i]])) if i else None
    return Hierarchy(parents)


items = st.builds(
    joint.Item,
    source=st.sampled_from(["TASK", "DRAW"]),
    source_id=st.sampled_from([f"src{i}" for i in range(12)]),
    subject_code=st.sampled_from(SUBJECTS),
    subject_kind=st.just("SUBJECT_KIND_LEGAL_PERSON"),
    subject_name=st.just("某公司"),
    department=st.sampled_from(DEPARTMENTS),
    inspection_type=st.sampled_from(TYPES),
    check_item=st.sampled_from(["C1", "C2"]),
    due=st.one_of(st.none(), st.dates(dt.date(2026, 1, 1), END)),
)
inspections = st.builds(
    joint.Inspection,
    subject_code=st.sampled_from(SUBJECTS),
    department=st.sampled_from(DEPARTMENTS),
    inspection_type=st.sampled_from(TYPES),
    joint_id=st.sampled_from([f"j{i}" for i in range(4)]),
)


def exempt(kind: str) -> bool:
    return kind in RULES.exempt_types


def log_of(planned: joint.JointPlan, run: int) -> list[joint.Inspection]:
    return [
        joint.Inspection(j.subject_code, department, kind, f"run{run}-{n}")
        for n, j in enumerate(planned.joints)
        for department, kind in j.log_entries()
    ]


def check_cap(log: list[joint.Inspection], before: list[joint.Inspection]) -> None:
    """No subject gets a second non-exempt inspection of a type it already had (cap 1)."""
    earlier = Counter(
        (e.subject_code, e.inspection_type)
        for e in {(x.subject_code, x.inspection_type, x.joint_id): x for x in before}.values()
    )
    added = Counter(
        (e.subject_code, e.inspection_type)
        for e in {(x.subject_code, x.inspection_type, x.joint_id): x for x in log}.values()
    )
    for (subject, kind), count in added.items():
        if not exempt(kind):
            assert earlier[subject, kind] < RULES.annual_cap
            assert count == 1


def check_superior(planned: joint.JointPlan, before: list[joint.Inspection], hierarchy: Hierarchy) -> None:
    for j in planned.joints:
        for item in j.items:
            if exempt(item.inspection_type):
                continue
            assert not any(
                e.subject_code == item.subject_code
                and not exempt(e.inspection_type)
                and hierarchy.is_superior(e.department, item.department)
                for e in before
            )


@settings(max_examples=300, deadline=None)
@given(hierarchies(), st.lists(items, max_size=40), st.lists(inspections, max_size=12))
def test_planning_never_breaks_the_annual_cap_or_the_superior_rule(
    hierarchy: Hierarchy, candidates: list[joint.Item], before: list[joint.Inspection]
) -> None:
    planned = joint.plan(candidates, before, hierarchy, RULES, END)
    check_cap(log_of(planned, 1), before)
    check_superior(planned, before, hierarchy)


@settings(max_examples=200, deadline=None)
@given(hierarchies(), st.lists(items, max_size=30), st.lists(items, max_size=30))
def test_successive_runs_in_one_year_keep_both_rules(
    hierarchy: Hierarchy, first: list[joint.Item], second: list[joint.Item]
) -> None:
    one = joint.plan(first, [], hierarchy, RULES, END)
    log = log_of(one, 1)
    two = joint.plan(second, log, hierarchy, RULES, END)
    check_cap(log_of(two, 2), log)
    check_superior(two, log, hierarchy)


@settings(max_examples=200, deadline=None)
@given(hierarchies(), st.lists(items, max_size=40), st.lists(inspections, max_size=12))
def test_every_item_is_planned_or_excluded_once_and_each_subject_visited_once(
    hierarchy: Hierarchy, candidates: list[joint.Item], before: list[joint.Inspection]
) -> None:
    planned = joint.plan(candidates, before, hierarchy, RULES, END)
    placed = [i for j in planned.joints for i in j.items] + [e.item for e in planned.excluded]
    assert Counter(placed) == Counter(candidates)
    assert len({j.subject_code for j in planned.joints}) == len(planned.joints)
    assert planned.visits_saved == planned.visits_without_merging - len(planned.joints) >= 0
    for j in planned.joints:
        assert j.lead_department in j.departments
        assert j.visit_by == min([i.due for i in j.items if i.due] + [END])
    assert all(not exempt(e.item.inspection_type) for e in planned.excluded)


def _item(source_id: str, subject: str, department: str, kind: str) -> joint.Item:
    return joint.Item("DRAW", source_id, subject, "SUBJECT_KIND_LEGAL_PERSON", "某公司", department, kind)


def test_three_departments_on_one_subject_make_one_visit_led_by_the_busiest() -> None:
    hierarchy = Hierarchy({"CITY": "PROVINCE", "DISTRICT": "CITY"})
    planned = joint.plan(
        [
            _item("a", "S", "CITY", "FOOD_SAFETY"),
            _item("a", "S", "CITY", "PRICE"),
            _item("b", "S", "PROVINCE", "ADVERTISING"),
            _item("c", "S", "DISTRICT", "SAFETY"),
        ],
        [],
        hierarchy,
        RULES,
        END,
    )
    (visit,) = planned.joints
    assert (visit.lead_department, visit.departments) == ("CITY", ("CITY", "DISTRICT", "PROVINCE"))
    assert (planned.visits_without_merging, planned.visits_saved) == (3, 2)


def test_exclusions_name_the_rule_and_the_earlier_inspection() -> None:
    hierarchy = Hierarchy({"DISTRICT": "CITY"})
    earlier = [joint.Inspection("S", "CITY", "FOOD_SAFETY", "j-city")]
    planned = joint.plan(
        [
            _item("a", "S", "CITY", "FOOD_SAFETY"),
            _item("b", "S", "DISTRICT", "PRICE"),
            _item("c", "S", "DISTRICT", "SAFETY"),
        ],
        earlier,
        hierarchy,
        RULES,
        END,
    )
    assert [(e.item.source_id, e.reason, e.by_joint_id) for e in planned.excluded] == [
        ("a", joint.ANNUAL_CAP, "j-city"),
        ("b", joint.SUPERIOR_INSPECTED, "j-city"),
    ]
    (visit,) = planned.joints  # the safety check is exempt from both rules
    assert [i.source_id for i in visit.items] == ["c"]
