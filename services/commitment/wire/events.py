"""The events the commitment service emits (docs/events.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from google.type import date_pb2

from chengnuo.commitment.v1 import commitment_pb2
from chengnuo.events.v1 import commitment_events_pb2 as events
from services.commitment.domain.filing import Due
from services.commitment.store.catalogue import CatalogueVersion, PublishedItem
from services.commitment.store.items import ItemVersion
from services.commitment.wire.catalogue import version_facts
from services.commitment.wire.commitments import fields_of
from services.kernel import convert

# What every commitment event says about the commitment it is about.
_ABOUT = ("commitment_id", "code", "subject", "department", "item_id", "case_number")


def recorded(c: commitment_pb2.Commitment, item: ItemVersion) -> events.CommitmentRecorded:
    return events.CommitmentRecorded(
        **fields_of(c, *_ABOUT, "subject_name", "item_version", "publication_type", "recorded_at"),
        item_name=item.draft.name,
        region_code=item.draft.region_code,
        verification=item.draft.verification,
        safety_related=item.draft.safety_related,
        letter_sha256=c.letter.sha256,
    )


def withdrawn(c: commitment_pb2.Commitment) -> events.CommitmentWithdrawn:
    return events.CommitmentWithdrawn(
        **fields_of(c, *_ABOUT), reason=c.withdrawal_reason, withdrawn_at=c.withdrawn_at
    )


def fulfilment_changed(
    c: commitment_pb2.Commitment, previous: str, task_id: str
) -> events.CommitmentFulfilmentChanged:
    return events.CommitmentFulfilmentChanged(
        **fields_of(c, "commitment_id", "code", "subject", "department"),
        status=c.fulfilment.status,
        previous_status=commitment_pb2.FulfilmentStatus.Value(previous),
        determined_by=c.fulfilment.determined_by,
        determined_on=c.fulfilment.determined_on,
        task_id=task_id,
        changed_at=c.fulfilment.changed_at,
    )


def licence_revoked(
    c: commitment_pb2.Commitment, publication_deadline: date_pb2.Date | None, at: dt.datetime
) -> events.LicenceRevoked:
    revoked = c.revoked
    return events.LicenceRevoked(
        **fields_of(c, *_ABOUT, "subject_name"),
        revoked_by=revoked.department,
        revoked_on=revoked.decided_on,
        legal_basis=revoked.legal_basis,
        task_id=revoked.task_id,
        publication_deadline=publication_deadline,
        reapplication_allowed_from=revoked.reapplication_allowed_from
        if revoked.HasField("reapplication_allowed_from")
        else None,
        revoked_at=convert.to_timestamp(at),
    )


def catalogue_published(
    v: CatalogueVersion, listed: Sequence[PublishedItem], due: Due | None
) -> events.CataloguePublished:
    return events.CataloguePublished(
        **version_facts(v, due),
        items=[
            events.PublishedItem(
                item_id=str(i.item_id),
                name=i.name,
                region_code=i.region_code,
                commitment_allowed=i.commitment_allowed,
            )
            for i in listed
        ],
    )
