"""Composition root of the verification service: the only place that builds its dependencies."""

from __future__ import annotations

from services.contracts import commitment_events, credit_events, verification_events
from services.contracts.events import CATALOG
from services.kernel.features.sharing.gate import SharingSpec
from services.kernel.inbox import Subscription
from services.kernel.runtime import Components, Runtime, ServiceDefinition, main
from services.verification import consumers, jobs
from services.verification.api.deps import Deps
from services.verification.api.servicers import registrations
from services.verification.domain.rules import RuleBook
from services.verification.flows.publishing import Publisher
from services.verification.store import (
    annual_plans,
    assistance,
    check_items,
    draws,
    imports,
    joint,
    ledger,
    plans,
    pool,
    publicity,
    referrals,
    results,
    rosters,
    scenes,
    sharing,
    tasks,
)
from services.verification.store import registrations as registration_store
from services.verification.store import rules as rule_store
from services.verification.store.stores import Stores

# The stores the handlers reach through Deps.store: the store modules themselves.
STORES = Stores(
    tasks=tasks,
    assistance=assistance,
    rosters=rosters,
    imports=imports,
    plans=plans,
    draws=draws,
    pool=pool,
    joint=joint,
    sharing=sharing,
    check_items=check_items,
    annual_plans=annual_plans,
    scenes=scenes,
    referrals=referrals,
    ledger=ledger,
    registrations=registration_store,
    results=results,
    publicity=publicity,
)


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
    # Publication-safe events need the pseudonym key: the service refuses to start without it.
    publisher = Publisher(STORES, rt.public_key())
    rt.calendar.on_year_loaded(consumers.DeadlineRecompute(rt.calendar, rules, publisher))
    rt.schedule(jobs.OVERDUE)
    rt.schedule(jobs.ASSISTANCE_OVERDUE)

    async def load_rules() -> None:
        async with rt.db.unit_of_work() as uow:
            for rule_set_id in await rule_store.seed(uow.conn, uow.now):
                uow.audit("rule_set.seed", f"rule_set/{rule_set_id}", change="packaged rule set")
            rules.book = await rule_store.load(uow.conn)

    deps = Deps(
        db=rt.db,
        store=STORES,
        rules=rules,
        calendar=rt.calendar,
        sharing=rt.sharing,
        public_key=publisher.key,
    )
    return Components(servicers=registrations(deps), startup=[load_rules])


# What the verification service shares (信息共享, docs/sharing.md): verification results, and the
# conclusion event pushed (推送) to departments with a push agreement. It covers every outcome, so
# the false-commitment event (the credit service's input) is not pushed as a second delivery.
# Inspection results are pushed within 5 days (《连云港市优化营商环境攻坚年若干政策措施(第4号)》四(四)):
# the delivery carries the result's id and its push deadline, no personal data.
SHARING = SharingSpec(
    data_classes=("verification_results", "inspection_results"),
    pushed_events={
        verification_events.CONCLUDED.subject: "verification_results",
        verification_events.INSPECTION_RESULT.subject: "inspection_results",
    },
    stream=verification_events.STREAM.name,
)
SERVICE = ServiceDefinition("verification", CATALOG, build, sharing=SHARING)

if __name__ == "__main__":
    main(SERVICE)
