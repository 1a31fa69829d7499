"""Responsible persons (企业信用与自然人信用挂钩): the legal representative (法定代表人) or a
responsible person (主要负责人, 直接责任人员) of an enterprise, named on its dishonesty record or
serious-list entry, and the measures that reach them through it.

《阿巴嘎旗进一步加强事中事后监管工作的实施方案》16 asks for a mechanism tying enterprise credit to the
credit of natural persons. The national rule it rests on, 《国务院关于建立完善守信联合激励和失信联合
惩戒制度加快推进社会诚信建设的指导意见》(国发〔2016〕33号) 三(十四), records an enterprise's serious
dishonesty for its legal representative, principal and directly responsible persons too, and has the
joint measures reach them "依照法律法规和政策规定": only where a norm names those persons.
《国务院办公厅关于进一步完善失信约束制度构建诚信建设长效机制的指导意见》(国办发〔2020〕49号) keeps every
measure to the subjects its basis names. So which records and listings may name persons, which roles,
and which catalogue measures reach which role are rule data (kind `responsible_persons`, e.g.
PERSONS-2020), each extension with its own legal basis; nothing reaches a person by default.

Whether a named person loses the commitment route (不适用告知承诺制)

It does not, and this module never puts a restriction on a person. The bar is the applicant's own:
《国务院办公厅关于全面推行证明事项和涉企经营许可事项告知承诺制的指导意见》(国办发〔2020〕42号) and
《祁阳市提升行政执法质量建设法治营商环境工作方案》三(三)10 refuse the commitment route to an applicant
(申请人) who has serious dishonesty, is on the list or made a false commitment, until repair or the
end of the maximum period. A legal representative applying in their own name is another subject, who
made no false commitment; no law, regulation or State Council policy document extends that bar to
the persons behind an enterprise, and 国办发〔2020〕49号 forbids extending a measure beyond its basis.
The restrictions (the commitment bar, priority supervision) therefore stay keyed to the subject that
made the record, on the existing restriction path (flows/refresh.py); the measures a rule set
extends to persons are exposed for querying (GetPersonMeasures) by the departments that apply them,
e.g. the organisers of honours and awards for the honours limitation. A measure that carries a
restriction extends nothing through this module, whatever a rule set lists: it would need the
restriction path, which no rule supports (the packaged rule set lists none; a unit test keeps it so).

A measure reaches a person while the naming stands and the record or listing it is named on is in
force: a repair, an upheld objection, expiry, removal from the list (early, by repair of its basis,
or at the end of its period) ends it for the person the same day, with nothing else to undo.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.credit.domain import measures
from services.credit.domain.blacklist import LISTED, LISTED_TRIGGER, PROPOSED, ListEntry
from services.credit.domain.records import Record
from services.credit.domain.refusals import refuse
from services.credit.domain.rule_sets import find
from services.credit.domain.schema import Checker
from services.kernel.masking import mask_person_name, mask_resident_id
from services.kernel.rule_sets import RuleSet

ROLES = ("LEGAL_REPRESENTATIVE", "PRINCIPAL", "DIRECTLY_RESPONSIBLE")  # PersonRole without prefix
SUBJECT_KINDS = ("SUBJECT_KIND_LEGAL_PERSON", "SUBJECT_KIND_INDIVIDUAL_BUSINESS")
RECORD, LIST_ENTRY = "RECORD", "LIST_ENTRY"  # what a person is named on
# Namings in force on one record or entry, whatever a rule set allows per role.
MAX_PER_SOURCE = 20
MAX_PER_ROLE = MAX_PER_SOURCE
MAX_NAME = 50
MAX_BASIS = 500
# A name as registered: Chinese characters (with the middle dot of transcribed names), or letters.
_NAME = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf·•A-Za-z][\u4e00-\u9fff\u3400-\u4dbf·• A-Za-z.'-]{1,49}")


@dataclass(frozen=True, slots=True)
class Naming:
    """A person named on a record or list entry, as stored (the resident ID in clear, for matching)."""

    naming_id: uuid.UUID
    source_kind: str  # RECORD or LIST_ENTRY
    source_id: uuid.UUID
    subject_kind: str
    subject_code: str
    subject_name: str
    department: str
    region_code: str
    person_code: str
    person_name: str
    role: str
    basis: str
    rule_set: str
    named_by: str
    named_at: dt.datetime
    withdrawn_at: dt.datetime | None = None
    withdrawn_by: str = ""
    withdrawal_reason: str = ""

    @property
    def in_force(self) -> bool:
        return self.withdrawn_at is None

    @property
    def masked_code(self) -> str:
        return mask_resident_id(self.person_code)

    @property
    def masked_name(self) -> str:
        return mask_person_name(self.person_name)


@dataclass(frozen=True, slots=True)
class Source:
    """A record or list entry as the naming rules read it."""

    kind: str  # RECORD or LIST_ENTRY
    source_id: uuid.UUID
    subject_kind: str
    subject_code: str
    subject_name: str
    department: str
    region_code: str
    trigger: str  # the record's class, or BLACKLISTED
    open: bool  # a record in force, or an entry proposed or listed: persons may be named on it
    # When its measures end (the record's maximum period, the listing's removal date: in force before
    # that day, as MeasureInForce.until), or None when they are not in force today.
    until: dt.date | None
    measures: tuple[str, ...]
    measure_catalogue: str

    @property
    def listed(self) -> bool:
        return self.kind == LIST_ENTRY


def record_source(r: Record, today: dt.date) -> Source:
    """A record: its measures apply while it is in force and within its maximum period."""
    applies = r.in_force and today < r.publicity_end
    return Source(
        RECORD,
        r.record_id,
        r.subject_kind,
        r.subject_code,
        r.subject_name,
        r.deciding_department,
        r.region_code,
        r.record_class,
        r.in_force,
        r.publicity_end if applies else None,
        r.measures,
        r.measure_catalogue,
    )


def entry_source(e: ListEntry, today: dt.date) -> Source:
    """A list entry: persons may be named on a proposal (the listing's measures reach them only once
    listed), and its measures apply from the listing until removal."""
    applies = e.listed and today < e.term.removal_due
    return Source(
        LIST_ENTRY,
        e.entry_id,
        e.subject_kind,
        e.subject_code,
        e.subject_name,
        e.department,
        e.region_code,
        LISTED_TRIGGER,
        e.status in (PROPOSED, LISTED),
        e.term.removal_due if applies else None,
        e.measures,
        e.measure_catalogue,
    )


@dataclass(frozen=True, slots=True)
class Role:
    role: str
    name: str
    at_most: int


@dataclass(frozen=True, slots=True)
class Extension:
    """A catalogue measure that reaches a role through a record class or a listing."""

    measure: str
    triggers: tuple[str, ...]
    roles: tuple[str, ...]
    legal_basis: str


def roles_of(rules: RuleSet) -> dict[str, Role]:
    return {r["role"]: Role(r["role"], r["name"], int(r["at_most"])) for r in rules.rules["roles"]}


def extensions(rules: RuleSet) -> list[Extension]:
    return [
        Extension(e["measure"], tuple(e["triggers"]), tuple(e["roles"]), e["legal_basis"])
        for e in rules.rules["extensions"]
    ]


def role_name(rules: RuleSet | None, role: str) -> str:
    known = roles_of(rules) if rules else {}
    return known[role].name if role in known else role.lower().replace("_", " ")


# ---------------------------------------------------------------------------------------------
# Naming


def may_name(rules: RuleSet, source: Source, role: str, person_code: str, named: Sequence[Naming]) -> None:
    """Whether the rule set lets `person_code` be named in `role` on `source`, given the namings in
    force on it. Refusals name the source or the naming, never the person's number."""
    subject = str(source.source_id)
    if source.subject_kind not in rules.rules["subject_kinds"]:
        refuse(
            "PERSONS_NOT_NAMEABLE",
            subject,
            "responsible persons are named only for enterprises and organisations (法人及非法人组织)",
        )
    if not source.open:
        what = (
            "the record is not in force" if source.kind == RECORD else "the entry is not proposed or listed"
        )
        refuse("SOURCE_NOT_IN_FORCE", subject, what)
    accepted = rules.rules["named_on"]
    if source.trigger not in accepted:
        refuse(
            "PERSONS_NOT_NAMEABLE",
            subject,
            f"rule set {rules.id} names persons only on {_triggers(accepted)}, "
            f"not on {_trigger(source.trigger)}",
        )
    allowed = roles_of(rules)
    if role not in allowed:
        refuse("ROLE_NOT_NAMEABLE", subject, f"rule set {rules.id} names no {role.lower()}")
    current = [n for n in named if n.in_force]
    same = [n for n in current if n.person_code == person_code and n.role == role]
    if same:
        refuse(
            "ALREADY_NAMED", str(same[0].naming_id), f"the person is named as {allowed[role].name} already"
        )
    in_role = [n for n in current if n.role == role]
    if len(in_role) >= allowed[role].at_most:
        refuse(
            "ROLE_FILLED",
            str(in_role[0].naming_id),
            f"at most {allowed[role].at_most} {allowed[role].name} per record or entry; withdraw one first",
        )
    if len(current) >= MAX_PER_SOURCE:
        refuse("TOO_MANY_PERSONS", subject, f"at most {MAX_PER_SOURCE} persons per record or entry")


def may_withdraw(naming: Naming) -> None:
    if not naming.in_force:
        refuse("ALREADY_WITHDRAWN", str(naming.naming_id), f"withdrawn at {naming.withdrawn_at:%Y-%m-%d}")


def person_name_problem(value: str) -> str | None:
    if not _NAME.fullmatch(value):
        return f"required: 2 to {MAX_NAME} characters (Chinese characters, letters, spaces, ·)"
    return None


def _trigger(trigger: str) -> str:
    return "the serious-dishonesty list" if trigger == LISTED_TRIGGER else f"{trigger.lower()} records"


def _triggers(triggers: Iterable[str]) -> str:
    return " and ".join(_trigger(t) for t in triggers)


# ---------------------------------------------------------------------------------------------
# Measures


@dataclass(frozen=True, slots=True)
class PersonMeasure:
    measure: measures.Measure
    naming: Naming
    source: Source
    until: dt.date
    legal_basis: str
    role_name: str

    def describe(self) -> str:
        where = (
            "on the serious-dishonesty list"
            if self.source.listed
            else f"{self.source.trigger.lower()} dishonesty record"
        )
        return (
            f"{self.role_name} of {self.source.subject_name} ({self.source.subject_code}), {where}: "
            f"{self.measure.name} until {self.until}"
        )


def person_measures(
    namings: Iterable[Naming], sources: Mapping[uuid.UUID, Source], loaded: Sequence[RuleSet]
) -> list[PersonMeasure]:
    """The measures that reach a person through their namings in force: those the record or listing
    pinned when decided, extended to the naming's role by the rule set it was named under, and
    carrying no restriction (see the module docstring), each until the source ends."""
    found: list[PersonMeasure] = []
    for naming in namings:
        source = sources.get(naming.source_id)
        if not naming.in_force or source is None or source.until is None or not source.measure_catalogue:
            continue
        rules, catalogue = find(loaded, naming.rule_set), find(loaded, source.measure_catalogue)
        reach = {
            e.measure: e for e in extensions(rules) if source.trigger in e.triggers and naming.role in e.roles
        }
        found += [
            PersonMeasure(
                m, naming, source, source.until, reach[m.code].legal_basis, role_name(rules, naming.role)
            )
            for m in measures.by_code(catalogue, list(source.measures))
            if m.code in reach and m.restriction is None
        ]
    return sorted(
        found, key=lambda p: (p.until, p.source.subject_code, p.measure.code, str(p.naming.naming_id))
    )


# ---------------------------------------------------------------------------------------------
# Rule set documents


def check_rules(check: Checker, data: dict[str, Any]) -> None:
    kinds = check.items(data, "subject_kinds", at_most=len(SUBJECT_KINDS))
    for i, kind in enumerate(kinds):
        if kind not in SUBJECT_KINDS:
            check.add(f"subject_kinds[{i}]", f"one of {', '.join(SUBJECT_KINDS)}")
    for i, trigger in enumerate(check.items(data, "named_on", at_most=len(measures.TRIGGERS))):
        if trigger not in measures.TRIGGERS:
            check.add(f"named_on[{i}]", f"one of {', '.join(measures.TRIGGERS)}")
    declared = _check_roles(check, data)
    seen: set[str] = set()
    for i, entry in enumerate(check.items(data, "extensions", at_least=0, at_most=100)):
        nested = check.at(f"extensions[{i}]")
        if not isinstance(entry, dict):
            nested.add("", "must be an object")
            continue
        code = nested.text(entry, "measure", 64)
        if code in seen:
            nested.add("measure", f"{code} appears twice")
        seen.add(code)
        for j, trigger in enumerate(nested.items(entry, "triggers", at_most=len(measures.TRIGGERS))):
            if trigger not in measures.TRIGGERS:
                nested.add(f"triggers[{j}]", f"one of {', '.join(measures.TRIGGERS)}")
        for j, role in enumerate(nested.items(entry, "roles", at_most=len(ROLES))):
            if role not in declared:
                nested.add(f"roles[{j}]", "one of the roles the rule set declares")
        nested.text(entry, "legal_basis", 2000)


def _check_roles(check: Checker, data: dict[str, Any]) -> set[str]:
    declared: set[str] = set()
    for i, entry in enumerate(check.items(data, "roles", at_most=len(ROLES))):
        nested = check.at(f"roles[{i}]")
        if not isinstance(entry, dict):
            nested.add("", "must be an object")
            continue
        role = nested.choice(entry, "role", ROLES)
        if role in declared:
            nested.add("role", f"{role} appears twice")
        declared.add(role)
        nested.text(entry, "name", 50)
        nested.integer(entry, "at_most", 1, MAX_PER_ROLE)
    return declared
