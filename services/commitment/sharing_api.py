"""CommitmentSharingService: a subject's commitments for another department, within its sharing
agreement for `commitments` and in the audit trail with the purpose, allowed or denied."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from chengnuo.commitment.v1 import sharing_pb2 as spb
from chengnuo.commitment.v1 import sharing_pb2_grpc
from services.commitment import commitment_store, publication, sharing_store
from services.commitment.item_versions import ItemVersion, ItemVersions
from services.contracts import roles
from services.contracts.sharing import subject_query
from services.kernel import paging
from services.kernel.rpc.handlers import query
from services.kernel.sharing import SharingGate, shape
from services.kernel.uow import Database

DATA_CLASS = "commitments"
DEFAULT_PAGE, MAX_PAGE = 50, 200


class CommitmentSharingApi(sharing_pb2_grpc.CommitmentSharingServiceServicer):
    def __init__(self, db: Database, gate: SharingGate, items: ItemVersions) -> None:
        self.db, self.gate, self.items = db, gate, items

    @query(roles.DATA_CONSUMER, roles.SERVICE)
    async def ListSubjectCommitments(
        self, request: spb.ListSubjectCommitmentsRequest, context: Any
    ) -> spb.ListSubjectCommitmentsResponse:
        asked = subject_query(request.subject, request.purpose)
        size = paging.page_size(request.page_size, DEFAULT_PAGE, MAX_PAGE)
        after = paging.after(request.page_token, paging.instant, uuid.UUID)
        async with asked.read(self.gate, DATA_CLASS) as (uow, grant):
            rows = await sharing_store.of_subject(uow.conn, asked.subject.code, after, size)
            versions = await self.items.many(uow.conn, [(r["item_id"], r["item_version"]) for r in rows])
        return spb.ListSubjectCommitmentsResponse(
            commitments=[shape(_shared(r, versions[(r["item_id"], r["item_version"])]), grant) for r in rows],
            next_page_token=paging.next_token(rows, size, "recorded_at", "commitment_id"),
        )


def _shared(row: asyncpg.Record, item: ItemVersion) -> spb.SharedCommitment:
    """The stored commitment with its letter as published: masked by field kind, withheld parts
    replaced by a notice (shape then masks what free text is left)."""
    c, public = commitment_store.to_proto(row), publication.published(row, item)
    shared = spb.SharedCommitment(
        commitment_id=c.commitment_id,
        code=c.code,
        subject=c.subject,
        subject_name=c.subject_name,
        item_id=c.item_id,
        item_version=c.item_version,
        item_name=public.item_name,
        department=c.department,
        region_code=c.region_code,
        case_number=c.case_number,
        publication_type=c.publication_type,
        recorded_at=c.recorded_at,
        status=c.status,
        fulfilment=c.fulfilment,
        letter_text=public.letter_text,
        withheld=public.withheld,
        withdrawal_reason=c.withdrawal_reason,
    )
    for name in ("withdrawn_at", "matter_concluded_on"):
        if c.HasField(name):
            getattr(shared, name).CopyFrom(getattr(c, name))
    return shared
