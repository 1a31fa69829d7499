"""The credit service's publication-safe events (公示, stream PUBLIC), built from its records and
list entries and masked here, at the source (kernel/publicity.py): a natural person's resident ID
and full name never leave in them, not even in the facts.

A record's and a list entry's public number is its id, which the public API already publishes
(PublicCreditService) and a subject names when it files an objection.
"""

from __future__ import annotations

import datetime as dt

from chengnuo.events.v1 import public_events_pb2 as pb
from services.contracts.subjects import subject_of
from services.credit.domain import public_view
from services.credit.domain.blacklist import ListEntry
from services.credit.domain.records import Record
from services.kernel import convert
from services.kernel.publicity import NATURAL_PERSON, page_key, public_subject, public_text


def record(key: bytes, r: Record, now: dt.datetime) -> pb.PublicRecord:
    """The record in its publicity period (or its corrected revision)."""
    ref = subject_of(r.subject_kind, r.subject_code)
    own_name = r.subject_name if ref.kind == NATURAL_PERSON else ""
    return pb.PublicRecord(
        record_number=str(r.record_id),
        revision=r.revision,
        subject=public_subject(key, ref, r.subject_name),
        record_class=public_view.class_label(r.record_class),
        facts=public_text(r.facts, own_name),
        legal_basis=public_text(r.legal_basis),
        deciding_department=r.deciding_department,
        region_code=r.region_code,
        decision_date=convert.to_date(r.decision_date),
        publicity_start=convert.to_date(r.publicity_start),
        publicity_end=convert.to_date(r.publicity_end),
        disputed=r.disputed,
        published_at=convert.to_timestamp(now),
    )


def record_withdrawn(
    key: bytes, r: Record, reason: str, on: dt.date, now: dt.datetime
) -> pb.PublicRecordWithdrawn:
    return pb.PublicRecordWithdrawn(
        record_number=str(r.record_id),
        subject_key=_key(key, r.subject_kind, r.subject_code),
        reason=withdrawal(reason),
        withdrawn_on=convert.to_date(on),
        published_at=convert.to_timestamp(now),
    )


def record_disputed(key: bytes, r: Record, disputed: bool, now: dt.datetime) -> pb.PublicRecordDisputed:
    return pb.PublicRecordDisputed(
        record_number=str(r.record_id),
        subject_key=_key(key, r.subject_kind, r.subject_code),
        disputed=disputed,
        published_at=convert.to_timestamp(now),
    )


def listing(key: bytes, e: ListEntry, now: dt.datetime) -> pb.PublicListing:
    """A subject put on the serious-dishonesty list (严重失信主体名单), with the basis of the listing."""
    term = e.term
    return pb.PublicListing(
        entry_number=str(e.entry_id),
        subject=public_subject(key, subject_of(e.subject_kind, e.subject_code), e.subject_name),
        department=e.department,
        region_code=e.region_code,
        record_numbers=[str(i) for i in e.record_ids],
        basis=public_text(e.notice.legal_basis),
        listed_on=convert.to_date(term.listed_on),
        removal_due=convert.to_date(term.removal_due),
        published_at=convert.to_timestamp(now),
    )


def delisting(key: bytes, e: ListEntry, now: dt.datetime) -> pb.PublicDelisting:
    if e.removed_on is None:
        raise ValueError(f"list entry {e.entry_id} was not removed")
    return pb.PublicDelisting(
        entry_number=str(e.entry_id),
        subject_key=_key(key, e.subject_kind, e.subject_code),
        removed_on=convert.to_date(e.removed_on),
        reason=withdrawal(public_view.delisting_reason(e.removal_reason)),
        published_at=convert.to_timestamp(now),
    )


def withdrawal(reason: str) -> pb.Withdrawal.ValueType:
    return pb.Withdrawal.Value(f"WITHDRAWAL_{reason}")


def _key(key: bytes, kind: str, code: str) -> str:
    return page_key(key, subject_of(kind, code).kind, code)
