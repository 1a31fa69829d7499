"""Other authorities' dishonesty lists imported as dated snapshots (信用信息归集,
《阿巴嘎旗进一步加强事中事后监管工作的实施方案》二(七)19: 司法判决、违法失信等信息归集到相关市场主体名下).

A snapshot is the whole list of one source as of its date: an entry present is in force, an open entry
absent from a later snapshot of the same source is lifted on that snapshot's date. An entry whose
validity (set by the source) has ended is lifted by the passing of time: readers compare it with the
service date (computed on read), so no job has to run for it to stop barring.

An entry in force bars the commitment route: a subject with serious dishonest conduct or on a
blacklist (严重失信行为、被纳入黑名单对象) may not use it (《祁阳市提升行政执法质量建设法治营商环境工作方案》
三(三)10).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from services.credit.domain.refusals import refuse

# The source authorities and their lists, as named to readers and in refusals.
SOURCES = {
    "COURT_DISHONEST_DEBTORS": "the people's courts' list of dishonest judgment debtors (失信被执行人名单)",
    "TAX_MAJOR_VIOLATION": "the tax authority's list of major tax violations (重大税收违法失信主体)",
    "MARKET_SERIOUS_VIOLATION": "market regulation's serious illegal and dishonest list (严重违法失信名单)",
}
FEED_TRIGGER = "EXTERNAL_LIST"
RESTRICTS = ("NO_COMMITMENT",)
# An entry without a validity end bars until a snapshot drops it; readers need a date all the same.
OPEN_END = dt.date(9999, 12, 31)


# Information of other departments gathered under the subject (归集,
# 《阿巴嘎旗进一步加强事中事后监管工作的实施方案》二(七)19: 行政处罚……以及司法判决、违法失信……
# 归集到相关市场主体名下).
GATHERED_KINDS = ("ADMINISTRATIVE_PENALTY", "OTHER_DISHONESTY")


@dataclass(frozen=True, slots=True)
class Gathered:
    """A penalty or other dishonesty information another department decided, kept under the subject."""

    info_id: uuid.UUID
    subject_kind: str
    subject_code: str
    source_department: str
    kind: str
    decision_date: dt.date
    basis: str
    case_number: str
    submitted_by: str
    submitted_department: str
    submitted_at: dt.datetime

    def describe(self) -> str:
        return f"{self.source_department} {self.case_number}"


@dataclass(frozen=True, slots=True)
class Row:
    """One subject of a snapshot, as the source lists it."""

    subject_kind: str
    subject_code: str
    basis: str
    listed_on: dt.date
    valid_until: dt.date | None


@dataclass(frozen=True, slots=True)
class FeedEntry:
    entry_id: uuid.UUID
    source: str
    region_code: str
    subject_kind: str
    subject_code: str
    basis: str
    listed_on: dt.date
    valid_until: dt.date | None
    first_snapshot: dt.date
    last_snapshot: dt.date
    lifted_on: dt.date | None
    imported_at: dt.datetime

    def lifted_by(self, today: dt.date) -> dt.date | None:
        """The day it stopped barring: dropped by a snapshot, or its validity ended."""
        if self.lifted_on is not None:
            return self.lifted_on
        if self.valid_until is not None and self.valid_until <= today:
            return self.valid_until
        return None

    def in_force(self, today: dt.date) -> bool:
        return self.lifted_by(today) is None

    @property
    def ends_on(self) -> dt.date:
        return self.valid_until or OPEN_END

    def describe(self) -> str:
        until = f" valid until {self.valid_until}" if self.valid_until else " until the source removes it"
        return (
            f"on {SOURCES[self.source]} since {self.listed_on} ({self.basis});{until}; "
            f"as of its snapshot of {self.last_snapshot}"
        )


@dataclass(frozen=True, slots=True)
class Plan:
    """What a snapshot changes: rows to add, open entries it carries again, open entries it drops."""

    added: tuple[Row, ...]
    kept: tuple[tuple[FeedEntry, Row], ...]
    lifted: tuple[FeedEntry, ...]

    @property
    def subjects(self) -> list[tuple[str, str]]:
        """Every subject whose standing the snapshot may change, as (kind, code)."""
        found = {(r.subject_kind, r.subject_code) for r in self.added}
        found |= {(e.subject_kind, e.subject_code) for e, _ in self.kept}
        found |= {(e.subject_kind, e.subject_code) for e in self.lifted}
        return sorted(found)


def require_newer(source: str, snapshot_date: dt.date, last: dt.date | None) -> None:
    """Snapshots of a source are applied in order: an older or repeated one would lift entries a
    newer one carries."""
    if last is not None and snapshot_date <= last:
        refuse(
            "SNAPSHOT_NOT_NEWER",
            source,
            f"snapshot_date {snapshot_date} is not after the last snapshot of {source}, {last}",
            message="a newer snapshot of this source is imported already",
        )


def plan(open_entries: Iterable[FeedEntry], rows: Sequence[Row]) -> Plan:
    """Compare the open entries of a source with its new snapshot (one row per subject)."""
    by_code = {r.subject_code: r for r in rows}
    current = {e.subject_code: e for e in open_entries}
    return Plan(
        added=tuple(r for r in rows if r.subject_code not in current),
        kept=tuple((e, by_code[c]) for c, e in sorted(current.items()) if c in by_code),
        lifted=tuple(e for c, e in sorted(current.items()) if c not in by_code),
    )
