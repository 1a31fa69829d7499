"""Composition root of the verification service."""

from __future__ import annotations

from chengnuo.verification.v1 import verification_pb2, verification_pb2_grpc
from services.contracts import commitment_events
from services.contracts.events import CATALOG
from services.kernel.inbox import Subscription
from services.kernel.rpc.server import Registration
from services.kernel.runtime import Components, Runtime, ServiceDefinition, main
from services.verification.api import VerificationApi
from services.verification.consumers import CommitmentEvents


def build(rt: Runtime) -> Components:
    commitments = CommitmentEvents(rt.calendar)
    rt.consumer(
        Subscription(
            "verification-commitment",
            commitment_events.STREAM.name,
            {commitment_events.RECORDED.subject: commitments.on_recorded},
        )
    )
    return Components(
        servicers=[
            Registration.of(
                verification_pb2_grpc.add_VerificationServiceServicer_to_server,
                VerificationApi(rt.db),
                verification_pb2.DESCRIPTOR,
                "VerificationService",
            )
        ]
    )


SERVICE = ServiceDefinition("verification", CATALOG, build)

if __name__ == "__main__":
    main(SERVICE)
