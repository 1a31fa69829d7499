"""Composition root of the commitment service."""

from __future__ import annotations

from chengnuo.commitment.v1 import (
    catalogue_pb2,
    catalogue_pb2_grpc,
    commitment_pb2,
    commitment_pb2_grpc,
    sharing_pb2,
    sharing_pb2_grpc,
)
from services.commitment import consumers, filing
from services.commitment.catalogue_api import CatalogueApi
from services.commitment.code_sequences import CodeSequences
from services.commitment.commitment_api import CommitmentApi
from services.commitment.item_versions import ItemVersions
from services.commitment.sharing_api import CommitmentSharingApi
from services.contracts import commitment_events, credit_events, verification_events
from services.contracts.events import CATALOG
from services.kernel.db import create_pool
from services.kernel.inbox import Subscription
from services.kernel.rpc.server import Registration
from services.kernel.runtime import Components, Runtime, ServiceDefinition, main
from services.kernel.sharing import SharingSpec

NAME = "commitment"


def build(rt: Runtime) -> Components:
    credit_feed = rt.consumer(
        Subscription(
            "commitment-credit",
            credit_events.STREAM.name,
            {credit_events.RESTRICTION_CHANGED.subject: consumers.on_restriction_changed},
        )
    )
    rt.consumer(
        Subscription(
            "commitment-verification",
            verification_events.STREAM.name,
            {verification_events.CONCLUDED.subject: consumers.on_verification_concluded},
        )
    )
    items = ItemVersions()
    catalogue = CatalogueApi(rt.db, items, rt.calendar, filing.packaged_rules())
    codes = CodeSequences(lambda: create_pool(rt.settings.pg_dsn, NAME, 1))
    commitments = CommitmentApi(rt.db, items, codes, lambda: credit_feed.caught_up_at)
    return Components(
        servicers=[
            Registration.of(
                catalogue_pb2_grpc.add_CatalogueServiceServicer_to_server,
                catalogue,
                catalogue_pb2.DESCRIPTOR,
                "CatalogueService",
            ),
            Registration.of(
                commitment_pb2_grpc.add_CommitmentServiceServicer_to_server,
                commitments,
                commitment_pb2.DESCRIPTOR,
                "CommitmentService",
            ),
            Registration.of(
                sharing_pb2_grpc.add_CommitmentSharingServiceServicer_to_server,
                CommitmentSharingApi(rt.db, rt.sharing, items),
                sharing_pb2.DESCRIPTOR,
                "CommitmentSharingService",
            ),
        ],
        startup=[codes.start],
    )


# What the commitment service shares (信息共享, docs/sharing.md): commitments, and their events
# pushed (推送) to departments with a push agreement. Catalogue events are public, not pushed.
SHARING = SharingSpec(
    data_classes=("commitments",),
    pushed_events={
        commitment_events.RECORDED.subject: "commitments",
        commitment_events.WITHDRAWN.subject: "commitments",
        commitment_events.FULFILMENT_CHANGED.subject: "commitments",
    },
    stream=commitment_events.STREAM.name,
)
SERVICE = ServiceDefinition(NAME, CATALOG, build, sharing=SHARING)

if __name__ == "__main__":
    main(SERVICE)
