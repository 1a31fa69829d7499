"""Composition root of the credit service."""

from __future__ import annotations

from chengnuo.credit.v1 import credit_pb2, credit_pb2_grpc
from services.contracts import verification_events
from services.contracts.events import CATALOG
from services.credit import consumers, store
from services.credit.api import CreditApi
from services.kernel.inbox import Subscription
from services.kernel.rpc.server import Registration
from services.kernel.runtime import Components, Runtime, ServiceDefinition, main


def build(rt: Runtime) -> Components:
    rt.consumer(
        Subscription(
            "credit-verification",
            verification_events.STREAM.name,
            {verification_events.FALSE_COMMITMENT.subject: consumers.on_false_commitment},
        )
    )

    async def seed() -> None:
        async with rt.db.unit_of_work() as uow:
            await store.seed_rule_sets(uow.conn, uow.now)

    return Components(
        servicers=[
            Registration.of(
                credit_pb2_grpc.add_CreditServiceServicer_to_server,
                CreditApi(rt.db),
                credit_pb2.DESCRIPTOR,
                "CreditService",
            )
        ],
        startup=[seed],
    )


SERVICE = ServiceDefinition("credit", CATALOG, build)

if __name__ == "__main__":
    main(SERVICE)
