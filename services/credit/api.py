"""gRPC servicer of the credit service."""

from __future__ import annotations

from typing import Any

from chengnuo.credit.v1 import credit_pb2 as pb
from chengnuo.credit.v1 import credit_pb2_grpc
from services.contracts import roles
from services.contracts.subjects import parse_subject
from services.credit import domain, publish, store
from services.kernel.errors import Violations
from services.kernel.rpc.handlers import query
from services.kernel.uow import Database


class CreditApi(credit_pb2_grpc.CreditServiceServicer):
    def __init__(self, db: Database) -> None:
        self.db = db

    @query(roles.CREDIT_OFFICER, roles.CREDIT_REVIEWER, roles.SERVICE)
    async def GetCreditStatus(
        self, request: pb.GetCreditStatusRequest, context: Any
    ) -> pb.GetCreditStatusResponse:
        v = Violations()
        subject = v.ok(parse_subject(v, "subject", request.subject))
        rows = await store.records_of(self.db.pool, subject.code)
        current = domain.restrictions(store.active(rows), self.db.clock.today())
        return pb.GetCreditStatusResponse(
            records=[publish.record(r) for r in rows],
            restrictions=[publish.restriction(r) for r in current],
        )
