"""Composition root of the credit service: the only place that builds its dependencies."""

from __future__ import annotations

from services.contracts import credit_events, verification_events
from services.contracts.events import CATALOG
from services.credit import jobs
from services.credit.api.deps import Deps
from services.credit.api.servicers import registrations
from services.credit.consumers import Consumers
from services.credit.store import rule_sets
from services.credit.store.stores import PRODUCTION
from services.kernel.features.sharing.gate import SharingSpec
from services.kernel.inbox import Subscription
from services.kernel.runtime import Components, Runtime, ServiceDefinition, main


def build(rt: Runtime) -> Components:
    publicity = rt.public_key()  # required: the credit service publishes (公示) through its outbox
    rt.schedule(jobs.expiry(publicity))
    rt.schedule(jobs.delisting(publicity))
    rt.schedule(jobs.OVERDUE_CASES)
    regrader = rt.schedule(jobs.REGRADE)
    deps = Deps(
        db=rt.db,
        store=PRODUCTION,
        calendar=rt.calendar,
        sharing=rt.sharing,
        publicity=publicity,
        on_rule_set_loaded=regrader.kick,  # new grading rules may change grades
    )
    consumers = Consumers(deps.store, publicity)
    rt.consumer(
        Subscription(
            "credit-verification",
            verification_events.STREAM.name,
            {
                verification_events.FALSE_COMMITMENT.subject: consumers.on_false_commitment,
                verification_events.CONCLUDED.subject: consumers.on_concluded,
                verification_events.RECTIFIED.subject: consumers.on_rectified,
                verification_events.INSPECTION_RESULT.subject: consumers.on_inspection_result,
            },
        )
    )

    async def seed() -> None:
        async with rt.db.unit_of_work() as uow:
            for rule_set_id in await rule_sets.seed(uow.conn, uow.now):
                uow.audit("rule_set.seed", f"rule_set/{rule_set_id}", change="packaged rule set")

    return Components(servicers=registrations(deps), startup=[seed])


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
        # The persons named on records and listings, masked (services/credit/api/persons.py).
        credit_events.PERSON_NAMED.subject: "credit_records",
        credit_events.PERSON_WITHDRAWN.subject: "credit_records",
    },
    stream=credit_events.STREAM.name,
)
SERVICE = ServiceDefinition("credit", CATALOG, build, sharing=SHARING)

if __name__ == "__main__":
    main(SERVICE)
