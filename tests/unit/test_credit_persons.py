"""Responsible persons (法定代表人, 主要负责人, 直接责任人员): who may be named where, and which
measures reach them until when (services/credit/domain/persons.py)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import replace
from typing import Any

import pytest

from services.credit.domain import documents, measures, persons
from services.credit.domain.blacklist import LISTED, REMOVED, ListEntry, notice
from services.credit.domain.persons import Naming, Source
from services.credit.domain.records import PUBLISHED, REPAIRED
from services.credit.domain.rule_sets import choose_rule_set, find
from services.credit.store.rule_sets import packaged_rule_sets
from services.kernel.calendar import WorkingCalendar
from services.kernel.errors import FailedPrecondition
from services.kernel.rule_sets import RuleSet
from tests.unit.test_credit_listing_repair import _entry, record

D = dt.date
TODAY = D(2026, 7, 1)
PERSON = "350203199001011234"
LOADED = packaged_rule_sets()
RULES = choose_rule_set(LOADED, "responsible_persons", TODAY, "350200")
CATALOGUE = choose_rule_set(LOADED, "measures", TODAY, "350200")


def serious(**changes: Any) -> Source:
    codes, _ = measures.pinned(CATALOGUE, "SERIOUS")
    r = replace(record(PUBLISHED), measures=tuple(codes), measure_catalogue=CATALOGUE.id, **changes)
    return persons.record_source(r, TODAY)


def naming(source: Source, role: str = "LEGAL_REPRESENTATIVE", code: str = PERSON, **changes: Any) -> Naming:
    made = Naming(
        uuid.uuid4(),
        source.kind,
        source.source_id,
        source.subject_kind,
        source.subject_code,
        source.subject_name,
        source.department,
        source.region_code,
        code,
        "张三丰",
        role,
        "营业执照登记的法定代表人",
        RULES.id,
        "ZF35020001",
        dt.datetime(2026, 7, 1, tzinfo=dt.UTC),
    )
    return replace(made, **changes)


def refusal(source: Source, role: str = "LEGAL_REPRESENTATIVE", named: tuple[Naming, ...] = ()) -> str:
    with pytest.raises(FailedPrecondition) as caught:
        persons.may_name(RULES, source, role, PERSON, named)
    [violation] = caught.value.violations
    assert PERSON not in caught.value.message + violation.subject + violation.description
    return violation.type


def test_the_packaged_rule_set_names_persons_on_serious_records_and_listings_of_enterprises() -> None:
    assert RULES.rules["named_on"] == ["SERIOUS", "BLACKLISTED"]
    persons.may_name(RULES, serious(), "LEGAL_REPRESENTATIVE", PERSON, ())
    assert refusal(serious(record_class="ORDINARY")) == "PERSONS_NOT_NAMEABLE"
    assert refusal(serious(subject_kind="SUBJECT_KIND_INDIVIDUAL_BUSINESS")) == "PERSONS_NOT_NAMEABLE"
    assert refusal(serious(status=REPAIRED)) == "SOURCE_NOT_IN_FORCE"


def test_one_legal_representative_per_record_and_the_same_person_once_per_role() -> None:
    source = serious()
    first = naming(source)
    assert refusal(source, named=(first,)) == "ALREADY_NAMED"
    other = naming(source, code="350203199202023456")
    assert refusal(source, named=(other,)) == "ROLE_FILLED"
    persons.may_name(RULES, source, "DIRECTLY_RESPONSIBLE", PERSON, (first,))  # another role: fine
    withdrawn = replace(other, withdrawn_at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC))
    persons.may_name(RULES, source, "LEGAL_REPRESENTATIVE", PERSON, (withdrawn,))


def test_only_the_honours_limitation_reaches_a_legal_representative_and_only_while_in_force() -> None:
    source = serious()
    named = naming(source)
    found = persons.person_measures([named], {source.source_id: source}, LOADED)
    assert [(m.measure.code, m.until) for m in found] == [("HONOURS_LIMIT", D(2029, 6, 1))]
    assert "法定代表人 of 厦门示例 (91350200MA2XXXXX0X)" in found[0].describe()
    assert "国发〔2016〕33号" in found[0].legal_basis
    ended = serious(status=REPAIRED)
    assert persons.person_measures([named], {ended.source_id: ended}, LOADED) == []
    expired = persons.record_source(replace(record(PUBLISHED), measures=source.measures), D(2029, 6, 1))
    assert expired.until is None
    withdrawn = replace(named, withdrawn_at=dt.datetime(2026, 7, 2, tzinfo=dt.UTC))
    assert persons.person_measures([withdrawn], {source.source_id: source}, LOADED) == []


def test_no_restriction_ever_reaches_a_person() -> None:
    """The commitment bar and priority supervision stay the enterprise's (the module's reasoning):
    even a rule set that lists them extends nothing through them."""
    source = serious()
    restricting = [m.code for m in measures.catalogue(CATALOGUE) if m.restriction]
    assert set(restricting) == {"NO_COMMITMENT_ROUTE", "PRIORITY_SUPERVISION"}
    packaged = [r for r in LOADED if r.kind == "responsible_persons"]
    assert not {e.measure for r in packaged for e in persons.extensions(r)} & set(restricting)
    wider = dict(RULES.rules)
    wider["extensions"] = [
        {"measure": code, "triggers": ["SERIOUS"], "roles": ["LEGAL_REPRESENTATIVE"], "legal_basis": "x"}
        for code in restricting
    ]
    rules = RuleSet("WIDE", "responsible_persons", "", TODAY, None, "c", wider)
    named = naming(source, rule_set="WIDE")
    assert persons.person_measures([named], {source.source_id: source}, [*LOADED, rules]) == []


def _proposal() -> ListEntry:
    rules = choose_rule_set(LOADED, "blacklist", TODAY, "350200")
    return _entry(notice(rules, WorkingCalendar({}), TODAY, "虚假承诺", []))


def test_a_listing_reaches_the_person_once_listed_until_removal() -> None:
    codes, _ = measures.pinned(CATALOGUE, "BLACKLISTED")
    proposed = replace(_proposal(), measures=tuple(codes), measure_catalogue=CATALOGUE.id)
    source = persons.entry_source(proposed, TODAY)
    assert source.open
    assert source.until is None
    persons.may_name(RULES, source, "PRINCIPAL", PERSON, ())
    listed = replace(
        proposed, status=LISTED, listed_on=TODAY, early_removal_from=D(2027, 7, 1), removal_due=D(2029, 7, 1)
    )
    source = persons.entry_source(listed, TODAY)
    named = naming(source, "PRINCIPAL")
    found = persons.person_measures([named], {source.source_id: source}, LOADED)
    assert [(m.measure.code, m.until) for m in found] == [("HONOURS_LIMIT", D(2029, 7, 1))]
    assert "主要负责人" in found[0].describe()
    assert "serious-dishonesty list" in found[0].describe()
    removed = persons.entry_source(replace(listed, status=REMOVED, removed_on=TODAY), TODAY)
    assert not removed.open
    assert persons.person_measures([named], {removed.source_id: removed}, LOADED) == []


def test_the_rule_set_in_force_is_chosen_by_date_and_pinned_with_the_naming() -> None:
    assert RULES.id == "PERSONS-2020"
    assert find(LOADED, RULES.id).effective_from == D(2020, 12, 7)
    with pytest.raises(LookupError):
        choose_rule_set(LOADED, "responsible_persons", D(2019, 1, 1), "350200")


def _problems(changes: dict[str, Any]) -> list[str]:
    document = dict(RULES.rules) | changes
    rule_set, problems = documents.parse(json.dumps(document))
    assert rule_set is None
    return [field for field, _ in problems]


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"subject_kinds": ["SUBJECT_KIND_NATURAL_PERSON"]}, ["document.subject_kinds[0]"]),
        ({"named_on": ["EVERYTHING"]}, ["document.named_on[0]"]),
        (
            {"roles": [{"role": "CLERK", "name": "x", "at_most": 1}]},
            ["document.roles[0].role", *[f"document.extensions[0].roles[{i}]" for i in range(3)]],
        ),
        (
            {"roles": [{"role": "PRINCIPAL", "name": "主要负责人", "at_most": 99}]},
            [
                "document.roles[0].at_most",
                "document.extensions[0].roles[0]",
                "document.extensions[0].roles[2]",
            ],
        ),
        (
            {"extensions": [{"measure": "X", "triggers": ["SERIOUS"], "roles": ["PRINCIPAL"]}]},
            ["document.extensions[0].legal_basis"],
        ),
    ],
)
def test_a_broken_persons_rule_set_names_the_path(changes: dict[str, Any], fields: list[str]) -> None:
    assert _problems(changes) == fields


@pytest.mark.parametrize("name", ["张三", "欧阳娜娜", "阿卜杜拉·买买提", "Li Ming"])
def test_names_as_registered_are_accepted(name: str) -> None:
    assert persons.person_name_problem(name) is None


@pytest.mark.parametrize("name", ["", "张", "张三1", "<b>", "张" * 51])
def test_other_names_are_refused(name: str) -> None:
    assert persons.person_name_problem(name)


def test_a_naming_leaves_masked() -> None:
    named = naming(serious())
    assert named.masked_code == "350203********1234"
    assert named.masked_name == "张**"
