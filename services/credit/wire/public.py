"""What the public may see (公示), masked: records and listings within their publicity period."""

from __future__ import annotations

from typing import Any

from chengnuo.common.v1 import subject_pb2
from chengnuo.credit.v1 import public_pb2 as pb
from services.contracts.subjects import public_code
from services.credit.domain.blacklist import ListEntry
from services.credit.domain.records import Record
from services.credit.wire.records import record_class
from services.kernel import convert
from services.kernel.masking import mask_free_text, mask_person_name


def _subject(kind: str, code: str, name: str) -> dict[str, Any]:
    """Who it is about, as published: a natural person's ID and name masked."""
    natural = kind == "SUBJECT_KIND_NATURAL_PERSON"
    return {
        "subject_kind": subject_pb2.SubjectKind.Value(kind),
        "subject_code": public_code(kind, code),
        "subject_name": mask_person_name(name) if natural else name,
    }


def public_record(r: Record) -> pb.PublicRecord:
    return pb.PublicRecord(
        record_id=str(r.record_id),
        record_class=record_class(r.record_class),
        disputed=r.disputed,
        facts=mask_free_text(r.facts),
        legal_basis=r.legal_basis,
        deciding_department=r.deciding_department,
        decision_date=convert.to_date(r.decision_date),
        publicity_start=convert.to_date(r.publicity_start),
        publicity_end=convert.to_date(r.publicity_end),
        **_subject(r.subject_kind, r.subject_code, r.subject_name),
    )


def public_entry(e: ListEntry) -> pb.PublicListEntry:
    term = e.term
    return pb.PublicListEntry(
        entry_id=str(e.entry_id),
        legal_basis=e.notice.legal_basis,
        reasons=mask_free_text(e.reasons),
        department=e.department,
        listed_on=convert.to_date(term.listed_on),
        removal_due=convert.to_date(term.removal_due),
        **_subject(e.subject_kind, e.subject_code, e.subject_name),
    )
