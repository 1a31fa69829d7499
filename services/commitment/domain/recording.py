"""The applicant's side: who may commit for which item version, the national commitment code, and
the commitment or certificate route a request records."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Generic, TypeVar

from services.commitment.domain import eligibility as rules
from services.commitment.domain.commitments import (
    Application,
    CertificateRoute,
    Commitment,
    SignedLetter,
    route,
)
from services.commitment.domain.eligibility import Eligibility, Restriction
from services.commitment.domain.items import ItemVersion
from services.kernel.auth import Caller
from services.kernel.errors import FailedPrecondition, NotFound, PreconditionViolation

CODE_SEQUENCE_MAX = 999_999


@dataclass(frozen=True, slots=True)
class Lookup:
    """Everything recording a commitment reads, fetched in one statement."""

    version: int | None  # of the item in force, None when not listed
    known: bool  # the item exists at all (as a draft at least)
    restrictions: tuple[Restriction, ...]
    certificate_route: bool  # the applicant already chose the certificate in this case
    # Reasons of the item alone for this subject: re-application bans (不得再次申请) after 终止办理
    # or 撤销 on a safety-related item; other items of the subject are not affected by them.
    item_restrictions: tuple[Restriction, ...] = ()


LookupKey = tuple[uuid.UUID, dt.datetime, str, str]  # item, instant, subject code, case number

I = TypeVar("I", bound=ItemVersion)  # noqa: E741 (the item version type of the caller)


@dataclass(frozen=True, slots=True)
class Found(Generic[I]):
    item_id: str
    lookup: Lookup
    item: I | None  # the version in force, None when the item is not listed


def found(item_id: uuid.UUID, lookup: Lookup, item: I | None, caller: Caller) -> Found[I]:
    """What was found for a request: NOT_FOUND for an unknown item, PERMISSION_DENIED for an item
    outside the caller's region (a caller of no region is a system-wide one)."""
    if not lookup.known:
        raise NotFound("catalogue item", str(item_id), "item_id")
    if item:
        caller.require_region(item.draft.region_code, "item")
    return Found(str(item_id), lookup, item)


def eligibility_of(found: Found[I], today: dt.date) -> Eligibility:
    item = found.item
    reasons = rules.item_reasons(
        found.item_id, item is not None, bool(item and item.draft.commitment_allowed)
    )
    lookup = found.lookup
    return rules.eligibility([*reasons, *lookup.restrictions, *lookup.item_restrictions], today)


def may_commit(found: Found[I], version: int, today: dt.date) -> I:
    """The item version to commit under, or FAILED_PRECONDITION with every reason why not."""
    answer = eligibility_of(found, today)
    if not answer.eligible:
        raise FailedPrecondition("the subject may not use the commitment route", answer.refusal())
    item = committable(found)
    if version and version != item.version:
        raise FailedPrecondition(
            "the item version is not in force",
            [
                PreconditionViolation(
                    "VERSION_NOT_IN_FORCE", str(item.item_id), f"version {item.version} is in force"
                )
            ],
        )
    if found.lookup.certificate_route:
        raise FailedPrecondition(
            "the applicant chose the certificate route in this case",
            [PreconditionViolation("CERTIFICATE_ROUTE_CHOSEN", str(item.item_id), "submit the certificate")],
        )
    return item


def listed(found: Found[I]) -> I:
    if found.item is None:
        reasons = rules.item_reasons(found.item_id, in_force=False, commitment_allowed=False)
        raise FailedPrecondition(
            "the item is not in force", rules.eligibility(reasons, dt.date.min).refusal()
        )
    return found.item


def committable(found: Found[I]) -> I:
    item = listed(found)
    if not item.draft.commitment_allowed:
        reasons = rules.item_reasons(str(item.item_id), in_force=True, commitment_allowed=False)
        raise FailedPrecondition(
            "the item does not allow commitment", rules.eligibility(reasons, dt.date.min).refusal()
        )
    return item


def may_choose_certificate(live_commitment: uuid.UUID | None) -> None:
    """A case with a commitment recorded goes the certificate route by withdrawing it."""
    if live_commitment is not None:
        raise FailedPrecondition(
            "a commitment for this item was recorded in this case",
            [
                PreconditionViolation(
                    "COMMITMENT_RECORDED", str(live_commitment), "withdraw the commitment instead"
                )
            ],
        )


def check_sequence(region: str, sequence: int) -> None:
    """A region has CODE_SEQUENCE_MAX codes a day (the code's six-digit sequence)."""
    if sequence > CODE_SEQUENCE_MAX:
        raise FailedPrecondition(
            "the region has used every commitment code of the day",
            [PreconditionViolation("CODE_SEQUENCE_EXHAUSTED", region, f"{CODE_SEQUENCE_MAX} codes a day")],
        )


def commitment_code(region_code: str, day: dt.date, sequence: int) -> str:
    """National code of 信用承诺信息: region (6) + YYYYMMDD + sequence (6) = 20 characters."""
    if not 1 <= sequence <= CODE_SEQUENCE_MAX:
        raise ValueError(f"sequence {sequence} outside 1..{CODE_SEQUENCE_MAX}")
    return f"{region_code}{day:%Y%m%d}{sequence:06d}"


def new_commitment(
    applied: Application,
    item: ItemVersion,
    *,
    channel: str,
    publication_type: str,
    code: str,
    letter: SignedLetter,
    now: dt.datetime,
    by: str,
    by_department: str,
) -> Commitment:
    return Commitment(
        commitment_id=uuid.uuid4(),
        code=code,
        subject_kind=applied.subject_kind,
        subject_code=applied.subject_code,
        subject_name=applied.subject_name,
        item_id=item.item_id,
        item_version=item.version,
        department=item.department,
        region_code=item.draft.region_code,
        case_number=applied.case_number,
        channel=channel,
        publication_type=publication_type,
        recorded_at=now,
        recorded_by=by,
        recorded_by_department=by_department,
        letter=letter,
    )


def new_route(applied: Application, item: ItemVersion, channel: str, now: dt.datetime) -> CertificateRoute:
    return route(applied, item_version=item.version, department=item.department, channel=channel, now=now)
