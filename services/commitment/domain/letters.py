"""Commitment letters (承诺书): templates with placeholders, filling them in, checking a signed
text against its template, and the public rendering (personal data masked, secrets withheld).

A signed letter must equal the template of its item version filled in with the commitment's own
data, so the stored text, its hash and the structured values always agree; the public view is
the same template filled with masked values, never a regex pass over free text.

The rules read templates and values through the protocols below, which the generated messages
(catalogue.proto, commitment.proto) satisfy as they are: the rules never import the wire format.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Protocol

from services.commitment.domain import standard_texts
from services.kernel.errors import Violations
from services.kernel.identifiers import validate_resident_id
from services.kernel.masking import mask_free_text, mask_person_name, mask_phone, mask_resident_id

MAX_TEMPLATE = 10_000
MAX_FIELDS = 30
MAX_LABEL = 50
DEFAULT_VALUE_LENGTH = 200
MAX_VALUE_LENGTH = 2000
MAX_LETTER = 40_000  # a filled template: the template plus every value at its longest
_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
_PHONE = re.compile(r"\+?[0-9][0-9 -]{5,19}")
NATURAL_PERSON = "SUBJECT_KIND_NATURAL_PERSON"

# Placeholders the service fills, and the request field each value comes from.
STANDARD = {
    "subject_name": "subject_name",
    "subject_code": "subject.code",
    "subject_kind": "subject.kind",
    "case_number": "case_number",
    "signed_on": "letter.signed_on",
    "item_name": "item_id",
    "certified_content": "item_id",
    "legal_basis": "item_id",
    "agency_name": "item_id",
}


class FieldKind(IntEnum):
    """What a placeholder holds (LetterFieldKind of catalogue.proto, by number)."""

    UNSPECIFIED = 0
    TEXT = 1
    PHONE = 2
    PERSON_NAME = 3
    RESIDENT_ID = 4
    PRIVATE = 5


_KINDS = frozenset(FieldKind)


class TemplateField(Protocol):
    """A declared placeholder of a letter template (a LetterField)."""

    @property
    def name(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def kind(self) -> int: ...
    @property
    def required(self) -> bool: ...
    @property
    def max_length(self) -> int: ...


class Template(Protocol):
    """A letter template (a LetterTemplate)."""

    @property
    def text(self) -> str: ...
    @property
    def fields(self) -> Sequence[TemplateField]: ...


class Value(Protocol):
    """An applicant's value for a declared placeholder (a LetterValue)."""

    @property
    def name(self) -> str: ...
    @property
    def value(self) -> str: ...
    @property
    def trade_secret(self) -> bool: ...


class ItemFacts(Protocol):
    """What the standard placeholders take from an item (an ItemDraft)."""

    @property
    def name(self) -> str: ...
    @property
    def certified_content(self) -> str: ...
    @property
    def legal_basis(self) -> str: ...
    @property
    def agency_name(self) -> str: ...


@dataclass(frozen=True, slots=True)
class LetterValue:
    name: str = ""
    value: str = ""
    trade_secret: bool = False


@dataclass(frozen=True, slots=True)
class Piece:
    literal: str
    placeholder: str | None


@dataclass(frozen=True, slots=True)
class Withheld:
    name: str
    label: str
    reason: str  # a WithheldReason name


def parse(text: str) -> list[Piece]:
    """The template as literal text and placeholders; ValueError for malformed braces."""
    return [Piece(literal, name) for literal, name, _, _ in string.Formatter().parse(text)]


def check_template(v: Violations, field: str, template: Template) -> None:
    declared = _check_fields(v, f"{field}.fields", template.fields)
    if len(template.text) > MAX_TEMPLATE:
        v.add(f"{field}.text", f"at most {MAX_TEMPLATE} characters")
        return
    try:
        parsed = list(string.Formatter().parse(template.text))
    except ValueError as exc:
        v.add(f"{field}.text", f"malformed placeholder ({exc}); write {{{{ and }}}} for literal braces")
        return
    used = set()
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        used.add(name)
        if spec or conversion:
            v.add(f"{field}.text", f"placeholder {{{name}}} may not carry a format or conversion")
        elif name not in STANDARD and name not in declared:
            v.add(f"{field}.text", f"unknown placeholder {{{name}}}: not standard and not declared in fields")
    for name in sorted(set(declared) - used):
        v.add(f"{field}.fields", f"{name} is declared but the text never uses {{{name}}}")


def _check_fields(v: Violations, field: str, fields: Sequence[TemplateField]) -> dict[str, TemplateField]:
    if len(fields) > MAX_FIELDS:
        v.add(field, f"at most {MAX_FIELDS} fields")
    declared: dict[str, TemplateField] = {}
    for i, f in enumerate(fields):
        where = f"{field}[{i}]"
        if not _NAME.fullmatch(f.name) or f.name in STANDARD or f.name in declared:
            v.add(f"{where}.name", "a new name of lower-case letters, digits and _ (not a standard one)")
        if not f.label.strip() or len(f.label) > MAX_LABEL:
            v.add(f"{where}.label", f"required, at most {MAX_LABEL} characters")
        if f.kind == FieldKind.UNSPECIFIED or f.kind not in _KINDS:
            v.add(f"{where}.kind", "required: text, phone, person name, resident ID or private")
        if not 0 <= f.max_length <= MAX_VALUE_LENGTH:
            v.add(f"{where}.max_length", f"must be 0 (default {DEFAULT_VALUE_LENGTH}) to {MAX_VALUE_LENGTH}")
        declared[f.name] = f
    return declared


def check_values(v: Violations, field: str, template: Template, values: Sequence[Value]) -> None:
    """Every problem of the applicant's values for the declared fields of `template`."""
    declared = {f.name: f for f in template.fields}
    if len(values) > MAX_FIELDS:
        v.add(field, f"at most {MAX_FIELDS} values")
        return
    seen: set[str] = set()
    for i, value in enumerate(values):
        spec = declared.get(value.name)
        if spec is None or value.name in seen:
            v.add(f"{field}[{i}].name", "not a field of the item version's letter template, or given twice")
            continue
        seen.add(value.name)
        problem = _value_problem(spec, value.value.strip())
        if problem:
            v.add(f"{field}[{i}].value", problem)
    for name, spec in declared.items():
        if spec.required and name not in {x.name for x in values if x.value.strip()}:
            v.add(field, f"{name} ({spec.label}) is required by the letter template")


def _value_problem(spec: TemplateField, value: str) -> str:
    limit = spec.max_length or DEFAULT_VALUE_LENGTH
    if len(value) > limit:
        return f"at most {limit} characters"
    if not value:
        return ""
    if spec.kind == FieldKind.PHONE and not _PHONE.fullmatch(value):
        return "a phone number: digits, spaces and -, 6 to 20 characters"
    if spec.kind == FieldKind.RESIDENT_ID:
        try:
            validate_resident_id(value)
        except ValueError as exc:
            return str(exc)
    return ""


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def render(template_text: str, values: Mapping[str, str]) -> str:
    return "".join(p.literal + values.get(p.placeholder or "", "") for p in parse(template_text))


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def mismatch(template_text: str, values: Mapping[str, str], signed: str, version: int) -> str | None:
    """Why `signed` is not the template filled with `values`, naming the part; None if it is."""
    pos = 0
    for piece in parse(template_text):
        parts: list[tuple[str, str | None]] = [(piece.literal, None)]
        if piece.placeholder is not None:
            parts.append((values.get(piece.placeholder, ""), piece.placeholder))
        for expected, owner in parts:
            if not signed.startswith(expected, pos):
                return _describe(owner, expected, signed, pos, version)
            pos += len(expected)
    if pos != len(signed):
        return f"has text after the end of the template of item version {version}"
    return None


def _describe(owner: str | None, expected: str, signed: str, pos: int, version: int) -> str:
    if owner is not None:
        source = STANDARD.get(owner, f"letter.values[{owner}]")
        return f"where the template has {{{owner}}} the letter must read the {source} given: {expected!r}"
    line = signed.count("\n", 0, pos) + 1
    column = pos - (signed.rfind("\n", 0, pos) + 1) + 1
    return f"differs from the template text of item version {version} at line {line}, column {column}"


def public_code(kind: str, code: str) -> str:
    """A subject's code as it may appear outside: USCCs are public, resident IDs are masked."""
    return mask_resident_id(code) if kind == NATURAL_PERSON else code


def public_values(
    template: Template,
    filled: Mapping[str, str],
    trade_secrets: set[str],
    subject_kind: str,
) -> tuple[dict[str, str], list[Withheld]]:
    """The values as the public may see them: personal data masked, trade secrets and private
    fields withheld (《祁阳市提升行政执法质量建设法治营商环境工作方案》三(三)14)."""
    shown = dict(filled)
    if subject_kind == NATURAL_PERSON:
        shown["subject_name"] = mask_person_name(filled.get("subject_name", ""))
    shown["subject_code"] = public_code(subject_kind, filled.get("subject_code", ""))
    withheld = []
    for spec in template.fields:
        value = filled.get(spec.name, "")
        if spec.name in trade_secrets:
            shown[spec.name] = standard_texts.TRADE_SECRET_NOTICE
            withheld.append(Withheld(spec.name, spec.label, "WITHHELD_REASON_TRADE_SECRET"))
        elif spec.kind == FieldKind.PRIVATE:
            shown[spec.name] = standard_texts.PRIVACY_NOTICE
            withheld.append(Withheld(spec.name, spec.label, "WITHHELD_REASON_PERSONAL_PRIVACY"))
        else:
            shown[spec.name] = _masked(spec.kind, value)
    return shown, withheld


def _masked(kind: int, value: str) -> str:
    if not value:
        return value
    if kind == FieldKind.PHONE:
        return mask_phone(re.sub(r"[ -]", "", value))
    if kind == FieldKind.PERSON_NAME:
        return mask_person_name(value)
    if kind == FieldKind.RESIDENT_ID:
        return mask_resident_id(value)
    return mask_free_text(value)


@dataclass(frozen=True, slots=True)
class Applicant:
    """What the service fills into the standard placeholders from a commitment request."""

    subject_kind: str
    subject_code: str
    subject_name: str
    case_number: str
    signed_on: dt.date


def filled(
    item: ItemFacts,
    department: str,
    applicant: Applicant,
    values: Sequence[Value],
) -> dict[str, str]:
    """The value of every placeholder of the item's letter for this applicant."""
    return {
        "subject_name": applicant.subject_name,
        "subject_code": applicant.subject_code,
        "subject_kind": standard_texts.SUBJECT_KINDS.get(applicant.subject_kind, ""),
        "case_number": applicant.case_number,
        "signed_on": chinese_date(applicant.signed_on),
        "item_name": item.name,
        "certified_content": item.certified_content,
        "legal_basis": item.legal_basis,
        "agency_name": item.agency_name or department,
        **{v.name: v.value.strip() for v in values},
    }
