"""Composition root of the commitment service."""

from __future__ import annotations

from chengnuo.commitment.v1 import (
    catalogue_pb2,
    catalogue_pb2_grpc,
    commitment_pb2,
    commitment_pb2_grpc,
)
from services.commitment import consumers
from services.commitment.api import CatalogueApi, CommitmentApi
from services.commitment.store import CodeSequences
from services.contracts import credit_events
from services.contracts.events import CATALOG
from services.kernel.inbox import Subscription
from services.kernel.rpc.server import Registration
from services.kernel.runtime import Components, Runtime, ServiceDefinition, main


def build(rt: Runtime) -> Components:
    credit_feed = rt.consumer(
        Subscription(
            "commitment-credit",
            credit_events.STREAM.name,
            {credit_events.RESTRICTION_CHANGED.subject: consumers.on_restriction_changed},
        )
    )
    commitments = CommitmentApi(rt.db, CodeSequences(rt.db.pool), lambda: credit_feed.caught_up_at)
    return Components(
        servicers=[
            Registration.of(
                catalogue_pb2_grpc.add_CatalogueServiceServicer_to_server,
                CatalogueApi(rt.db),
                catalogue_pb2.DESCRIPTOR,
                "CatalogueService",
            ),
            Registration.of(
                commitment_pb2_grpc.add_CommitmentServiceServicer_to_server,
                commitments,
                commitment_pb2.DESCRIPTOR,
                "CommitmentService",
            ),
        ]
    )


SERVICE = ServiceDefinition("commitment", CATALOG, build)

if __name__ == "__main__":
    main(SERVICE)
