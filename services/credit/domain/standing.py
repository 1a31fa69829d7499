"""A subject's standing: what its records and list entries in force bar it from today."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

# records: a false commitment (《祁阳市提升行政执法质量建设法治营商环境工作方案》三(三)10)
CAUSE_OF = {"BLACKLISTED": "BLACKLISTED"}
RECORD_CAUSE = "EARLIER_FALSE_COMMITMENT"


@dataclass(frozen=True)
class Source:
    """A record or list entry in force, with the restrictions pinned when it was decided."""

    source_id: str
    trigger: str  # record class (MINOR, ORDINARY, SERIOUS) or BLACKLISTED
    restricts: tuple[str, ...]
    repairable_from: dt.date
    ends_on: dt.date
    disputed: bool = False

    @property
    def cause(self) -> str:
        return CAUSE_OF.get(self.trigger, RECORD_CAUSE)

    def describe(self) -> str:
        if self.trigger == "BLACKLISTED":
            return (
                f"on the serious-dishonesty list (严重失信主体名单); early removal may be applied for "
                f"from {self.repairable_from}, removal on {self.ends_on}"
            )
        disputed = " (disputed: objection pending)" if self.disputed else ""
        return (
            f"{self.trigger.lower()} dishonesty record for a false commitment{disputed}, "
            f"repairable from {self.repairable_from}, ends {self.ends_on}"
        )


@dataclass(frozen=True)
class Restriction:
    kind: str  # RestrictionKind without prefix, e.g. NO_COMMITMENT
    cause: str  # RestrictionCause without prefix
    record_id: str
    description: str
    repairable_from: dt.date
    ends_on: dt.date
    disputed: bool = False


def restrictions(sources: Iterable[Source], today: dt.date) -> list[Restriction]:
    """What the sources bar the subject from today (the commitment route until repaired or the
    maximum period ends, 《祁阳市提升行政执法质量建设法治营商环境工作方案》三(三)10; priority supervision for
    serious cases)."""
    found = [
        Restriction(kind, s.cause, s.source_id, s.describe(), s.repairable_from, s.ends_on, s.disputed)
        for s in sources
        if today < s.ends_on
        for kind in s.restricts
    ]
    return sorted(found, key=lambda r: (r.kind, r.cause, r.record_id))
