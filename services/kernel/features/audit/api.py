"""AuditService: auditors verify the chain and search it ("who saw this enterprise's record
last month, and why"). Searching is itself recorded, like any other look at personal data.
Verifying also checks the chain against its signed checkpoints (services/kernel/audit_witness.py)."""

from __future__ import annotations

import dataclasses
from typing import Any

import structlog

from chengnuo.common.v1 import audit_pb2, audit_pb2_grpc
from services.kernel import audit_chain, audit_witness, convert, paging
from services.kernel.auth import AUDITOR, current_caller
from services.kernel.bus import Bus
from services.kernel.errors import InvalidArgument, Unavailable
from services.kernel.features.audit import store
from services.kernel.features.audit.store import Logged, Search
from services.kernel.features.sharing.gate import rpc_request_id
from services.kernel.rpc.handlers import query
from services.kernel.uow import Actor, Database

log = structlog.get_logger()

MAX_FILTER = 200


class AuditApi(audit_pb2_grpc.AuditServiceServicer):
    def __init__(self, db: Database, service: str, bus: Bus) -> None:
        self.db, self.service, self.bus = db, service, bus
        self.witness = audit_witness.signing_key(db.audit_key, service).public_key()

    @query(AUDITOR)
    async def VerifyChain(
        self, request: audit_pb2.VerifyChainRequest, context: Any
    ) -> audit_pb2.VerifyChainResponse:
        # Checkpoints first: each covers only links committed before it, so all are in the snapshot.
        checkpoints, forged = await self._checkpoints()
        async with self.db.pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
            report = await audit_chain.verify(conn, self.db.audit_key, checkpoints)
        if forged and report.intact:  # someone wrote on the witness stream without the key
            report = dataclasses.replace(report, intact=False, problem=audit_witness.FORGED)
        return audit_pb2.VerifyChainResponse(
            intact=report.intact,
            rows_checked=report.rows_checked,
            first_broken_seq=report.first_broken_seq,
            problem=report.problem,
            head_seq=report.head_seq,
            checkpoints_checked=report.checkpoints_checked,
            checkpoint_seq=report.checkpoint_seq,
            witness_key=audit_witness.raw_public(self.witness).hex(),
            checkpoint_at=convert.opt_timestamp(report.checkpoint_at),
        )

    async def _checkpoints(self) -> tuple[list[audit_chain.Checkpoint], int]:
        """This chain's checkpoints whose signatures hold, and how many do not."""
        try:
            published = await audit_witness.read_all(self.bus, self.service)
        except Exception as exc:  # NATS away: no verdict rather than one without the witness
            log.warning("audit checkpoints unreadable", error=repr(exc))
            raise Unavailable("audit checkpoint stream") from exc
        opened = [audit_witness.opened(data, self.service, self.witness) for data in published]
        valid = [c for c in opened if c is not None]
        return valid, len(opened) - len(valid)

    @query(AUDITOR)
    async def ListAuditRows(
        self, request: audit_pb2.ListAuditRowsRequest, context: Any
    ) -> audit_pb2.ListAuditRowsResponse:
        size = paging.page_size(request.page_size)
        before = paging.after(request.page_token, paging.natural)
        before_seq = before[0] if before else None
        async with self.db.unit_of_work(Actor.of(current_caller()), rpc_request_id()) as uow:
            found = await store.search(uow.conn, _search(request), before_seq, size)
            uow.audit(
                "audit.search", "audit_log", subject_code=request.subject_code, change=_described(request)
            )
        token = paging.next_token(found, size, "seq")
        return audit_pb2.ListAuditRowsResponse(rows=[self._row(r) for r in found], next_page_token=token)

    def _row(self, logged: Logged) -> audit_pb2.AuditRow:
        fields = dataclasses.asdict(logged.entry)
        fields["at"] = convert.to_timestamp(logged.entry.at)
        fields["change_digest"] = fields["change_digest"].hex()
        return audit_pb2.AuditRow(seq=logged.seq, service=self.service, **fields)


def _search(request: audit_pb2.ListAuditRowsRequest) -> Search:
    for name in ("subject_code", "actor", "action"):
        if len(getattr(request, name)) > MAX_FILTER:
            raise InvalidArgument.one(name, f"at most {MAX_FILTER} characters")
    since = convert.from_timestamp(request.since) if request.HasField("since") else None
    until = convert.from_timestamp(request.until) if request.HasField("until") else None
    return Search(request.subject_code, request.actor, request.action, since, until)


def _described(request: audit_pb2.ListAuditRowsRequest) -> dict[str, str]:
    return {"actor": request.actor, "action": request.action, "subject": request.subject_code}
