"""VerificationSharingService: a subject's verification results for another department, within
its sharing agreement for `verification_results` and in the audit trail with the purpose,
allowed or denied."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg
from google.protobuf.json_format import ParseDict

from chengnuo.verification.v1 import sharing_pb2 as spb
from chengnuo.verification.v1 import sharing_pb2_grpc
from chengnuo.verification.v1 import verification_pb2 as vpb
from services.contracts import roles
from services.contracts.subjects import parse_subject
from services.kernel import convert
from services.kernel.auth import current_caller
from services.kernel.errors import Violations
from services.kernel.rpc.handlers import query
from services.kernel.sharing import SharingGate, purpose_field, registered_region, shape
from services.kernel.uow import Database
from services.verification.api.common import page_size, token, untoken
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
        v = Violations()
        subject = parse_subject(v, "subject", request.subject)
        purpose = purpose_field(v, request.purpose)
        subject = v.ok(subject)
        size = page_size(request.page_size, DEFAULT_PAGE, MAX_PAGE)
        after = untoken(request.page_token, [dt.datetime.fromisoformat, uuid.UUID])
        region = registered_region(subject.natural_person, subject.code)
        shared = self.gate.query(
            current_caller(), DATA_CLASS, purpose, region=region, subject_code=subject.code
        )
        async with shared as (uow, grant):
            rows = await store.results_of(
                uow.conn, subject.code, (after[0], after[1]) if after else None, size
            )
        last = rows[-1] if len(rows) == size else None
        return spb.ListVerificationResultsResponse(
            results=[shape(_result(r), grant) for r in rows],
            next_page_token=token(last["concluded_at"].isoformat(), last["task_id"]) if last else "",
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
