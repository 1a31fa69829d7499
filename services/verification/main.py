"""Composition root of the verification service."""

from __future__ import annotations

from chengnuo.verification.v1 import (
    inspections_pb2,
    inspections_pb2_grpc,
    rosters_pb2,
    rosters_pb2_grpc,
    sharing_pb2,
    sharing_pb2_grpc,
    verification_pb2,
    verification_pb2_grpc,
)
from services.contracts import commitment_events, credit_events, verification_events
from services.contracts.events import CATALOG
from services.kernel.inbox import Subscription
from services.kernel.rpc.server import Registration
from services.kernel.runtime import Components, Runtime, ServiceDefinition, main
from services.kernel.sharing import SharingSpec
from services.verification import consumers, jobs
from services.verification.api.servicers import InspectionApi, RosterApi, VerificationApi
from services.verification.api.sharing import VerificationSharingApi
from services.verification.domain.rules import RuleBook
from services.verification.store import rules as rule_store


class Rules:
    """The rule book, read from the database once the service has seeded it at start."""

    def __init__(self) -> None:
        self.book = RuleBook([])

    def __call__(self) -> RuleBook:
        return self.book


def build(rt: Runtime) -> Components:
    rules = Rules()
    commitments = consumers.CommitmentEvents(rt.calendar)
    rt.consumer(
        Subscription(
            "verification-commitment",
            commitment_events.STREAM.name,
            {
                commitment_events.RECORDED.subject: commitments.on_recorded,
                commitment_events.WITHDRAWN.subject: commitments.on_withdrawn,
            },
        )
    )
    rt.consumer(
        Subscription(
            "verification-credit",
            credit_events.STREAM.name,
            {
                credit_events.GRADE_CHANGED.subject: consumers.on_grade_changed,
                credit_events.RESTRICTION_CHANGED.subject: consumers.on_restriction_changed,
            },
        )
    )
    rt.calendar.on_year_loaded(consumers.DeadlineRecompute(rt.calendar, rules))
    rt.schedule(jobs.OVERDUE)

    async def load_rules() -> None:
        async with rt.db.unit_of_work() as uow:
            for rule_set_id in await rule_store.seed(uow.conn, uow.now):
                uow.audit("rule_set.seed", f"rule_set/{rule_set_id}", change="packaged rule set")
            rules.book = await rule_store.load(uow.conn)

    return Components(servicers=_servicers(rt, rules), startup=[load_rules])


def _servicers(rt: Runtime, rules: Rules) -> list[Registration]:
    return [
        Registration.of(
            verification_pb2_grpc.add_VerificationServiceServicer_to_server,
            VerificationApi(rt.db, rules, rt.calendar),
            verification_pb2.DESCRIPTOR,
            "VerificationService",
        ),
        Registration.of(
            rosters_pb2_grpc.add_RosterServiceServicer_to_server,
            RosterApi(rt.db, rules),
            rosters_pb2.DESCRIPTOR,
            "RosterService",
        ),
        Registration.of(
            inspections_pb2_grpc.add_InspectionServiceServicer_to_server,
            InspectionApi(rt.db, rules),
            inspections_pb2.DESCRIPTOR,
            "InspectionService",
        ),
        Registration.of(
            sharing_pb2_grpc.add_VerificationSharingServiceServicer_to_server,
            VerificationSharingApi(rt.db, rt.sharing),
            sharing_pb2.DESCRIPTOR,
            "VerificationSharingService",
        ),
    ]


# What the verification service shares (信息共享, docs/sharing.md): verification results, and the
# conclusion event pushed (推送) to departments with a push agreement. It covers every outcome, so
# the false-commitment event (the credit service's input) is not pushed as a second delivery.
SHARING = SharingSpec(
    data_classes=("verification_results",),
    pushed_events={verification_events.CONCLUDED.subject: "verification_results"},
    stream=verification_events.STREAM.name,
)
SERVICE = ServiceDefinition("verification", CATALOG, build, sharing=SHARING)

if __name__ == "__main__":
    main(SERVICE)
