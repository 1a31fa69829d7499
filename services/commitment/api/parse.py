"""Parsing requests: every field problem is collected and refused at once as INVALID_ARGUMENT,
naming the field; what comes out is domain values and store filters, never protos."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from google.type.date_pb2 import Date

from chengnuo.commitment.v1 import catalogue_pb2, commitment_pb2
from chengnuo.common.v1 import subject_pb2
from services.commitment.domain.commitments import Application
from services.commitment.domain.signing import SentLetter
from services.commitment.store.items import ListFilter
from services.commitment.store.listings import Cursor, Period, PublicFilter, StaffFilter
from services.contracts.subjects import parse_subject
from services.kernel import convert, paging
from services.kernel.clock import CHINA
from services.kernel.errors import InvalidArgument, Violations
from services.kernel.identifiers import region_prefix, validate_region_code
from services.kernel.ids import optional_uuid, uuid_field

MAX_REASON = 1000
MAX_NAME = 200
MAX_CASE_NUMBER = 64
MAX_FILTER = 200
MAX_REFERENCE = 100
MAX_AUTHORITY = 200
MAX_IMPORT_ROWS = 2000

Signature = commitment_pb2.SignatureMethod
ImportMode = catalogue_pb2.ImportMode


def text(v: Violations, field: str, value: str, limit: int, *, required: bool = True) -> str:
    if required and not value.strip():
        v.add(field, f"required, at most {limit} characters")
    elif len(value) > limit:
        v.add(field, f"at most {limit} characters")
    return value.strip()


def region(v: Violations, field: str, code: str) -> str:
    """The LIKE prefix of a region filter ('' for none)."""
    if not code:
        return ""
    try:
        return region_prefix(validate_region_code(code))
    except ValueError as exc:
        v.add(field, str(exc))
        return ""


def period(v: Violations, start: Date, end: Date, fields: tuple[str, str]) -> Period:
    """China dates, both included, as a half-open range of instants."""
    first = convert.date_field(v, fields[0], start, required=False)
    last = convert.date_field(v, fields[1], end, required=False)
    if first and last and last < first:
        v.add(fields[1], "must not be before " + fields[0])
    return Period(_midnight(first), _midnight(last + dt.timedelta(days=1)) if last else None)


def _midnight(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime.combine(day, dt.time(), CHINA) if day else None


# The applicant's side.


class ApplicantRequest(Protocol):
    @property
    def subject(self) -> subject_pb2.SubjectRef: ...
    @property
    def subject_name(self) -> str: ...
    @property
    def item_id(self) -> str: ...
    @property
    def case_number(self) -> str: ...


def application(v: Violations, request: ApplicantRequest) -> Application | None:
    """Who commits, for what, in which case; adds every problem to `v`, None if there was any."""
    subject = parse_subject(v, "subject", request.subject)
    item_id = uuid_field(v, "item_id", request.item_id)
    name = text(v, "subject_name", request.subject_name, MAX_NAME)
    case = text(v, "case_number", request.case_number, MAX_CASE_NUMBER)
    if subject is None or item_id is None or v.items:
        return None
    return Application(subject.kind, subject.code, name, item_id, case)


def channel(v: Violations, value: commitment_pb2.Channel.ValueType) -> str | None:
    if value == commitment_pb2.CHANNEL_UNSPECIFIED or value not in commitment_pb2.Channel.values():
        v.add("channel", "required: window, online or post")
        return None
    return commitment_pb2.Channel.Name(value)


def publication_type(v: Violations, value: commitment_pb2.PublicationType.ValueType) -> str | None:
    kinds = commitment_pb2.PublicationType
    if value == kinds.PUBLICATION_TYPE_UNSPECIFIED or value not in kinds.values():
        v.add("publication_type", "required: public, restricted or not public")
        return None
    return kinds.Name(value)


def signing_day(v: Violations, signed_on: Date, today: dt.date) -> dt.date:
    """The day of signing: given, or today; never in the future."""
    day = convert.date_field(v, "letter.signed_on", signed_on, required=False) or today
    if day > today:
        v.add("letter.signed_on", "must not be in the future")
    return day


def sent_letter(letter: commitment_pb2.SignedLetter, given: bool) -> SentLetter:
    """The letter as sent; whether it is signed and matches its template is the domain's to say,
    after eligibility (domain/signing.py)."""
    method = letter.signature_method
    known = method in Signature.values() and method != Signature.SIGNATURE_METHOD_UNSPECIFIED
    return SentLetter(
        given=given,
        text=letter.text,
        values=letter.values,
        sha256=letter.sha256,
        signature_method=Signature.Name(method) if known else None,
        signature_reference=letter.signature_reference,
    )


@dataclass(frozen=True, slots=True)
class Recording:
    """What a RecordCommitmentRequest asks to record."""

    application: Application
    signed_on: dt.date
    channel: str
    publication_type: str
    item_version: int  # 0: the version in force
    letter: SentLetter


def recording(request: commitment_pb2.RecordCommitmentRequest, today: dt.date) -> Recording:
    v = Violations()
    applied = application(v, request)
    chosen = channel(v, request.channel)
    kind = publication_type(v, request.publication_type)
    day = signing_day(v, request.letter.signed_on, today)
    if request.item_version < 0:
        v.add("item_version", "a published version number, or 0 for the version in force")
    return Recording(
        application=v.ok(applied),
        signed_on=day,
        channel=v.ok(chosen),
        publication_type=v.ok(kind),
        item_version=request.item_version,
        letter=sent_letter(request.letter, request.HasField("letter")),
    )


# Lists.

COMMITMENT_PAGE = 50


class Recorded(Protocol):
    @property
    def recorded_at(self) -> dt.datetime: ...
    @property
    def commitment_id(self) -> uuid.UUID: ...


def commitment_page(page_size: int, page_token: str, most: int) -> tuple[int, Cursor | None]:
    """The page size and the cursor of a list of commitments, newest first."""
    return paging.page_size(page_size, COMMITMENT_PAGE, most), paging.after(
        page_token, paging.instant, uuid.UUID
    )


def next_commitments(found: Sequence[Recorded], size: int) -> str:
    """The token after a full page of commitments (sorted by recorded_at, commitment_id)."""
    last = found[-1] if len(found) == size else None
    return paging.token(last.recorded_at, last.commitment_id) if last else ""


def staff_filter(request: commitment_pb2.ListCommitmentsRequest, department: str) -> StaffFilter:
    v = Violations()
    subject = parse_subject(v, "subject", request.subject) if request.HasField("subject") else None
    status, fulfilment = commitment_pb2.CommitmentStatus, commitment_pb2.FulfilmentStatus
    if request.status not in status.values():
        v.add("status", "active, matter concluded or withdrawn")
    if request.fulfilment not in fulfilment.values():
        v.add("fulfilment", "pending, fulfilled, partially fulfilled or not fulfilled")
    item_id = optional_uuid(v, "item_id", request.item_id)
    recorded = period(v, request.recorded_from, request.recorded_to, ("recorded_from", "recorded_to"))
    v.raise_if_any()
    return StaffFilter(
        department=department,
        subject_code=subject.code if subject else None,
        status=status.Name(request.status) if request.status else None,
        fulfilment=fulfilment.Name(request.fulfilment) if request.fulfilment else None,
        item_id=item_id,
        period=recorded,
    )


def public_filter(request: commitment_pb2.ListPublishedCommitmentsRequest) -> PublicFilter:
    v = Violations()
    text(v, "department", request.department, MAX_FILTER, required=False)
    prefix = region(v, "region_code", request.region_code)
    item_id = optional_uuid(v, "item_id", request.item_id)
    recorded = period(v, request.recorded_from, request.recorded_to, ("recorded_from", "recorded_to"))
    v.raise_if_any()
    return PublicFilter(request.department.strip(), prefix, item_id, recorded)


def catalogue_filter(request: catalogue_pb2.ListCatalogueRequest) -> ListFilter:
    v = Violations()
    lists = catalogue_pb2.CatalogueList
    if request.list not in lists.values():
        v.add("list", "the certificate list or the commitment list")
    text(v, "department", request.department, MAX_FILTER, required=False)
    text(v, "matter", request.matter, MAX_FILTER, required=False)
    words = text(v, "text", request.text, MAX_FILTER, required=False)
    prefix = region(v, "region_code", request.region_code)
    v.raise_if_any()
    return ListFilter(
        department=request.department,
        commitment_only=request.list == lists.CATALOGUE_LIST_COMMITMENT,
        region_prefix=prefix,
        matter=request.matter.strip(),
        text=f"%{_escape(words)}%" if words else "",
    )


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# The catalogue's side.


def filed_on(request: catalogue_pb2.RecordFilingRequest, today: dt.date) -> dt.date:
    v = Violations()
    if request.version < 1:
        v.add("version", "required: the published version that was filed")
    day = convert.date_field(v, "filed_on", request.filed_on)
    text(v, "reference", request.reference, MAX_REFERENCE)
    text(v, "authority", request.authority, MAX_AUTHORITY)
    if day and day > today:
        v.add("filed_on", "must not be in the future")
    return v.ok(day)


def department_filter(department: str) -> str:
    if len(department) > MAX_AUTHORITY:
        raise InvalidArgument.one("department", f"at most {MAX_AUTHORITY} characters")
    return department


def check_import(request: catalogue_pb2.ImportCatalogueRequest) -> None:
    v = Violations()
    if request.mode not in (ImportMode.IMPORT_MODE_ALL_OR_NOTHING, ImportMode.IMPORT_MODE_VALID_ROWS_ONLY):
        v.add("mode", "required: all-or-nothing or valid-rows-only")
    if not 1 <= len(request.rows) <= MAX_IMPORT_ROWS:
        v.add("rows", f"1 to {MAX_IMPORT_ROWS} rows per request; split larger files")
    v.raise_if_any()
