"""Turning credit rows into API messages and restriction events."""

from __future__ import annotations

import asyncpg

from chengnuo.credit.v1 import credit_pb2 as pb
from chengnuo.events.v1 import credit_events_pb2
from services.contracts.subjects import public_code, subject_of
from services.credit import domain, store
from services.kernel import convert
from services.kernel.clock import CHINA
from services.kernel.uow import UnitOfWork


def record(row: asyncpg.Record) -> pb.DishonestyRecord:
    message = pb.DishonestyRecord(
        record_id=str(row["record_id"]),
        subject=subject_of(row["subject_kind"], row["subject_code"]),
        subject_name=row["subject_name"],
        record_class=pb.RecordClass.Value(f"RECORD_CLASS_{row['record_class']}"),
        status=pb.RecordStatus.Value(row["status"]),
        facts=row["facts"],
        legal_basis=row["legal_basis"],
        deciding_department=row["deciding_department"],
        decision_date=convert.to_date(row["decision_date"]),
        publicity_start=convert.to_date(row["publicity_start"]),
        repairable_from=convert.to_date(row["repairable_from"]),
        publicity_end=convert.to_date(row["publicity_end"]),
        rule_set=row["rule_set"],
        rule=row["rule"],
        source_event_id=row["source_event_id"],
    )
    message.created_at.FromDatetime(row["created_at"])
    return message


def restriction(r: domain.Restriction) -> pb.Restriction:
    return pb.Restriction(
        kind=pb.RestrictionKind.Value(f"RESTRICTION_KIND_{r.kind}"),
        cause=pb.RestrictionCause.Value(f"RESTRICTION_CAUSE_{r.cause}"),
        record_id=r.record_id,
        description=r.description,
        repairable_from=convert.to_date(r.repairable_from),
        ends_on=convert.to_date(r.ends_on),
    )


async def restrictions_changed(uow: UnitOfWork, subject_kind: str, subject_code: str) -> None:
    """Announce the subject's complete current restrictions under a new version."""
    records = store.active(await store.records_of(uow.conn, subject_code))
    current = domain.restrictions(records, uow.now.astimezone(CHINA).date())
    version = await store.bump_version(uow.conn, subject_kind, subject_code)
    event = credit_events_pb2.RestrictionChanged(
        subject=subject_of(subject_kind, subject_code),
        version=version,
        restrictions=[restriction(r) for r in current],
        changed_at=convert.to_timestamp(uow.now),
    )
    uow.emit(event, entity=f"subject/{public_code(subject_kind, subject_code)}")
