"""The rules of imported list snapshots: what a snapshot adds, keeps and lifts, the order of
snapshots, validity, and the restriction an entry in force brings."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from services.credit.domain import feeds, grades, standing
from services.credit.domain.rule_sets import choose_rule_set
from services.credit.store.rule_sets import packaged_rule_sets
from services.kernel.errors import FailedPrecondition

D = dt.date
NOW = dt.datetime(2026, 7, 1, 2, tzinfo=dt.UTC)


def entry(code: str, *, until: D | None = None, lifted: D | None = None) -> feeds.FeedEntry:
    return feeds.FeedEntry(
        uuid.uuid4(),
        "COURT_DISHONEST_DEBTORS",
        "350200",
        "SUBJECT_KIND_LEGAL_PERSON",
        code,
        "(2026)闽0203执1号",
        D(2026, 5, 1),
        until,
        D(2026, 6, 1),
        D(2026, 6, 1),
        lifted,
        NOW,
    )


def row(code: str) -> feeds.Row:
    return feeds.Row("SUBJECT_KIND_LEGAL_PERSON", code, "(2026)闽0203执2号", D(2026, 6, 2), None)


def test_a_snapshot_adds_the_new_keeps_the_present_and_lifts_the_absent() -> None:
    kept, dropped = entry("A"), entry("B")
    change = feeds.plan([kept, dropped], [row("A"), row("C")])
    assert [r.subject_code for r in change.added] == ["C"]
    assert [(e.subject_code, r.basis) for e, r in change.kept] == [("A", "(2026)闽0203执2号")]
    assert change.lifted == (dropped,)
    assert [c for _, c in change.subjects] == ["A", "B", "C"]


def test_an_empty_snapshot_lifts_everything() -> None:
    assert [e.subject_code for e in feeds.plan([entry("A"), entry("B")], []).lifted] == ["A", "B"]


def test_snapshots_apply_in_date_order() -> None:
    feeds.require_newer("COURT_DISHONEST_DEBTORS", D(2026, 6, 2), D(2026, 6, 1))
    feeds.require_newer("COURT_DISHONEST_DEBTORS", D(2026, 6, 2), None)
    for older in (D(2026, 6, 1), D(2026, 5, 31)):
        with pytest.raises(FailedPrecondition) as refused:
            feeds.require_newer("COURT_DISHONEST_DEBTORS", older, D(2026, 6, 1))
        assert [(v.type, v.subject) for v in refused.value.violations] == [
            ("SNAPSHOT_NOT_NEWER", "COURT_DISHONEST_DEBTORS")
        ]


def test_validity_lifts_on_its_date_and_a_drop_on_the_snapshot_date() -> None:
    timed = entry("A", until=D(2026, 7, 10))
    assert timed.in_force(D(2026, 7, 9))
    assert timed.lifted_by(D(2026, 7, 10)) == D(2026, 7, 10)
    dropped = entry("B", lifted=D(2026, 6, 20))
    assert dropped.lifted_by(D(2026, 6, 21)) == D(2026, 6, 20)
    assert entry("C").in_force(D(2099, 1, 1))


def test_an_entry_in_force_bars_the_commitment_route_naming_its_source() -> None:
    today = D(2026, 7, 1)
    found = standing.feed_sources([entry("A"), entry("B", lifted=D(2026, 6, 20))], today)
    [barred] = standing.restrictions(found, today)
    assert (barred.kind, barred.cause) == ("NO_COMMITMENT", "EXTERNAL_LIST")
    assert "失信被执行人名单" in barred.description
    assert "(2026)闽0203执1号" in barred.description
    # the grade counts only the department's own records and listings
    assert standing.grade_inputs(found, [], today) == grades.Inputs()


# Information of other departments gathered under the subject (归集), counted by the grading rule
# set of 阿巴嘎旗 (region 152522).
ABAG = choose_rule_set(packaged_rule_sets(), "grading", D(2026, 7, 1), "152522")


def penalty(info_id: str, decided: D, kind: str = "ADMINISTRATIVE_PENALTY") -> tuple[str, str, D, str]:
    return (info_id, kind, decided, f"152522-SWJ 阿税罚〔2026〕{info_id}号")


def test_the_region_of_the_plan_grades_by_its_own_rule_set_and_others_keep_theirs() -> None:
    assert ABAG.id == "ABAG-2020-29-GRADING"
    assert "二(七)19" in ABAG.citation
    assert choose_rule_set(packaged_rule_sets(), "grading", D(2026, 7, 1), "350200").id == "SAMR-2022-6"
    with pytest.raises(LookupError):  # before the grades it builds on were in force
        choose_rule_set(packaged_rule_sets(), "grading", D(2022, 1, 12), "152522")


def test_gathered_penalties_lower_the_grade_within_their_window_up_to_the_cap() -> None:
    today = D(2026, 7, 1)
    one = grades.grade(ABAG, grades.Inputs(gathered=(penalty("1", D(2026, 3, 1)),)), today)
    assert (one.grade, one.score, one.review_on) == ("C", 65, D(2029, 3, 1))
    assert one.points[-1].rule == "gathered_penalty"
    assert "阿税罚〔2026〕1号" in one.points[-1].reason
    four = tuple(penalty(str(i), D(2026, i, 1)) for i in range(1, 5))
    capped = grades.grade(ABAG, grades.Inputs(gathered=four), today)
    assert (capped.score, capped.grade) == (80 - 45, "D")
    other = grades.grade(
        ABAG, grades.Inputs(gathered=(penalty("9", D(2026, 3, 1), "OTHER_DISHONESTY"),)), today
    )
    assert (other.score, other.points[-1].rule) == (60, "gathered_dishonesty")
    # a window closed, a decision in the future: no points
    closed = (penalty("5", D(2023, 6, 30)), penalty("6", D(2026, 7, 2)))
    assert grades.grade(ABAG, grades.Inputs(gathered=closed), today).score == 80
