"""Reading commitments: staff of the owning department, and the public view (公示)."""

from __future__ import annotations

from typing import Any

from chengnuo.commitment.v1 import commitment_pb2 as pb
from services.commitment.api import parse
from services.commitment.api.deps import Deps
from services.commitment.wire import commitments as wire
from services.contracts import roles
from services.kernel import lookup
from services.kernel.auth import current_caller
from services.kernel.ids import request_uuid
from services.kernel.rpc.handlers import Handlers, query

STAFF = (roles.CATALOGUE_ADMIN, roles.VERIFIER, roles.VERIFICATION_LEAD, roles.CREDIT_OFFICER)
MAX_STAFF_PAGE, MAX_PUBLIC_PAGE = 500, 200


class CommitmentHandlers(Handlers[Deps]):
    @query(*STAFF)
    async def GetCommitment(self, request: pb.GetCommitmentRequest, context: Any) -> pb.GetCommitmentResponse:
        commitment_id = request_uuid("commitment_id", request.commitment_id)
        stored = await self.deps.store.commitments.get(self.db.pool, commitment_id)
        found = lookup.owned(stored, "commitment", request.commitment_id, "commitment_id")
        return pb.GetCommitmentResponse(commitment=wire.commitment(found))

    @query(*STAFF)
    async def ListCommitments(
        self, request: pb.ListCommitmentsRequest, context: Any
    ) -> pb.ListCommitmentsResponse:
        size, after = parse.commitment_page(request.page_size, request.page_token, MAX_STAFF_PAGE)
        listed = parse.staff_filter(request, current_caller().department)
        found = await self.deps.store.listings.for_staff(self.db.pool, listed, after, size)
        return pb.ListCommitmentsResponse(
            commitments=[wire.commitment(c) for c in found],
            next_page_token=parse.next_commitments(found, size),
        )

    @query(roles.PORTAL, roles.DATA_CONSUMER)
    async def ListPublishedCommitments(
        self, request: pb.ListPublishedCommitmentsRequest, context: Any
    ) -> pb.ListPublishedCommitmentsResponse:
        size, after = parse.commitment_page(request.page_size, request.page_token, MAX_PUBLIC_PAGE)
        store = self.deps.store
        found = await store.listings.for_public(self.db.pool, parse.public_filter(request), after, size)
        versions = await store.items.many(self.db.pool, [(c.item_id, c.item_version) for c in found])
        return pb.ListPublishedCommitmentsResponse(
            commitments=[wire.published(c, versions[(c.item_id, c.item_version)]) for c in found],
            next_page_token=parse.next_commitments(found, size),
        )
