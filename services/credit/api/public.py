"""PublicCreditService: what the public may see (公示), masked, only within its publicity period."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg

from chengnuo.common.v1 import subject_pb2
from chengnuo.credit.v1 import credit_pb2, public_pb2_grpc
from chengnuo.credit.v1 import public_pb2 as pb
from services.contracts import roles
from services.contracts.subjects import public_code
from services.credit.api.common import region_field
from services.credit.store import lists, records
from services.kernel import convert, paging
from services.kernel.errors import Violations
from services.kernel.identifiers import region_prefix
from services.kernel.masking import mask_free_text, mask_person_name
from services.kernel.rpc.handlers import query
from services.kernel.uow import Database


def _name(kind: str, name: str) -> str:
    return mask_person_name(name) if kind == "SUBJECT_KIND_NATURAL_PERSON" else name


def public_record(row: asyncpg.Record) -> pb.PublicRecord:
    kind = row["subject_kind"]
    return pb.PublicRecord(
        record_id=str(row["record_id"]),
        subject_kind=subject_pb2.SubjectKind.Value(kind),
        subject_code=public_code(kind, row["subject_code"]),
        subject_name=_name(kind, row["subject_name"]),
        record_class=credit_pb2.RecordClass.Value(f"RECORD_CLASS_{row['record_class']}"),
        disputed=row["status"] == "RECORD_STATUS_UNDER_OBJECTION",
        facts=mask_free_text(row["facts"]),
        legal_basis=row["legal_basis"],
        deciding_department=row["deciding_department"],
        decision_date=convert.to_date(row["decision_date"]),
        publicity_start=convert.to_date(row["publicity_start"]),
        publicity_end=convert.to_date(row["publicity_end"]),
    )


def public_entry(row: asyncpg.Record) -> pb.PublicListEntry:
    kind = row["subject_kind"]
    return pb.PublicListEntry(
        entry_id=str(row["entry_id"]),
        subject_kind=subject_pb2.SubjectKind.Value(kind),
        subject_code=public_code(kind, row["subject_code"]),
        subject_name=_name(kind, row["subject_name"]),
        legal_basis=row["notice"]["legal_basis"],
        reasons=mask_free_text(row["reasons"]),
        department=row["department"],
        listed_on=convert.to_date(row["listed_on"]),
        removal_due=convert.to_date(row["removal_due"]),
    )


class PublicCreditApi(public_pb2_grpc.PublicCreditServiceServicer):
    def __init__(self, db: Database) -> None:
        self.db = db

    @query(roles.ANY_ROLE)
    async def ListPublicRecords(
        self, request: pb.ListPublicRecordsRequest, context: Any
    ) -> pb.ListPublicRecordsResponse:
        size, region, start = _page(request)
        rows = await records.public_page(self.db.pool, self.db.clock.today(), region, start, size)
        next_token = paging.next_token(rows, size, "publicity_start", "record_id")
        return pb.ListPublicRecordsResponse(
            records=[public_record(r) for r in rows], next_page_token=next_token
        )

    @query(roles.ANY_ROLE)
    async def ListBlacklist(self, request: pb.ListBlacklistRequest, context: Any) -> pb.ListBlacklistResponse:
        size, region, start = _page(request)
        rows = await lists.public_page(self.db.pool, region, start, size)
        next_token = paging.next_token(rows, size, "listed_on", "entry_id")
        return pb.ListBlacklistResponse(entries=[public_entry(r) for r in rows], next_page_token=next_token)


def _page(request: pb.ListPublicRecordsRequest | pb.ListBlacklistRequest) -> tuple[int, str, Any]:
    v = Violations()
    region = region_field(v, request.region_code)
    v.raise_if_any()
    prefix = region_prefix(region) if region else ""
    return (
        paging.page_size(request.page_size),
        prefix,
        paging.after(request.page_token, dt.date.fromisoformat, uuid.UUID),
    )
