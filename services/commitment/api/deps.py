"""Everything the commitment service's handlers use, built once by main.py.

The stores are reached through `Deps.store` (their protocols: store/stores.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from services.commitment.domain.filing import FilingRule
from services.commitment.domain.recording import Lookup, LookupKey
from services.commitment.store.stores import Stores
from services.kernel.batch import WriteBatcher
from services.kernel.calendar import CurrentCalendar
from services.kernel.features.sharing.gate import SharingGate
from services.kernel.uow import Database


class Lookups(Protocol):
    """The lookup of recording, read together with concurrent requests' (kernel.coalesce)."""

    async def get(self, key: LookupKey) -> Lookup: ...


@dataclass(frozen=True)
class Deps:
    db: Database
    store: Stores
    batcher: WriteBatcher  # group commit of RecordCommitment's plans
    lookups: Lookups
    calendar: CurrentCalendar
    filing_rules: Sequence[FilingRule]
    sharing: SharingGate
    # When the credit restrictions the eligibility answers rest on were last caught up.
    credit_view_as_of: Callable[[], dt.datetime | None]
