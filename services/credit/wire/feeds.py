"""Imported list entries as FeedService replies."""

from __future__ import annotations

import datetime as dt

from chengnuo.credit.v1 import feeds_pb2 as pb
from services.contracts.subjects import subject_of
from services.credit.domain.feeds import FeedEntry, Gathered
from services.kernel import convert


def feed_entry(e: FeedEntry, today: dt.date) -> pb.FeedEntry:
    lifted = e.lifted_by(today)
    reply = pb.FeedEntry(
        entry_id=str(e.entry_id),
        source=pb.FeedSource.Value(f"FEED_SOURCE_{e.source}"),
        region_code=e.region_code,
        subject=subject_of(e.subject_kind, e.subject_code),
        basis=e.basis,
        listed_on=convert.to_date(e.listed_on),
        first_snapshot=convert.to_date(e.first_snapshot),
        last_snapshot=convert.to_date(e.last_snapshot),
        status=pb.FEED_ENTRY_STATUS_LIFTED if lifted else pb.FEED_ENTRY_STATUS_IN_FORCE,
        imported_at=convert.to_timestamp(e.imported_at),
    )
    if e.valid_until:
        reply.valid_until.CopyFrom(convert.to_date(e.valid_until))
    if lifted:
        reply.lifted_on.CopyFrom(convert.to_date(lifted))
    return reply


def gathered(g: Gathered) -> pb.GatheredInformation:
    return pb.GatheredInformation(
        info_id=str(g.info_id),
        subject=subject_of(g.subject_kind, g.subject_code),
        source_department=g.source_department,
        kind=pb.GatheredKind.Value(f"GATHERED_KIND_{g.kind}"),
        decision_date=convert.to_date(g.decision_date),
        basis=g.basis,
        case_number=g.case_number,
        submitted_department=g.submitted_department,
        submitted_at=convert.to_timestamp(g.submitted_at),
    )
