"""Composition root of the commitment service: the only place that builds its dependencies."""

from __future__ import annotations

from services.commitment import consumers
from services.commitment.api.deps import Deps
from services.commitment.api.servicers import registrations
from services.commitment.store import catalogue, commitments, listings, rules
from services.commitment.store.codes import CodeSequences
from services.commitment.store.items import ItemVersions
from services.commitment.store.stores import Stores
from services.contracts import commitment_events, credit_events, verification_events
from services.contracts.events import CATALOG
from services.kernel.batch import WriteBatcher
from services.kernel.coalesce import Coalescer
from services.kernel.db import create_pool
from services.kernel.features.sharing.gate import SharingSpec
from services.kernel.inbox import Subscription
from services.kernel.runtime import Components, Runtime, ServiceDefinition, main

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
    codes = CodeSequences(lambda: create_pool(rt.settings.pg_dsn, NAME, 1))
    deps = Deps(
        db=rt.db,
        store=Stores(
            commitments=commitments,
            listings=listings,
            items=ItemVersions(),
            catalogue=catalogue,
            codes=codes,
        ),
        batcher=WriteBatcher(rt.db),
        lookups=Coalescer(rt.db.pool, commitments.lookups),
        calendar=rt.calendar,
        filing_rules=rules.filing_rules(),
        sharing=rt.sharing,
        credit_view_as_of=lambda: credit_feed.caught_up_at,
    )
    return Components(servicers=registrations(deps), startup=[codes.start])


# What the commitment service shares (信息共享, docs/sharing.md): commitments, and their events
# pushed (推送) to departments with a push agreement. Catalogue events are public, not pushed.
SHARING = SharingSpec(
    data_classes=("commitments",),
    pushed_events={
        commitment_events.RECORDED.subject: "commitments",
        commitment_events.WITHDRAWN.subject: "commitments",
        commitment_events.FULFILMENT_CHANGED.subject: "commitments",
        commitment_events.LICENCE_REVOKED.subject: "commitments",
    },
    stream=commitment_events.STREAM.name,
)
SERVICE = ServiceDefinition(NAME, CATALOG, build, sharing=SHARING)

if __name__ == "__main__":
    main(SERVICE)
