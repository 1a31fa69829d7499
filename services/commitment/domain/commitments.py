"""Commitments as recorded (信用承诺信息), and their life after recording: withdrawal before the
matter concludes, and the matter's conclusion (办结), after which it can no longer be withdrawn
(《祁阳市提升行政执法质量建设法治营商环境工作方案》三(三)10); and the fulfilment status (履约状态)
the verification outcomes give it."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from services.commitment.domain.letters import Applicant, LetterValue
from services.commitment.domain.measures import Decision
from services.commitment.domain.publication import Published
from services.kernel.auth import Caller
from services.kernel.clock import china_date
from services.kernel.errors import FailedPrecondition, NotFound, PermissionDenied, PreconditionViolation

ACTIVE = "COMMITMENT_STATUS_ACTIVE"
WITHDRAWN = "COMMITMENT_STATUS_WITHDRAWN"
CONCLUDED = "COMMITMENT_STATUS_MATTER_CONCLUDED"
PENDING = "FULFILMENT_STATUS_PENDING"


@dataclass(frozen=True, slots=True)
class Application:
    """Who commits (or submits the certificate), for which item, in which case."""

    subject_kind: str  # a SubjectKind name
    subject_code: str
    subject_name: str
    item_id: uuid.UUID
    case_number: str

    def applicant(self, signed_on: dt.date) -> Applicant:
        return Applicant(self.subject_kind, self.subject_code, self.subject_name, self.case_number, signed_on)


@dataclass(frozen=True, slots=True)
class SignedLetter:
    text: str
    values: tuple[LetterValue, ...]
    sha256: str  # hex; "" when none is stored
    signature_method: str  # a SignatureMethod name
    signature_reference: str
    signed_on: dt.date | None


@dataclass(frozen=True, slots=True)
class Fulfilment:
    status: str = PENDING  # a FulfilmentStatus name
    determined_by: str = ""
    determined_on: dt.date | None = None
    changed_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Commitment:
    commitment_id: uuid.UUID
    code: str
    subject_kind: str  # a SubjectKind name
    subject_code: str
    subject_name: str
    item_id: uuid.UUID
    item_version: int
    department: str
    region_code: str
    case_number: str
    channel: str  # a Channel name
    publication_type: str  # a PublicationType name
    recorded_at: dt.datetime
    recorded_by: str
    recorded_by_department: str
    letter: SignedLetter
    status: str = ACTIVE  # a CommitmentStatus name
    fulfilment: Fulfilment = field(default_factory=Fulfilment)
    withdrawn_at: dt.datetime | None = None
    withdrawal_reason: str = ""
    matter_concluded_on: dt.date | None = None
    stopped: Decision | None = None  # 终止办理 after the commitment was found false
    revoked: Decision | None = None  # 撤销 of the licence granted on it

    @property
    def application(self) -> Application:
        return Application(
            self.subject_kind, self.subject_code, self.subject_name, self.item_id, self.case_number
        )

    def published(self) -> Published:
        return Published(
            commitment_id=self.commitment_id,
            code=self.code,
            subject_kind=self.subject_kind,
            subject_code=self.subject_code,
            subject_name=self.subject_name,
            item_id=self.item_id,
            item_version=self.item_version,
            department=self.department,
            case_number=self.case_number,
            recorded_at=self.recorded_at,
            fulfilment=self.fulfilment.status,
            letter_text=self.letter.text,
            letter_values=self.letter.values,
            signed_on=self.letter.signed_on,
            stopped_on=self.stopped.decided_on if self.stopped else None,
            revoked_on=self.revoked.decided_on if self.revoked else None,
            revocation_basis=self.revoked.legal_basis if self.revoked else "",
        )


@dataclass(frozen=True, slots=True)
class CertificateRoute:
    """The applicant's choice of submitting the certificate in a case (instead of committing)."""

    route_id: uuid.UUID
    subject_kind: str
    subject_code: str
    subject_name: str
    item_id: uuid.UUID
    item_version: int
    department: str
    case_number: str
    channel: str  # a Channel name
    chosen_at: dt.datetime
    withdrawn_commitment_id: uuid.UUID | None = None


def open_for(found: Commitment | None, commitment_id: uuid.UUID, caller: Caller) -> Commitment:
    """The commitment, if the caller may act on it and its matter is still open."""
    if found is None:
        raise NotFound("commitment", str(commitment_id), "commitment_id")
    _require_scope(found, caller)
    if found.status != ACTIVE:
        kind = found.status.removeprefix("COMMITMENT_STATUS_")
        raise FailedPrecondition(
            "the commitment is no longer open",
            [
                PreconditionViolation(
                    kind, str(commitment_id), f"the commitment is {kind.lower().replace('_', ' ')}"
                )
            ],
        )
    return found


def _require_scope(c: Commitment, caller: Caller) -> None:
    """As in RecordCommitment, a portal acts in its region (the token verifier refuses a portal of
    none); of the portals there, the handling department's own and the one that recorded the case
    (a service hall recording for it) may withdraw or conclude it, no other department's."""
    caller.require_region(c.region_code, "commitment")
    if caller.department not in {c.department, c.recorded_by_department}:
        raise PermissionDenied(
            f"the commitment is handled by department {c.department!r}; the caller acts for"
            f" {caller.department!r}, which neither handles nor recorded it"
        )


def check_conclusion(c: Commitment, day: dt.date) -> None:
    if day < china_date(c.recorded_at):
        raise FailedPrecondition(
            "a matter cannot conclude before its commitment was recorded",
            [PreconditionViolation("BEFORE_RECORDING", str(c.commitment_id), "check concluded_on")],
        )


def route(
    applied: Application,
    *,
    item_version: int,
    department: str,
    channel: str,
    now: dt.datetime,
    withdrawn: uuid.UUID | None = None,
) -> CertificateRoute:
    """The certificate route chosen in the applicant's case (after withdrawing `withdrawn`)."""
    return CertificateRoute(
        route_id=uuid.uuid4(),
        subject_kind=applied.subject_kind,
        subject_code=applied.subject_code,
        subject_name=applied.subject_name,
        item_id=applied.item_id,
        item_version=item_version,
        department=department,
        case_number=applied.case_number,
        channel=channel,
        chosen_at=now,
        withdrawn_commitment_id=withdrawn,
    )


def fallback_route(c: Commitment, now: dt.datetime) -> CertificateRoute:
    """Withdrawing means going the certificate route in the same case (办结前撤回)."""
    return route(
        c.application,
        item_version=c.item_version,
        department=c.department,
        channel=c.channel,
        now=now,
        withdrawn=c.commitment_id,
    )


def fulfilment(outcomes: Iterable[str]) -> str:
    """履约状态 from a commitment's verification outcomes (OUTCOME_* names). Only true and false
    outcomes determine it; an unverifiable one is escalated and decides nothing yet."""
    determined = {o for o in outcomes if o in ("OUTCOME_TRUE", "OUTCOME_FALSE")}
    if not determined:
        return "FULFILMENT_STATUS_PENDING"
    if determined == {"OUTCOME_TRUE"}:
        return "FULFILMENT_STATUS_FULFILLED"
    if determined == {"OUTCOME_FALSE"}:
        return "FULFILMENT_STATUS_NOT_FULFILLED"
    return "FULFILMENT_STATUS_PARTIALLY_FULFILLED"
