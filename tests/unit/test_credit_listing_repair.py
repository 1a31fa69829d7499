"""The list rules of issue 17: what repair of the records a listing rests on does to it, and the
statement period running from the pre-notice's service (送达)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from services.credit.domain.blacklist import (
    PROPOSED,
    ListEntry,
    Notice,
    Service,
    ended_by_repair,
    may_decide_listing,
    may_serve,
    may_state,
    notice,
    served,
)
from services.credit.domain.records import PUBLISHED, REPAIRED, REVOKED, UNDER_OBJECTION, Record
from services.credit.domain.rule_sets import choose_rule_set
from services.credit.store.rule_sets import packaged_rule_sets
from services.kernel.calendar import WorkingCalendar
from services.kernel.errors import FailedPrecondition
from services.kernel.rule_sets import RuleSet

D = dt.date


def record(status: str) -> Record:
    return Record(
        record_id=uuid.uuid4(),
        subject_kind="SUBJECT_KIND_LEGAL_PERSON",
        subject_code="91350200MA2XXXXX0X",
        subject_name="厦门示例",
        source_event_id="e",
        commitment_id=None,
        facts="虚假承诺",
        legal_basis="",
        deciding_department="350200-SCJ",
        region_code="350200",
        decision_date=D(2026, 6, 1),
        record_class="SERIOUS",
        status=status,
        publicity_start=D(2026, 6, 1),
        repairable_from=D(2027, 6, 1),
        publicity_end=D(2029, 6, 1),
        published=True,
        restricts=("NO_COMMITMENT",),
        rule_set="NDRC-36",
        rule="referred_to_judiciary",
        created_at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC),
        safety_related_item=False,
        measures=(),
        measure_catalogue="",
        repair_notice="",
        ended_on=None,
        revision=1,
    )


@pytest.mark.parametrize(
    ("statuses", "ended"),
    [
        ((REPAIRED,), True),  # the one basis repaired: removed early (提前移出)
        ((REPAIRED, REVOKED), True),  # repaired or withdrawn: nothing founds the listing
        ((REPAIRED, PUBLISHED), False),  # another record in force still founds it
        ((REPAIRED, UNDER_OBJECTION), False),  # a disputed record is still in force
        ((PUBLISHED,), False),
    ],
)
def test_a_listing_ends_when_no_record_it_rests_on_is_in_force(
    statuses: tuple[str, ...], ended: bool
) -> None:
    assert ended_by_repair([record(s) for s in statuses]) is ended


# The pre-notice's service (送达) and the statement period (陈述申辩) it starts.


def _rules() -> RuleSet:
    return choose_rule_set(packaged_rule_sets(), "blacklist", D(2026, 7, 1), "350200")


def _entry(notice: Notice) -> ListEntry:
    return ListEntry(
        entry_id=uuid.uuid4(),
        subject_kind="SUBJECT_KIND_LEGAL_PERSON",
        subject_code="91350200MA2XXXXX0X",
        subject_name="厦门示例",
        status=PROPOSED,
        record_ids=(uuid.uuid4(),),
        department="350200-SCJ",
        region_code="350200",
        reasons="虚假承诺",
        notice=notice,
        statements=(),
        proposed_on=D(2026, 7, 1),
        proposed_by="officer",
        listed_on=None,
        early_removal_from=None,
        removal_due=None,
        removed_on=None,
        removal_reason="",
        decision_reason="",
        decided_by="",
        rule_set="GOV-2020-49",
        measures=(),
        measure_catalogue="",
        restricts=(),
        early_removal=None,
        created_at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC),
    )


def _served_on(day: dt.date) -> Service:
    return Service("SERVICE_METHOD_POSTAL", day, "EMS 1", "officer", dt.datetime(2026, 7, 3, tzinfo=dt.UTC))


def _kinds(error: pytest.ExceptionInfo[FailedPrecondition]) -> list[tuple[str, dt.date | None]]:
    return [(v.type, v.until) for v in error.value.violations]


def test_the_proposed_notice_states_its_period_from_service() -> None:
    proposed = notice(_rules(), WorkingCalendar({}), D(2026, 7, 1), "虚假承诺", [])
    assert (proposed.statement_until, proposed.service) == (None, None)
    assert "本告知书送达之日起第5个工作日" in proposed.remedies
    assert Notice.from_json(proposed.as_json(), "虚假承诺") == proposed


def test_the_period_runs_from_service_and_a_listing_waits_for_it() -> None:
    proposed = notice(_rules(), WorkingCalendar({}), D(2026, 7, 1), "虚假承诺", [])
    unserved = _entry(proposed)
    with pytest.raises(FailedPrecondition) as never:
        may_decide_listing(unserved, D(2026, 9, 1), "e", listing=True)
    assert _kinds(never) == [("NOTICE_NOT_SERVED", None)]
    may_decide_listing(unserved, D(2026, 7, 1), "e", listing=False)  # not listing: any time
    served_notice = served(_rules(), WorkingCalendar({}), proposed, _served_on(D(2026, 7, 2)))
    assert served_notice.statement_until == D(2026, 7, 9)  # Thu + 5 working days, not Wed + 5
    assert Notice.from_json(served_notice.as_json(), "虚假承诺") == served_notice
    entry = _entry(served_notice)
    with pytest.raises(FailedPrecondition) as running:
        may_decide_listing(entry, D(2026, 7, 9), "e", listing=True)
    assert _kinds(running) == [("STATEMENT_PERIOD_RUNNING", D(2026, 7, 10))]
    may_decide_listing(entry, D(2026, 7, 10), "e", listing=True)
    may_state(entry, D(2026, 7, 9), "e")
    with pytest.raises(FailedPrecondition):
        may_state(entry, D(2026, 7, 10), "e")
    with pytest.raises(FailedPrecondition) as again:
        may_serve(entry, "e")
    assert _kinds(again) == [("ALREADY_SERVED", None)]
