"""The measures that act on a false commitment (终止办理, 撤销) and the re-application bans they bring
for safety-related items (《中华人民共和国行政许可法》第七十八条: 1 year, 第七十九条: 3 years)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace

import pytest

from chengnuo.commitment.v1 import catalogue_pb2
from services.commitment.domain import measures, recording
from services.commitment.domain.eligibility import Restriction
from services.commitment.domain.recording import Found, Lookup
from services.commitment.store.items import ItemVersion
from services.commitment.store.rules import reapplication_rules
from services.kernel.errors import FailedPrecondition

RULES = reapplication_rules()
STOP, REVOKE = measures.STOP_PROCESSING, measures.REVOKE_DECISION


def ban(measure: str, decided: dt.date, safety_related: bool = True) -> measures.Ban | None:
    return measures.ban_for(RULES, measure, safety_related, decided)


def test_the_packaged_rule_set_cites_both_articles_and_the_way_periods_are_counted() -> None:
    (rule_set,) = RULES
    assert rule_set.id == "REAPPLICATION-2004"
    assert rule_set.effective_from == dt.date(2004, 7, 1)
    assert "第二百零一条" in rule_set.citation
    by_measure = {b["measure"]: b for b in rule_set.rules["bans"]}
    assert (by_measure[STOP]["years"], by_measure[REVOKE]["years"]) == (1, 3)
    assert "第七十八条" in by_measure[STOP]["citation"]
    assert "第七十九条" in by_measure[REVOKE]["citation"]


def test_false_materials_bar_one_year_a_revoked_licence_three() -> None:
    decided = dt.date(2026, 3, 10)
    stopped, revoked = ban(STOP, decided), ban(REVOKE, decided)
    assert stopped is not None
    assert revoked is not None
    # The decision day does not count: the anniversary is the last banned day.
    assert (stopped.last_day, stopped.ends_on) == (dt.date(2027, 3, 10), dt.date(2027, 3, 11))
    assert (revoked.last_day, revoked.ends_on) == (dt.date(2029, 3, 10), dt.date(2029, 3, 11))
    assert stopped.rule_set == revoked.rule_set == "REAPPLICATION-2004"
    assert "第七十八条" in stopped.citation
    assert "第七十九条" in revoked.citation


def test_only_safety_related_items_are_banned() -> None:
    assert ban(STOP, dt.date(2026, 3, 10), safety_related=False) is None
    assert ban(REVOKE, dt.date(2026, 3, 10), safety_related=False) is None


def test_other_measures_bring_no_ban() -> None:
    assert ban("MEASURE_KIND_PENALTY", dt.date(2026, 3, 10)) is None
    assert ban("MEASURE_KIND_ORDER_RECTIFICATION", dt.date(2026, 3, 10)) is None


@pytest.mark.parametrize(
    ("measure", "decided", "last_day", "ends_on"),
    [
        # 29 February has no anniversary: the month's last day is the last banned day.
        (STOP, dt.date(2024, 2, 29), dt.date(2025, 2, 28), dt.date(2025, 3, 1)),
        (REVOKE, dt.date(2024, 2, 29), dt.date(2027, 2, 28), dt.date(2027, 3, 1)),
        # A ban that ends in a leap year's February may end on 29 February.
        (STOP, dt.date(2023, 2, 28), dt.date(2024, 2, 28), dt.date(2024, 2, 29)),
        (REVOKE, dt.date(2025, 2, 28), dt.date(2028, 2, 28), dt.date(2028, 2, 29)),
        (REVOKE, dt.date(2025, 12, 31), dt.date(2028, 12, 31), dt.date(2029, 1, 1)),
    ],
)
def test_end_dates_around_leap_days(
    measure: str, decided: dt.date, last_day: dt.date, ends_on: dt.date
) -> None:
    found = ban(measure, decided)
    assert found is not None
    assert (found.last_day, found.ends_on) == (last_day, ends_on)


def test_a_decision_before_any_rule_set_has_no_rule() -> None:
    with pytest.raises(LookupError, match="reapplication"):
        ban(REVOKE, dt.date(2004, 6, 30))


def test_a_corrected_rule_set_applies_from_its_date_and_the_old_one_before() -> None:
    (old,) = RULES
    corrected = replace(
        old,
        id="REAPPLICATION-2030",
        effective_from=dt.date(2030, 1, 1),
        rules={**old.rules, "bans": [{**b, "years": 5} for b in old.rules["bans"]]},
    )
    before = measures.ban_for([old, corrected], REVOKE, True, dt.date(2029, 12, 31))
    after = measures.ban_for([old, corrected], REVOKE, True, dt.date(2030, 1, 1))
    assert before is not None
    assert after is not None
    assert (before.rule_set, before.ends_on) == ("REAPPLICATION-2004", dt.date(2033, 1, 1))
    assert (after.rule_set, after.ends_on) == ("REAPPLICATION-2030", dt.date(2035, 1, 2))


def test_acting_measures_are_taken_once_each_with_the_first_basis() -> None:
    taken = measures.acting(
        [
            ("MEASURE_KIND_ORDER_RECTIFICATION", "整改"),
            (REVOKE, "《中华人民共和国行政许可法》第六十九条"),
            (REVOKE, "again"),
            ("MEASURE_KIND_PENALTY", "处罚"),
            (STOP, " 终止 "),
        ]
    )
    assert taken == [
        measures.Taken(REVOKE, "《中华人民共和国行政许可法》第六十九条"),
        measures.Taken(STOP, "终止"),
    ]


def test_the_ban_describes_the_decision_and_its_last_day() -> None:
    found = ban(REVOKE, dt.date(2026, 3, 10))
    assert found is not None
    said = found.description("350200-SCJ", "35020020260310000001")
    assert "350200-SCJ" in said
    assert "2026-03-10" in said
    assert "35020020260310000001" in said
    assert "through 2029-03-10" in said


ITEM = ItemVersion(
    uuid.uuid4(),
    1,
    "350200-SCJ",
    dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
    catalogue_pb2.ItemDraft(name="特种设备使用场所证明", commitment_allowed=True, region_code="350200"),
)


def _found(*item_restrictions: Restriction, credit: tuple[Restriction, ...] = ()) -> Found[ItemVersion]:
    lookup = Lookup(1, True, credit, False, item_restrictions)
    return Found(str(ITEM.item_id), lookup, ITEM)


def test_a_ban_refuses_the_item_until_the_day_it_ends_then_allows_it() -> None:
    ends = dt.date(2029, 3, 11)
    found = _found(measures.restriction("task-1", "撤销行政许可 ...", ends))
    refused = recording.eligibility_of(found, ends - dt.timedelta(days=1))
    assert not refused.eligible
    assert refused.earliest_change == ends
    (violation,) = refused.refusal()
    assert (violation.type, violation.subject, violation.until) == ("REAPPLICATION_BANNED", "task-1", ends)
    with pytest.raises(FailedPrecondition) as raised:
        recording.may_commit(found, 0, ends - dt.timedelta(days=1))
    assert [v.type for v in raised.value.violations] == ["REAPPLICATION_BANNED"]
    assert recording.eligibility_of(found, ends).eligible
    assert recording.may_commit(found, 0, ends) is found.item


def test_a_ban_sits_beside_the_credit_restrictions_without_replacing_them() -> None:
    credit = Restriction("BLACKLISTED", "record-1", "列入严重失信主体名单")
    found = _found(measures.restriction("task-1", "终止办理 ...", dt.date(2027, 3, 11)), credit=(credit,))
    answer = recording.eligibility_of(found, dt.date(2026, 6, 1))
    assert [r.cause for r in answer.reasons] == ["BLACKLISTED", "REAPPLICATION_BANNED"]
    assert answer.earliest_change is None  # the blacklisting has no known end


def test_a_decision_keeps_the_ban_it_brings_or_none() -> None:
    task = uuid.uuid4()
    taken = measures.Taken(REVOKE, "《中华人民共和国行政许可法》第六十九条")
    decision, found = measures.decide(
        RULES, taken, True, decided=dt.date(2026, 3, 10), department="350200-SCJ", task_id=task
    )
    assert found is not None
    assert decision == measures.Decision(
        dt.date(2026, 3, 10),
        "350200-SCJ",
        task,
        taken.legal_basis,
        dt.date(2029, 3, 11),
        "REAPPLICATION-2004",
    )
    plain, none = measures.decide(
        RULES, taken, False, decided=dt.date(2026, 3, 10), department="350200-SCJ", task_id=task
    )
    assert none is None
    assert (plain.ban_ends_on, plain.ban_rule_set) == (None, "")
