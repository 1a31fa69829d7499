"""Credit reports and bulk matches for other departments (CreditSharingService), each within the
caller's sharing agreements and in the audit trail with its purpose, allowed or denied."""

from __future__ import annotations

from typing import Any

from chengnuo.credit.v1 import sharing_pb2 as spb
from services.contracts import roles
from services.contracts.sharing import subject_query
from services.credit.api.deps import Deps
from services.credit.api.parse import bulk_subjects
from services.credit.api.standing import standing_of
from services.credit.domain import measures, sharing
from services.credit.domain.sharing import Scope
from services.credit.wire.sharing import bulk_match, report
from services.kernel.auth import current_caller
from services.kernel.clock import china_date
from services.kernel.db import Executor
from services.kernel.errors import Violations
from services.kernel.features.sharing.gate import Decision, purpose_field
from services.kernel.rpc.handlers import Handlers, query

SHARED_READERS = (roles.DATA_CONSUMER, roles.SERVICE)


class SharingHandlers(Handlers[Deps]):
    @query(*SHARED_READERS)
    async def GetCreditReport(
        self, request: spb.GetCreditReportRequest, context: Any
    ) -> spb.GetCreditReportResponse:
        asked = subject_query(request.subject, request.purpose)
        async with asked.read_parts(self.deps.sharing, sharing.PARTS) as (uow, decision):
            today = china_date(uow.now)
            view = await standing_of(self.deps.store, uow.conn, asked.subject, today)
        return report(asked.subject, view, decision, today, uow.now)

    @query(*SHARED_READERS)
    async def BulkMatch(self, request: spb.BulkMatchRequest, context: Any) -> spb.BulkMatchResponse:
        v = Violations()
        purpose = purpose_field(v, request.purpose)
        v.raise_if_any()
        asked, regions = bulk_subjects(request.subjects)
        fingerprint = sharing.fingerprint(asked)
        parts = self.deps.sharing.query_parts(
            current_caller(),
            (sharing.RECORDS, sharing.BLACKLIST),
            purpose,
            region=None,  # many subjects: the agreements' regions limit what is compared
            detail=fingerprint,
        )
        async with parts as (uow, decision):
            pairs = await self._relevant(uow.conn, purpose)
            scope = _scope(decision, pairs)
            hits = (
                await self.deps.store.matching.match(uow.conn, asked, scope, china_date(uow.now))
                if pairs
                else []
            )
            target = f"share/bulk_match/{fingerprint['sha256'][:16]}"  # which list revealed it
            for hit in hits:  # whose restrictions were revealed, findable by subject afterwards
                uow.audit("share.bulk_match", target, subject_code=asked.codes[hit.idx], purpose=purpose)
        return bulk_match(hits, regions, decision, pairs)

    async def _relevant(self, conn: Executor, purpose: str) -> list[tuple[str, str]]:
        """(catalogue, measure) pairs of every measure catalogue whose measure concerns the purpose:
        a record is judged by the catalogue it was decided under."""
        loaded = await self.deps.store.rule_sets.all_rule_sets(conn)
        return [
            (r.id, code) for r in loaded if r.kind == "measures" for code in measures.relevant(r, purpose)
        ]


def _scope(decision: Decision, pairs: list[tuple[str, str]]) -> Scope:
    records, listed = decision.grants.get(sharing.RECORDS), decision.grants.get(sharing.BLACKLIST)
    return Scope(
        sharing.grant_prefix(records.region_code) if records else None,
        sharing.grant_prefix(listed.region_code) if listed else None,
        pairs,
    )
