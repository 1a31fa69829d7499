"""Catalogue items: what a valid draft is, the standard text filled into the parts of its
notification and letter that the department left empty, editing a draft, and the rows of a bulk
import (hundreds of items) checked one by one.

The rules read drafts through the protocols below, which the generated ItemDraft (catalogue.proto)
satisfies as it is; the service writes the standard text into its own copy (wire/catalogue.py).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Generic, Protocol, TypeVar

from services.commitment.domain import letters, standard_texts
from services.kernel.auth import Caller
from services.kernel.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PreconditionViolation,
    Violations,
)
from services.kernel.identifiers import region_covers, validate_region_code

MAX_NAME = 200
MAX_TEXT = 4000
MAX_MATTERS = 100
MAX_TIME_LIMIT_WORKING_DAYS = 250  # about a year; longer limits are typing mistakes
MAX_PUBLICATION_MONTHS = 120


class Method(IntEnum):
    """How a commitment is verified (VerificationMethod of catalogue.proto, by number)."""

    UNSPECIFIED = 0
    DOCUMENT = 1
    ONLINE = 2
    ON_SITE = 3
    PUBLIC_NOTICE = 4
    EXEMPT = 5

    @property
    def wire_name(self) -> str:
        return f"VERIFICATION_METHOD_{self.name}"


_METHODS = frozenset(Method)

_TERMS = (
    "certification_obligation",
    "licence_conditions",
    "required_materials",
    "commitment_method",
    "civil_liability",
    "administrative_liability",
    "criminal_liability",
    "verification_power",
    "publication_scope",
)


class VerificationRule(Protocol):
    @property
    def method(self) -> int: ...
    @property
    def time_limit_working_days(self) -> int: ...
    @property
    def standard(self) -> str: ...
    @property
    def exemption_conditions(self) -> str: ...
    @property
    def supervision_domain(self) -> str: ...


class NotificationTerms(Protocol):
    @property
    def certification_obligation(self) -> str: ...
    @property
    def licence_conditions(self) -> str: ...
    @property
    def required_materials(self) -> str: ...
    @property
    def commitment_method(self) -> str: ...
    @property
    def civil_liability(self) -> str: ...
    @property
    def administrative_liability(self) -> str: ...
    @property
    def criminal_liability(self) -> str: ...
    @property
    def verification_power(self) -> str: ...
    @property
    def publication_scope(self) -> str: ...
    @property
    def publication_months(self) -> int: ...


class ItemDraft(Protocol):
    """A catalogue item as a department writes it (an ItemDraft)."""

    @property
    def name(self) -> str: ...
    @property
    def legal_basis(self) -> str: ...
    @property
    def certified_content(self) -> str: ...
    @property
    def issuing_authority(self) -> str: ...
    @property
    def agency_name(self) -> str: ...
    @property
    def matters(self) -> Sequence[str]: ...
    @property
    def region_code(self) -> str: ...
    @property
    def high_risk(self) -> bool: ...
    @property
    def commitment_allowed(self) -> bool: ...
    @property
    def verification(self) -> VerificationRule: ...
    @property
    def notification(self) -> NotificationTerms: ...
    @property
    def letter(self) -> letters.Template: ...


class ItemVersion(Protocol):
    """A published version of an item, as the rules of commitments read it."""

    @property
    def item_id(self) -> uuid.UUID: ...
    @property
    def version(self) -> int: ...
    @property
    def department(self) -> str: ...
    @property
    def draft(self) -> ItemDraft: ...


def check_item(v: Violations, item: ItemDraft, caller_region: str, prefix: str = "item") -> None:
    """Every field problem of a draft item, under the field names of the request (`prefix`)."""
    _text(v, f"{prefix}.name", item.name, MAX_NAME, required=True)
    _text(v, f"{prefix}.legal_basis", item.legal_basis, MAX_TEXT, required=True)
    _text(v, f"{prefix}.certified_content", item.certified_content, MAX_TEXT, required=True)
    _text(v, f"{prefix}.issuing_authority", item.issuing_authority, MAX_NAME, required=False)
    _text(v, f"{prefix}.agency_name", item.agency_name, MAX_NAME, required=False)
    if len(item.matters) > MAX_MATTERS:
        v.add(f"{prefix}.matters", f"at most {MAX_MATTERS} matters")
    for i, matter in enumerate(item.matters):
        _text(v, f"{prefix}.matters[{i}]", matter, MAX_NAME, required=True)
    _region(v, f"{prefix}.region_code", item.region_code, caller_region)
    if item.high_risk and item.commitment_allowed:
        v.add(
            f"{prefix}.commitment_allowed",
            "a high-risk item (safety, health, finance, ecology, irreversible harm) may not allow commitment",
        )
    if item.commitment_allowed:
        _rule(v, f"{prefix}.verification", item.verification)
    _terms(v, f"{prefix}.notification", item.notification)
    letters.check_template(v, f"{prefix}.letter", item.letter)


def _text(v: Violations, field: str, value: str, limit: int, *, required: bool) -> None:
    if required and not value.strip():
        v.add(field, "required")
    elif len(value) > limit:
        v.add(field, f"at most {limit} characters")


def _region(v: Violations, field: str, code: str, caller_region: str) -> None:
    try:
        validate_region_code(code)
    except ValueError as exc:
        v.add(field, str(exc))
        return
    if caller_region and not region_covers(caller_region, code):
        v.add(field, f"outside the caller's region {caller_region}")


_DOMAIN = re.compile(r"[a-z][a-z0-9_]{1,63}")


def _rule(v: Violations, field: str, rule: VerificationRule) -> None:
    if rule.method == Method.UNSPECIFIED or rule.method not in _METHODS:
        v.add(f"{field}.method", "required when commitment is allowed")
    exempt = rule.method == Method.EXEMPT
    if not exempt and not 1 <= rule.time_limit_working_days <= MAX_TIME_LIMIT_WORKING_DAYS:
        v.add(
            f"{field}.time_limit_working_days",
            f"must be 1 to {MAX_TIME_LIMIT_WORKING_DAYS} working days",
        )
    _text(v, f"{field}.standard", rule.standard, MAX_TEXT, required=False)
    _text(v, f"{field}.exemption_conditions", rule.exemption_conditions, MAX_TEXT, required=False)
    if rule.supervision_domain and not _DOMAIN.fullmatch(rule.supervision_domain):
        v.add(f"{field}.supervision_domain", "lower_snake_case up to 64 characters, e.g. food_safety")


def _terms(v: Violations, field: str, terms: NotificationTerms) -> None:
    for name in _TERMS:
        _text(v, f"{field}.{name}", getattr(terms, name), MAX_TEXT, required=False)
    if not 0 <= terms.publication_months <= MAX_PUBLICATION_MONTHS:
        v.add(f"{field}.publication_months", f"must be 0 to {MAX_PUBLICATION_MONTHS}")


@dataclass(frozen=True, slots=True)
class StandardText:
    """What a draft becomes when it is stored: names trimmed, and the standard wording (filled with
    the item's own data) for every part of the notification, and the letter, left empty."""

    name: str
    agency_name: str
    notification: dict[str, str]  # only the parts the draft left empty
    letter: str | None  # None: the draft has a letter of its own


def standard_text(item: ItemDraft, department: str) -> StandardText:
    name = item.name.strip()
    facts = {
        "issuing_authority": item.issuing_authority.strip() or "有关单位",
        "certified_content": item.certified_content.strip(),
        "legal_basis": item.legal_basis.strip(),
        "matters": "、".join(m.strip() for m in item.matters) or name,
    }
    defaults = {
        "certification_obligation": standard_texts.CERTIFICATION_OBLIGATION.format(**facts),
        "licence_conditions": standard_texts.LICENCE_CONDITIONS.format(**facts),
        "required_materials": standard_texts.REQUIRED_MATERIALS.format(**facts),
        "commitment_method": standard_texts.COMMITMENT_METHOD,
        "civil_liability": standard_texts.CIVIL_LIABILITY,
        "administrative_liability": standard_texts.ADMINISTRATIVE_LIABILITY,
        "criminal_liability": standard_texts.CRIMINAL_LIABILITY,
        "verification_power": standard_texts.VERIFICATION_POWER,
        "publication_scope": standard_texts.PUBLICATION_SCOPE,
    }
    empty = {k: text for k, text in defaults.items() if not getattr(item.notification, k).strip()}
    letter = None if item.letter.text.strip() else standard_texts.LETTER
    return StandardText(name, item.agency_name.strip() or department, empty, letter)


class Editable(Protocol):
    @property
    def department(self) -> str: ...
    @property
    def withdrawn(self) -> bool: ...
    @property
    def revision(self) -> int: ...


E = TypeVar("E", bound=Editable)


def editable(draft: E | None, item_id: uuid.UUID, caller: Caller, expected_revision: int = 0) -> E:
    """The caller's own draft, still in the catalogue and (if the caller says which) at the revision
    it read; NOT_FOUND, PERMISSION_DENIED or FAILED_PRECONDITION otherwise."""
    if draft is None:
        raise NotFound("catalogue item", str(item_id), "item_id")
    caller.require_department(draft.department)
    if draft.withdrawn:
        raise FailedPrecondition(
            "the item was withdrawn from the catalogue",
            [PreconditionViolation("ITEM_WITHDRAWN", str(item_id), "create a new item instead")],
        )
    if expected_revision and expected_revision != draft.revision:
        raise FailedPrecondition(
            "the draft was changed since it was read",
            [PreconditionViolation("REVISION_CHANGED", str(item_id), f"now at revision {draft.revision}")],
        )
    return draft


# A bulk import: all-or-nothing stores nothing and lists every problem; valid-rows-only stores the
# good rows.

D = TypeVar("D", bound=ItemDraft)
D_co = TypeVar("D_co", bound=ItemDraft, covariant=True)


class ImportRow(Protocol[D_co]):
    @property
    def row_number(self) -> int: ...
    @property
    def item_id(self) -> str: ...
    @property
    def item(self) -> D_co: ...


@dataclass(frozen=True, slots=True)
class Problem:
    row_number: int
    field: str
    rule: str


@dataclass(frozen=True, slots=True)
class Prepared(Generic[D]):
    """A valid row's draft as the department wrote it, and what storing it fills in."""

    draft: D
    standard: StandardText


@dataclass
class Checked(Generic[D]):
    """The rows to create and to update (row number, item id, draft), and every problem found."""

    creates: list[tuple[int, uuid.UUID, Prepared[D]]] = field(default_factory=list)
    updates: list[tuple[int, uuid.UUID, Prepared[D]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def reject(self, row: int, where: str, rule: str) -> None:
        self.problems.append(Problem(row, where, rule))

    @property
    def rejected(self) -> set[int]:
        return {p.row_number for p in self.problems}

    def keep_live(self, live: set[uuid.UUID]) -> None:
        """Reject (and drop) the updates of items that are not live drafts of the department."""
        for row, item_id, _ in self.updates:
            if item_id not in live:
                self.reject(row, "item_id", "no draft of this department with this id (or it was withdrawn)")
        rejected = self.rejected
        self.updates = [u for u in self.updates if u[0] not in rejected]


def check_rows(rows: Sequence[ImportRow[D]], region: str, department: str) -> Checked[D]:
    """Every problem of every row, without I/O (ids are checked against the database after)."""
    checked: Checked[D] = Checked()
    numbers: set[int] = set()
    names: dict[tuple[str, str], int] = {}
    for row in rows:
        n = row.row_number
        if n < 1 or n in numbers:
            raise InvalidArgument.one("rows.row_number", f"row numbers must be unique and positive ({n})")
        numbers.add(n)
        v = Violations()
        check_item(v, row.item, region)
        for problem in v.items:
            checked.reject(n, problem.field, problem.description)
        key = (row.item.name.strip(), row.item.region_code)
        if key in names:
            checked.reject(n, "item.name", f"repeats the item of row {names[key]}")
        names.setdefault(key, n)
        _place(checked, row, department)
    return checked


def _place(checked: Checked[D], row: ImportRow[D], department: str) -> None:
    if row.row_number in checked.rejected:
        return
    try:
        item_id = uuid.UUID(row.item_id) if row.item_id else None
    except ValueError:
        checked.reject(row.row_number, "item_id", "not a valid id")
        return
    prepared = Prepared(row.item, standard_text(row.item, department))
    if item_id is None:
        checked.creates.append((row.row_number, uuid.uuid4(), prepared))
    else:
        checked.updates.append((row.row_number, item_id, prepared))
