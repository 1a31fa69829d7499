"""CreditSharingService: credit reports and bulk matches for other departments, each within the
caller's sharing agreements and in the audit trail with its purpose, allowed or denied."""

from __future__ import annotations

from typing import Any

from chengnuo.credit.v1 import sharing_pb2 as spb
from chengnuo.credit.v1 import sharing_pb2_grpc
from services.contracts import roles
from services.contracts.sharing import subject_query
from services.credit import report, views
from services.credit.api import bulk
from services.credit.store import matching
from services.kernel.auth import current_caller
from services.kernel.clock import china_date
from services.kernel.errors import Violations
from services.kernel.rpc.handlers import query
from services.kernel.sharing import SharingGate, purpose_field
from services.kernel.uow import Database

SHARED_READERS = (roles.DATA_CONSUMER, roles.SERVICE)


class CreditSharingApi(sharing_pb2_grpc.CreditSharingServiceServicer):
    def __init__(self, db: Database, gate: SharingGate) -> None:
        self.db, self.gate = db, gate

    @query(*SHARED_READERS)
    async def GetCreditReport(
        self, request: spb.GetCreditReportRequest, context: Any
    ) -> spb.GetCreditReportResponse:
        asked = subject_query(request.subject, request.purpose)
        async with asked.read_parts(self.gate, report.PARTS) as (uow, decision):
            today = china_date(uow.now)
            view = await views.standing_of(uow.conn, asked.subject, today)
        return report.report(asked.subject, view, decision, today, uow.now)

    @query(*SHARED_READERS)
    async def BulkMatch(self, request: spb.BulkMatchRequest, context: Any) -> spb.BulkMatchResponse:
        v = Violations()
        purpose = purpose_field(v, request.purpose)
        v.raise_if_any()
        asked, regions = bulk.parse(request.subjects)
        fingerprint = bulk.fingerprint(asked)
        parts = self.gate.query_parts(
            current_caller(),
            (report.RECORDS, report.BLACKLIST),
            purpose,
            region=None,  # many subjects: the agreements' regions limit what is compared
            detail=fingerprint,
        )
        async with parts as (uow, decision):
            pairs = await bulk.relevant(uow.conn, purpose)
            scope = bulk.scope(decision, pairs)
            rows = await matching.match(uow.conn, asked, scope, china_date(uow.now)) if pairs else []
            target = f"share/bulk_match/{fingerprint['sha256'][:16]}"  # which list revealed it
            for row in rows:  # whose restrictions were revealed, findable by subject afterwards
                uow.audit("share.bulk_match", target, subject_code=asked.codes[row["idx"]], purpose=purpose)
        return bulk.response(rows, regions, decision, pairs)
