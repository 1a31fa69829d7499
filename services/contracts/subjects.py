"""Parsing the SubjectRef every API takes: kind plus a code valid for that kind."""

from __future__ import annotations

from dataclasses import dataclass

from chengnuo.common.v1 import subject_pb2
from services.kernel.errors import Violations
from services.kernel.identifiers import validate_resident_id, validate_uscc
from services.kernel.masking import mask_resident_id

Kind = subject_pb2.SubjectKind


@dataclass(frozen=True)
class Subject:
    kind: str  # the SubjectKind name, e.g. "SUBJECT_KIND_LEGAL_PERSON"
    code: str

    @property
    def natural_person(self) -> bool:
        return self.kind == "SUBJECT_KIND_NATURAL_PERSON"

    def to_proto(self) -> subject_pb2.SubjectRef:
        return subject_pb2.SubjectRef(kind=Kind.Value(self.kind), code=self.code)


def parse_subject(violations: Violations, field: str, ref: subject_pb2.SubjectRef) -> Subject | None:
    if ref.kind == Kind.SUBJECT_KIND_UNSPECIFIED or ref.kind not in Kind.values():
        violations.add(f"{field}.kind", "required: legal person, natural person or individual business")
        return None
    validate = validate_resident_id if ref.kind == Kind.SUBJECT_KIND_NATURAL_PERSON else validate_uscc
    try:
        code = validate(ref.code)
    except ValueError as exc:
        violations.add(f"{field}.code", str(exc))
        return None
    return Subject(Kind.Name(ref.kind), code)


def subject_of(kind: str, code: str) -> subject_pb2.SubjectRef:
    return subject_pb2.SubjectRef(kind=Kind.Value(kind), code=code)


def public_code(kind: str, code: str) -> str:
    """A subject's code as it may appear outside: USCCs are public, resident IDs are masked."""
    return mask_resident_id(code) if kind == "SUBJECT_KIND_NATURAL_PERSON" else code
