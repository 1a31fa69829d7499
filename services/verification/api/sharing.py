"""VerificationSharingService: a subject's verification results for another department, within
its sharing agreement for `verification_results` and in the audit trail with the purpose,
allowed or denied."""

from __future__ import annotations

import uuid
from typing import Any

from chengnuo.verification.v1 import sharing_pb2 as spb
from services.contracts import roles
from services.contracts.sharing import subject_query
from services.kernel import paging
from services.kernel.features.sharing.shaping import shape
from services.kernel.rpc.handlers import Handlers, query
from services.verification.api.deps import Deps
from services.verification.wire import sharing as wire

DATA_CLASS = "verification_results"
INSPECTIONS = "inspection_results"
DEFAULT_PAGE, MAX_PAGE = 50, 200


class SharingHandlers(Handlers[Deps]):
    @query(roles.DATA_CONSUMER, roles.SERVICE)
    async def ListVerificationResults(
        self, request: spb.ListVerificationResultsRequest, context: Any
    ) -> spb.ListVerificationResultsResponse:
        asked = subject_query(request.subject, request.purpose)
        size = paging.page_size(request.page_size, DEFAULT_PAGE, MAX_PAGE)
        after = paging.after(request.page_token, paging.instant, uuid.UUID)
        async with asked.read(self.deps.sharing, DATA_CLASS) as (uow, grant):
            found = await self.deps.store.sharing.results_of(uow.conn, asked.subject.code, after, size)
        return spb.ListVerificationResultsResponse(
            results=[shape(wire.result(r), grant) for r in found],
            next_page_token=paging.next_token(found, size, "concluded_at", "task_id"),
        )

    @query(roles.DATA_CONSUMER, roles.SERVICE)
    async def ListSharedInspectionResults(
        self, request: spb.ListSharedInspectionResultsRequest, context: Any
    ) -> spb.ListSharedInspectionResultsResponse:
        asked = subject_query(request.subject, request.purpose)
        size = paging.page_size(request.page_size, DEFAULT_PAGE, MAX_PAGE)
        after = paging.after(request.page_token, paging.instant, uuid.UUID)
        async with asked.read(self.deps.sharing, INSPECTIONS) as (uow, grant):
            found = await self.deps.store.results.of_subject(uow.conn, asked.subject.code, after, size)
        return spb.ListSharedInspectionResultsResponse(
            results=[shape(wire.inspection_result(r), grant) for r in found],
            next_page_token=paging.next_token(found, size, "recorded_at", "result_id"),
        )
