"""Who may use the commitment route: the credit restrictions of the subject and the item itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from services.kernel.errors import PreconditionViolation


@dataclass(frozen=True, slots=True)
class Restriction:
    """One reason that bars the commitment route: a credit restriction or the item itself."""

    cause: str  # BLACKLISTED, UNREPAIRED_RECORD, EARLIER_FALSE_COMMITMENT, ITEM_NOT_IN_FORCE, ...
    record_id: str
    description: str
    repairable_from: dt.date | None = None
    ends_on: dt.date | None = None

    def active_on(self, today: dt.date) -> bool:
        return self.ends_on is None or today < self.ends_on

    @property
    def lifts_at_earliest(self) -> dt.date | None:
        dates = [d for d in (self.repairable_from, self.ends_on) if d]
        return min(dates) if dates else None


@dataclass(frozen=True, slots=True)
class Eligibility:
    reasons: tuple[Restriction, ...]
    earliest_change: dt.date | None

    @property
    def eligible(self) -> bool:
        return not self.reasons

    def refusal(self) -> list[PreconditionViolation]:
        return [
            PreconditionViolation(r.cause, r.record_id, r.description, r.lifts_at_earliest)
            for r in self.reasons
        ]


def item_reasons(item_id: str, in_force: bool, commitment_allowed: bool) -> list[Restriction]:
    if not in_force:
        return [Restriction("ITEM_NOT_IN_FORCE", item_id, "the item is not listed in the catalogue in force")]
    if not commitment_allowed:
        return [
            Restriction(
                "COMMITMENT_NOT_ALLOWED",
                item_id,
                "the item is not in the commitment catalogue (告知承诺目录)",
            )
        ]
    return []


def eligibility(restrictions: Sequence[Restriction], today: dt.date) -> Eligibility:
    """Not eligible while any reason holds (《祁阳市提升行政执法质量建设法治营商环境工作方案》三(三)10).
    A credit restriction whose maximum period has ended no longer counts, even before the credit
    service's lifting event arrives."""
    active = tuple(r for r in restrictions if r.active_on(today))
    lifts = [r.lifts_at_earliest for r in active]
    # The answer can change only once every reason may be gone.
    earliest = max(d for d in lifts if d) if active and all(lifts) else None
    return Eligibility(active, earliest)
