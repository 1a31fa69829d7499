"""VerificationSharingService: a subject's verification results for another department, within
its sharing agreement for `verification_results` and in the audit trail with the purpose,
allowed or denied."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
from google.protobuf.json_format import ParseDict

from chengnuo.verification.v1 import sharing_pb2 as spb
from chengnuo.verification.v1 import sharing_pb2_grpc
from chengnuo.verification.v1 import verification_pb2 as vpb
from services.contracts import roles
from services.contracts.sharing import subject_query
from services.kernel import convert, paging
from services.kernel.rpc.handlers import query
from services.kernel.sharing import SharingGate, shape
from services.kernel.uow import Database
from services.verification.api.task_views import identity
from services.verification.store import sharing as store

DATA_CLASS = "verification_results"
DEFAULT_PAGE, MAX_PAGE = 50, 200


class VerificationSharingApi(sharing_pb2_grpc.VerificationSharingServiceServicer):
    def __init__(self, db: Database, gate: SharingGate) -> None:
        self.db, self.gate = db, gate

    @query(roles.DATA_CONSUMER, roles.SERVICE)
    async def ListVerificationResults(
        self, request: spb.ListVerificationResultsRequest, context: Any
    ) -> spb.ListVerificationResultsResponse:
        asked = subject_query(request.subject, request.purpose)
        size = paging.page_size(request.page_size, DEFAULT_PAGE, MAX_PAGE)
        after = paging.after(request.page_token, paging.instant, uuid.UUID)
        async with asked.read(self.gate, DATA_CLASS) as (uow, grant):
            rows = await store.results_of(uow.conn, asked.subject.code, after, size)
        return spb.ListVerificationResultsResponse(
            results=[shape(_result(r), grant) for r in rows],
            next_page_token=paging.next_token(rows, size, "concluded_at", "task_id"),
        )


def _result(row: asyncpg.Record) -> spb.VerificationResult:
    result = spb.VerificationResult(
        **identity(row),
        department=row["department"],
        method=row["method"],
        outcome=vpb.Outcome.Value(row["outcome"]),
        findings=row["findings"],
        measures=[ParseDict(m, vpb.Measure(), ignore_unknown_fields=True) for m in row["measures"]],
        decision_date=convert.opt_date(row["decision_date"]),
    )
    result.concluded_at.FromDatetime(row["concluded_at"])
    return result
