"""A subject's standing: what its records and list entries in force bar it from today, its
grade, and the punishment measures in force with the departments' feedback on them."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from services.credit.domain import feeds, grades, measures
from services.credit.domain.blacklist import LISTED_TRIGGER, ListEntry
from services.credit.domain.records import Record
from services.credit.domain.refusals import refuse
from services.credit.domain.rule_sets import choose_rule_set, find, subject_region
from services.kernel.rule_sets import RuleSet

# records: a false commitment (《祁阳市提升行政执法质量建设法治营商环境工作方案》三(三)10)
CAUSE_OF = {LISTED_TRIGGER: "BLACKLISTED", feeds.FEED_TRIGGER: "EXTERNAL_LIST"}
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
    # For another authority's list entry: what it is, as the source lists it (feeds.FeedEntry.describe).
    label: str = ""

    @property
    def cause(self) -> str:
        return CAUSE_OF.get(self.trigger, RECORD_CAUSE)

    def describe(self) -> str:
        if self.trigger == feeds.FEED_TRIGGER:
            return self.label
        if self.trigger == LISTED_TRIGGER:
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


def sources(records: Iterable[Record], entries: Iterable[ListEntry]) -> list[Source]:
    """The records and list entries in force (ended ones bar nothing)."""
    found = [
        Source(
            str(r.record_id),
            r.record_class,
            tuple(r.restricts),
            r.repairable_from,
            r.publicity_end,
            disputed=r.disputed,
        )
        for r in records
        if r.in_force
    ]
    return found + [
        Source(
            str(e.entry_id), LISTED_TRIGGER, tuple(e.restricts), e.term.early_removal_from, e.term.removal_due
        )
        for e in entries
        if e.listed
    ]


def feed_sources(entries: Iterable[feeds.FeedEntry], today: dt.date) -> list[Source]:
    """Other authorities' list entries in force: they bar the commitment route until the source
    drops them or their validity ends; no repair here lifts them (the source authority's own
    procedure does)."""
    return [
        Source(str(e.entry_id), feeds.FEED_TRIGGER, feeds.RESTRICTS, e.ends_on, e.ends_on, label=e.describe())
        for e in entries
        if e.in_force(today)
    ]


@dataclass(frozen=True, slots=True)
class Kept:
    """A commitment verification found true (守信记录), which the grade counts."""

    commitment_id: uuid.UUID
    decision_date: dt.date


def grade_inputs(
    found: Iterable[Source],
    kept: Iterable[Kept],
    today: dt.date,
    gathered: Iterable[feeds.Gathered] = (),
) -> grades.Inputs:
    live = [s for s in found if today < s.ends_on]
    return grades.Inputs(
        gathered=tuple((str(g.info_id), g.kind, g.decision_date, g.describe()) for g in gathered),
        records=tuple(
            (s.source_id, s.trigger) for s in live if s.trigger not in {LISTED_TRIGGER, feeds.FEED_TRIGGER}
        ),
        listed=tuple(s.source_id for s in live if s.trigger == LISTED_TRIGGER),
        kept=tuple((str(k.commitment_id), k.decision_date) for k in kept),
    )


@dataclass(frozen=True, slots=True)
class MeasureInForce:
    """A measure a record or listing in force brought, until when, and who reported applying it."""

    measure: measures.Measure
    source_id: str
    trigger: str  # the source's: record class or BLACKLISTED
    until: dt.date
    feedback: tuple[measures.Feedback, ...]

    @property
    def listed(self) -> bool:
        return self.trigger == LISTED_TRIGGER


@dataclass(frozen=True)
class Standing:
    """A subject's credit as readers see it on one day."""

    records: Sequence[Record]
    entries: Sequence[ListEntry]
    sources: list[Source]
    grade: grades.Result | None
    measures: list[MeasureInForce]
    external: Sequence[feeds.FeedEntry] = ()  # other authorities' list entries, lifted ones too
    gathered: Sequence[feeds.Gathered] = ()  # other departments' information under the subject


def standing(  # noqa: PLR0917 - the standing is made of these, each read by the caller
    kind: str,
    code: str,
    records: Sequence[Record],
    entries: Sequence[ListEntry],
    kept: Sequence[Kept],
    reports: Sequence[measures.Feedback],
    loaded: Sequence[RuleSet],
    today: dt.date,
    external: Sequence[feeds.FeedEntry] = (),
    gathered: Sequence[feeds.Gathered] = (),
) -> Standing:
    found = [s for s in sources(records, entries) if today < s.ends_on]
    inputs = grade_inputs(found, kept, today, gathered)
    pinned: dict[str, Record | ListEntry] = {str(r.record_id): r for r in records}
    pinned |= {str(e.entry_id): e for e in entries}
    in_force = [m for s in found for m in _measures(s, pinned[s.source_id], loaded, reports)]
    found += feed_sources(external, today)  # they bar the route; their measures are the source's
    grade = _grade(loaded, kind, code, inputs, today)
    return Standing(records, entries, found, grade, in_force, external, gathered)


def _grade(
    loaded: Sequence[RuleSet], kind: str, code: str, inputs: grades.Inputs, today: dt.date
) -> grades.Result | None:
    try:
        model = choose_rule_set(loaded, "grading", today, subject_region(kind, code))
    except LookupError:
        return None  # no grading rule set applies to the subject's region
    return grades.grade(model, inputs, today)


def _measures(
    source: Source,
    pinned: Record | ListEntry,
    loaded: Sequence[RuleSet],
    reports: Sequence[measures.Feedback],
) -> list[MeasureInForce]:
    catalogue = find(loaded, pinned.measure_catalogue) if pinned.measure_catalogue else None
    brought = measures.by_code(catalogue, list(pinned.measures)) if catalogue else []
    return [
        MeasureInForce(
            m,
            source.source_id,
            source.trigger,
            source.ends_on,
            tuple(f for f in reports if str(f.source_id) == source.source_id and f.measure_code == m.code),
        )
        for m in brought
    ]


def require_measure_in_force(view: Standing, measure_code: str, source_id: str) -> None:
    """Feedback is reported only on a measure in force for the subject through that source."""
    if not any(m.measure.code == measure_code and m.source_id == source_id for m in view.measures):
        refuse(
            "MEASURE_NOT_IN_FORCE",
            source_id,
            f"measure {measure_code!r} is not in force for the subject through {source_id}",
            message="the measure is not in force for this subject",
        )
