"""What the public may see (公示), masked, only within its publicity period (PublicCreditService)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from chengnuo.credit.v1 import public_pb2 as pb
from services.contracts import roles
from services.credit.api.deps import Deps
from services.credit.api.parse import region_field
from services.credit.wire.public import public_entry, public_record
from services.kernel import paging
from services.kernel.errors import Violations
from services.kernel.identifiers import region_prefix
from services.kernel.rpc.handlers import Handlers, query


class PublicHandlers(Handlers[Deps]):
    @query(roles.ANY_ROLE)
    async def ListPublicRecords(
        self, request: pb.ListPublicRecordsRequest, context: Any
    ) -> pb.ListPublicRecordsResponse:
        size, region, start = _page(request)
        found = await self.deps.store.records.public_page(
            self.db.pool, self.db.clock.today(), region, start, size
        )
        next_token = paging.next_token(found, size, "publicity_start", "record_id")
        return pb.ListPublicRecordsResponse(
            records=[public_record(r) for r in found], next_page_token=next_token
        )

    @query(roles.ANY_ROLE)
    async def ListBlacklist(self, request: pb.ListBlacklistRequest, context: Any) -> pb.ListBlacklistResponse:
        size, region, start = _page(request)
        found = await self.deps.store.lists.public_page(self.db.pool, region, start, size)
        next_token = paging.next_token(found, size, "listed_on", "entry_id")
        return pb.ListBlacklistResponse(entries=[public_entry(e) for e in found], next_page_token=next_token)


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
