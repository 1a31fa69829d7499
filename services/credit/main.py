"""Composition root of the credit service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from google.protobuf.descriptor import FileDescriptor

from chengnuo.credit.v1 import credit_pb2, lists_pb2, objections_pb2, public_pb2, repair_pb2, rule_sets_pb2
from chengnuo.credit.v1 import credit_pb2_grpc as credit_grpc
from chengnuo.credit.v1 import lists_pb2_grpc as lists_grpc
from chengnuo.credit.v1 import objections_pb2_grpc as objections_grpc
from chengnuo.credit.v1 import public_pb2_grpc as public_grpc
from chengnuo.credit.v1 import repair_pb2_grpc as repair_grpc
from chengnuo.credit.v1 import rule_sets_pb2_grpc as rule_sets_grpc
from services.contracts import verification_events
from services.contracts.events import CATALOG
from services.credit import consumers, jobs
from services.credit.api.lists import BlacklistApi
from services.credit.api.objections import ObjectionApi
from services.credit.api.public import PublicCreditApi
from services.credit.api.repair import RepairApi
from services.credit.api.rule_sets import RuleSetApi
from services.credit.api.status import CreditApi
from services.credit.store import rule_sets
from services.kernel.inbox import Subscription
from services.kernel.rpc.server import Registration
from services.kernel.runtime import Components, Runtime, ServiceDefinition, main


def build(rt: Runtime) -> Components:
    rt.consumer(
        Subscription(
            "credit-verification",
            verification_events.STREAM.name,
            {
                verification_events.FALSE_COMMITMENT.subject: consumers.on_false_commitment,
                verification_events.CONCLUDED.subject: consumers.on_concluded,
            },
        )
    )
    rt.schedule(jobs.EXPIRY)
    rt.schedule(jobs.DELISTING)
    regrader = rt.schedule(jobs.REGRADE)

    async def seed() -> None:
        async with rt.db.unit_of_work() as uow:
            await rule_sets.seed(uow.conn, uow.now)

    return Components(servicers=_servicers(rt, regrader.kick), startup=[seed])


def _servicers(rt: Runtime, regrade: Callable[[], None]) -> list[Registration]:
    calendar = rt.calendar
    served: list[tuple[Any, object, FileDescriptor, str]] = [
        (
            credit_grpc.add_CreditServiceServicer_to_server,
            CreditApi(rt.db),
            credit_pb2.DESCRIPTOR,
            "CreditService",
        ),
        (
            rule_sets_grpc.add_RuleSetServiceServicer_to_server,
            RuleSetApi(rt.db, on_loaded=regrade),  # new grading rules may change grades
            rule_sets_pb2.DESCRIPTOR,
            "RuleSetService",
        ),
        (
            lists_grpc.add_BlacklistServiceServicer_to_server,
            BlacklistApi(rt.db, calendar),
            lists_pb2.DESCRIPTOR,
            "BlacklistService",
        ),
        (
            repair_grpc.add_RepairServiceServicer_to_server,
            RepairApi(rt.db, calendar),
            repair_pb2.DESCRIPTOR,
            "RepairService",
        ),
        (
            objections_grpc.add_ObjectionServiceServicer_to_server,
            ObjectionApi(rt.db, calendar),
            objections_pb2.DESCRIPTOR,
            "ObjectionService",
        ),
        (
            public_grpc.add_PublicCreditServiceServicer_to_server,
            PublicCreditApi(rt.db),
            public_pb2.DESCRIPTOR,
            "PublicCreditService",
        ),
    ]
    return [Registration.of(add, servicer, file, name) for add, servicer, file, name in served]


SERVICE = ServiceDefinition("credit", CATALOG, build)

if __name__ == "__main__":
    main(SERVICE)
