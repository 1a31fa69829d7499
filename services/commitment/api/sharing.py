"""CommitmentSharingService: a subject's commitments for another department, within its sharing
agreement for `commitments` and in the audit trail with the purpose, allowed or denied."""

from __future__ import annotations

from typing import Any

from chengnuo.commitment.v1 import sharing_pb2 as spb
from services.commitment.api import parse
from services.commitment.api.deps import Deps
from services.commitment.wire import commitments as wire
from services.contracts import roles
from services.contracts.sharing import subject_query
from services.kernel.features.sharing.shaping import shape
from services.kernel.rpc.handlers import Handlers, query

DATA_CLASS = "commitments"
MAX_PAGE = 200


class SharingHandlers(Handlers[Deps]):
    @query(roles.DATA_CONSUMER, roles.SERVICE)
    async def ListSubjectCommitments(
        self, request: spb.ListSubjectCommitmentsRequest, context: Any
    ) -> spb.ListSubjectCommitmentsResponse:
        asked = subject_query(request.subject, request.purpose)
        size, after = parse.commitment_page(request.page_size, request.page_token, MAX_PAGE)
        store = self.deps.store
        async with asked.read(self.deps.sharing, DATA_CLASS) as (uow, grant):
            found = await store.listings.of_subject(uow.conn, asked.subject.code, after, size)
            versions = await store.items.many(uow.conn, [(c.item_id, c.item_version) for c in found])
        return spb.ListSubjectCommitmentsResponse(
            commitments=[shape(wire.shared(c, versions[(c.item_id, c.item_version)]), grant) for c in found],
            next_page_token=parse.next_commitments(found, size),
        )
