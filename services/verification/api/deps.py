"""Everything the verification service's handlers use, built once by main.py.

The stores are reached through `Deps.store` (their protocols: store/stores.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from services.kernel.calendar import CurrentCalendar
from services.kernel.features.sharing.gate import SharingGate
from services.kernel.uow import Database
from services.verification.domain.rules import RuleBook
from services.verification.flows.publishing import Publisher
from services.verification.store.stores import Stores


@dataclass(frozen=True)
class Deps:
    db: Database
    store: Stores
    rules: Callable[[], RuleBook]  # the rule book as loaded at start
    calendar: CurrentCalendar
    sharing: SharingGate
    # The installation's pseudonym key (Runtime.public_key): natural persons' public pages.
    public_key: bytes

    @property
    def publisher(self) -> Publisher:
        return Publisher(self.store, self.public_key)
