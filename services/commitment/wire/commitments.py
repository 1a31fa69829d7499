"""Commitments, certificate routes and eligibility answers as the protos say them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from google.protobuf.message import Message

from chengnuo.commitment.v1 import commitment_pb2
from chengnuo.commitment.v1 import sharing_pb2 as spb
from chengnuo.common.v1 import subject_pb2
from services.commitment.domain.commitments import CertificateRoute, Commitment, Fulfilment, SignedLetter
from services.commitment.domain.eligibility import Eligibility
from services.commitment.domain.measures import Decision
from services.commitment.domain.publication import Published, public_view
from services.commitment.store.items import ItemVersion
from services.contracts.subjects import subject_of
from services.kernel import convert

pb = commitment_pb2


def commitment(c: Commitment) -> pb.Commitment:
    return pb.Commitment(
        commitment_id=str(c.commitment_id),
        code=c.code,
        subject=subject_of(c.subject_kind, c.subject_code),
        subject_name=c.subject_name,
        item_id=str(c.item_id),
        item_version=c.item_version,
        department=c.department,
        case_number=c.case_number,
        channel=pb.Channel.Value(c.channel),
        publication_type=pb.PublicationType.Value(c.publication_type),
        recorded_at=convert.to_timestamp(c.recorded_at),
        status=pb.CommitmentStatus.Value(c.status),
        letter=_letter(c.letter),
        fulfilment=_fulfilment(c.fulfilment),
        region_code=c.region_code,
        withdrawal_reason=c.withdrawal_reason,
        matter_concluded_on=convert.opt_date(c.matter_concluded_on),
        withdrawn_at=convert.opt_timestamp(c.withdrawn_at),
        stopped=_measure(c.stopped),
        revoked=_measure(c.revoked),
    )


def _measure(d: Decision | None) -> pb.MeasureTaken | None:
    if d is None:
        return None
    return pb.MeasureTaken(
        decided_on=convert.to_date(d.decided_on),
        department=d.department,
        task_id=str(d.task_id),
        legal_basis=d.legal_basis,
        reapplication_allowed_from=convert.opt_date(d.ban_ends_on),
        ban_rule_set=d.ban_rule_set,
    )


def _letter(letter: SignedLetter) -> pb.SignedLetter:
    return pb.SignedLetter(
        text=letter.text,
        values=[
            pb.LetterValue(name=v.name, value=v.value, trade_secret=v.trade_secret) for v in letter.values
        ],
        sha256=letter.sha256,
        signature_method=pb.SignatureMethod.Value(letter.signature_method),
        signature_reference=letter.signature_reference,
        signed_on=convert.opt_date(letter.signed_on),
    )


def _fulfilment(f: Fulfilment) -> pb.Fulfilment:
    return pb.Fulfilment(
        status=pb.FulfilmentStatus.Value(f.status),
        determined_by=f.determined_by,
        determined_on=convert.opt_date(f.determined_on),
        changed_at=convert.opt_timestamp(f.changed_at),
    )


def route(r: CertificateRoute) -> pb.CertificateRoute:
    return pb.CertificateRoute(
        route_id=str(r.route_id),
        subject=subject_of(r.subject_kind, r.subject_code),
        subject_name=r.subject_name,
        item_id=str(r.item_id),
        item_version=r.item_version,
        department=r.department,
        case_number=r.case_number,
        channel=pb.Channel.Value(r.channel),
        chosen_at=convert.to_timestamp(r.chosen_at),
        withdrawn_commitment_id=str(r.withdrawn_commitment_id or ""),
    )


def eligibility(answer: Eligibility, as_of: dt.datetime | None) -> pb.CheckEligibilityResponse:
    return pb.CheckEligibilityResponse(
        eligible=answer.eligible,
        reasons=[
            pb.Ineligibility(
                reason=pb.IneligibilityReason.Value(f"INELIGIBILITY_REASON_{r.cause}"),
                description=r.description,
                record_id=r.record_id,
                repairable_from=convert.opt_date(r.repairable_from),
                ends_on=convert.opt_date(r.ends_on),
            )
            for r in answer.reasons
        ],
        earliest_change=convert.opt_date(answer.earliest_change),
        credit_view_as_of=convert.opt_timestamp(as_of),
    )


def published(c: Published, item: ItemVersion) -> pb.PublishedCommitment:
    """The public view (公示) of a commitment under its item version."""
    view = public_view(c, item)
    return pb.PublishedCommitment(
        code=c.code,
        subject_kind=subject_pb2.SubjectKind.Value(c.subject_kind),
        subject_code=view.subject_code,
        subject_name=view.subject_name,
        item_id=str(c.item_id),
        item_version=c.item_version,
        item_name=item.draft.name,
        department=c.department,
        agency_name=item.draft.agency_name,
        recorded_on=convert.to_date(view.recorded_on),
        fulfilment=pb.FulfilmentStatus.Value(c.fulfilment),
        letter_text=view.letter_text,
        withheld=[
            pb.WithheldField(name=w.name, label=w.label, reason=pb.WithheldReason.Value(w.reason))
            for w in view.withheld
        ],
        stopped_on=convert.opt_date(c.stopped_on),
        revoked_on=convert.opt_date(c.revoked_on),
        revocation_basis=c.revocation_basis,
    )


def shared(stored: Commitment, item: ItemVersion) -> spb.SharedCommitment:
    """The stored commitment with its letter as published, for another department: masked by
    field kind, withheld parts replaced by a notice (the sharing gate's shape then masks what free
    text is left)."""
    c, public = commitment(stored), published(stored.published(), item)
    kept = [n for n in ("withdrawn_at", "matter_concluded_on") if c.HasField(n)]
    return spb.SharedCommitment(
        **fields_of(c, *_SHARED, *kept),
        item_name=public.item_name,
        letter_text=public.letter_text,
        withheld=public.withheld,
    )


# The fields of a commitment another department sees as they are stored (its letter as published).
_SHARED = (
    "commitment_id", "code", "subject", "subject_name", "item_id", "item_version", "department",
    "region_code", "case_number", "publication_type", "recorded_at", "status", "fulfilment",
    "withdrawal_reason",
)  # fmt: skip


def fields_of(source: Message, *names: str) -> dict[str, Any]:
    """The fields `names` of `source`, for a message that has them under the same names."""
    return {name: getattr(source, name) for name in names}
