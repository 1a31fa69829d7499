"""Composition root of the credit service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from google.protobuf.descriptor import FileDescriptor

from chengnuo.credit.v1 import (
    credit_pb2,
    lists_pb2,
    objections_pb2,
    public_pb2,
    repair_pb2,
    rule_sets_pb2,
    sharing_pb2,
)
from chengnuo.credit.v1 import credit_pb2_grpc as credit_grpc
from chengnuo.credit.v1 import lists_pb2_grpc as lists_grpc
from chengnuo.credit.v1 import objections_pb2_grpc as objections_grpc
from chengnuo.credit.v1 import public_pb2_grpc as public_grpc
from chengnuo.credit.v1 import repair_pb2_grpc as repair_grpc
from chengnuo.credit.v1 import rule_sets_pb2_grpc as rule_sets_grpc
from chengnuo.credit.v1 import sharing_pb2_grpc as sharing_grpc
from services.contracts import credit_events, verification_events
from services.contracts.events import CATALOG
from services.credit import consumers, jobs
from services.credit.api.lists import BlacklistApi
from services.credit.api.objections import ObjectionApi
from services.credit.api.public import PublicCreditApi
from services.credit.api.repair import RepairApi
from services.credit.api.rule_sets import RuleSetApi
from services.credit.api.sharing import CreditSharingApi
from services.credit.api.status import CreditApi
from services.credit.store import rule_sets
from services.kernel.inbox import Subscription
from services.kernel.rpc.server import Registration
from services.kernel.runtime import Components, Runtime, ServiceDefinition, main
from services.kernel.sharing import SharingSpec


def build(rt: Runtime) -> Components:
    rt.consumer(
        Subscription(
            "credit-verification",
            verification_events.STREAM.name,
            {
                verification_events.FALSE_COMMITMENT.subject: consumers.on_false_commitment,
                verification_events.CONCLUDED.subject: consumers.on_concluded,
                verification_events.RECTIFIED.subject: consumers.on_rectified,
            },
        )
    )
    rt.schedule(jobs.EXPIRY)
    rt.schedule(jobs.DELISTING)
    regrader = rt.schedule(jobs.REGRADE)

    async def seed() -> None:
        async with rt.db.unit_of_work() as uow:
            for rule_set_id in await rule_sets.seed(uow.conn, uow.now):
                uow.audit("rule_set.seed", f"rule_set/{rule_set_id}", change="packaged rule set")

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
        (
            sharing_grpc.add_CreditSharingServiceServicer_to_server,
            CreditSharingApi(rt.db, rt.sharing),
            sharing_pb2.DESCRIPTOR,
            "CreditSharingService",
        ),
    ]
    return [Registration.of(add, servicer, file, name) for add, servicer, file, name in served]


# What the credit service shares (信息共享, docs/sharing.md): its records, list and grades, and the
# events pushed (推送) to departments with a push agreement for their data class. The restriction
# event is not pushed: it restates, per subject, what the record and list events already say.
SHARING = SharingSpec(
    data_classes=("credit_records", "blacklist", "grades"),
    pushed_events={
        credit_events.RECORD_CREATED.subject: "credit_records",
        credit_events.OBJECTION_FILED.subject: "credit_records",
        credit_events.OBJECTION_DECIDED.subject: "credit_records",
        credit_events.REPAIRED.subject: "credit_records",
        credit_events.RECORD_EXPIRED.subject: "credit_records",
        credit_events.RECORD_RECLASSIFIED.subject: "credit_records",
        credit_events.LISTED.subject: "blacklist",
        credit_events.DELISTED.subject: "blacklist",
        credit_events.GRADE_CHANGED.subject: "grades",
    },
    stream=credit_events.STREAM.name,
)
SERVICE = ServiceDefinition("credit", CATALOG, build, sharing=SHARING)

if __name__ == "__main__":
    main(SERVICE)
