"""Everything the credit service's handlers use, built once by main.py.

The stores are reached through `Deps.store` (services/credit/store/stores.py): in production the
store modules themselves, in the handler unit tests in-memory versions
(tests/support/memory_credit.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from services.credit.store.stores import Stores
from services.kernel.calendar import CurrentCalendar
from services.kernel.features.sharing.gate import SharingGate
from services.kernel.uow import Database


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class Deps:
    db: Database
    store: Stores
    calendar: CurrentCalendar
    sharing: SharingGate
    # The installation's pseudonym key (Runtime.public_key()): it keys natural persons' pages in
    # the publication-safe events (flows/publicity.py).
    publicity: bytes
    # Told after a rule set load commits: new grading rules may change grades (main.py kicks the
    # regrade job).
    on_rule_set_loaded: Callable[[], None] = _nothing
