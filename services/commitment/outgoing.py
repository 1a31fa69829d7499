"""Building the messages the commitment service sends: answers and events."""

from __future__ import annotations

import datetime as dt
import uuid

from chengnuo.commitment.v1 import commitment_pb2
from chengnuo.events.v1 import commitment_events_pb2
from services.commitment import domain
from services.commitment.commitment_parse import Application
from services.commitment.item_versions import ItemVersion
from services.kernel import convert


def eligibility_response(
    answer: domain.Eligibility, as_of: dt.datetime | None
) -> commitment_pb2.CheckEligibilityResponse:
    response = commitment_pb2.CheckEligibilityResponse(
        eligible=answer.eligible,
        reasons=[
            commitment_pb2.Ineligibility(
                reason=commitment_pb2.IneligibilityReason.Value(f"INELIGIBILITY_REASON_{r.cause}"),
                description=r.description,
                record_id=r.record_id,
                repairable_from=convert.opt_date(r.repairable_from),
                ends_on=convert.opt_date(r.ends_on),
            )
            for r in answer.reasons
        ],
        earliest_change=convert.opt_date(answer.earliest_change),
    )
    if as_of:
        response.credit_view_as_of.FromDatetime(as_of)
    return response


def new_commitment(
    request: commitment_pb2.RecordCommitmentRequest,
    applied: Application,
    item: ItemVersion,
    *,
    code: str,
    letter: commitment_pb2.SignedLetter,
    now: dt.datetime,
) -> commitment_pb2.Commitment:
    return commitment_pb2.Commitment(
        commitment_id=str(uuid.uuid4()),
        code=code,
        subject=applied.subject.to_proto(),
        subject_name=applied.subject_name,
        item_id=str(item.item_id),
        item_version=item.version,
        department=item.department,
        case_number=applied.case_number,
        channel=request.channel,
        publication_type=request.publication_type,
        recorded_at=convert.to_timestamp(now),
        status=commitment_pb2.COMMITMENT_STATUS_ACTIVE,
        letter=letter,
        fulfilment=commitment_pb2.Fulfilment(status=commitment_pb2.FULFILMENT_STATUS_PENDING),
        region_code=item.draft.region_code,
    )


def new_route(
    applied: Application, item: ItemVersion, channel: int, now: dt.datetime, withdrawn: str = ""
) -> commitment_pb2.CertificateRoute:
    return commitment_pb2.CertificateRoute(
        route_id=str(uuid.uuid4()),
        subject=applied.subject.to_proto(),
        subject_name=applied.subject_name,
        item_id=str(item.item_id),
        item_version=item.version,
        department=item.department,
        case_number=applied.case_number,
        channel=channel,  # type: ignore[arg-type]  # a validated Channel value
        chosen_at=convert.to_timestamp(now),
        withdrawn_commitment_id=withdrawn,
    )


def recorded_event(
    c: commitment_pb2.Commitment, item: ItemVersion
) -> commitment_events_pb2.CommitmentRecorded:
    return commitment_events_pb2.CommitmentRecorded(
        commitment_id=c.commitment_id,
        code=c.code,
        subject=c.subject,
        subject_name=c.subject_name,
        item_id=c.item_id,
        item_version=c.item_version,
        item_name=item.draft.name,
        department=c.department,
        region_code=item.draft.region_code,
        case_number=c.case_number,
        publication_type=c.publication_type,
        verification=item.draft.verification,
        recorded_at=c.recorded_at,
        safety_related=item.draft.safety_related,
        letter_sha256=c.letter.sha256,
    )


def withdrawn_event(c: commitment_pb2.Commitment) -> commitment_events_pb2.CommitmentWithdrawn:
    return commitment_events_pb2.CommitmentWithdrawn(
        commitment_id=c.commitment_id,
        subject=c.subject,
        department=c.department,
        reason=c.withdrawal_reason,
        withdrawn_at=c.withdrawn_at,
        code=c.code,
        item_id=c.item_id,
        case_number=c.case_number,
    )
