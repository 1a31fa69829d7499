"""What repair of the records a listing rests on does to the listing (blacklist.ended_by_repair)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from services.credit.domain.blacklist import ended_by_repair
from services.credit.domain.records import PUBLISHED, REPAIRED, REVOKED, UNDER_OBJECTION, Record

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
