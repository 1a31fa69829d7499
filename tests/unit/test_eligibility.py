from __future__ import annotations

import datetime as dt

import pytest

from services.commitment.domain.eligibility import Restriction, eligibility, item_reasons
from services.commitment.domain.recording import commitment_code

D = dt.date


def test_no_reason_means_eligible() -> None:
    answer = eligibility([], D(2026, 11, 24))
    assert answer.eligible
    assert answer.earliest_change is None


def test_a_false_commitment_bars_until_repairable_or_ended() -> None:
    record = Restriction("EARLIER_FALSE_COMMITMENT", "r1", "record", D(2027, 2, 24), D(2027, 11, 24))
    answer = eligibility([record], D(2026, 11, 24))
    assert not answer.eligible
    assert answer.earliest_change == D(2027, 2, 24)
    assert [v.type for v in answer.refusal()] == ["EARLIER_FALSE_COMMITMENT"]
    assert answer.refusal()[0].until == D(2027, 2, 24)


def test_a_restriction_past_its_end_no_longer_counts() -> None:
    record = Restriction("EARLIER_FALSE_COMMITMENT", "r1", "record", D(2027, 2, 24), D(2027, 11, 24))
    assert eligibility([record], D(2027, 11, 24)).eligible
    assert not eligibility([record], D(2027, 11, 23)).eligible


def test_earliest_change_waits_for_the_last_reason() -> None:
    early = Restriction("EARLIER_FALSE_COMMITMENT", "r1", "", D(2027, 1, 1), D(2027, 6, 1))
    late = Restriction("BLACKLISTED", "b1", "", D(2027, 11, 1), D(2029, 11, 1))
    assert eligibility([early, late], D(2026, 12, 1)).earliest_change == D(2027, 11, 1)
    unknown = Restriction("BLACKLISTED", "b2", "")
    assert eligibility([early, unknown], D(2026, 12, 1)).earliest_change is None


def test_item_reasons() -> None:
    assert item_reasons("i", in_force=True, commitment_allowed=True) == []
    assert item_reasons("i", in_force=False, commitment_allowed=True)[0].cause == "ITEM_NOT_IN_FORCE"
    assert item_reasons("i", in_force=True, commitment_allowed=False)[0].cause == "COMMITMENT_NOT_ALLOWED"


def test_commitment_code_shape() -> None:
    assert commitment_code("350200", D(2026, 11, 24), 7) == "35020020261124000007"
    assert len(commitment_code("350200", D(2026, 11, 24), 999_999)) == 20
    with pytest.raises(ValueError, match="sequence"):
        commitment_code("350200", D(2026, 11, 24), 1_000_000)
