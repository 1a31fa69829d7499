"""The grade model (国市监信发〔2022〕6号) as packaged: every point has a reason."""

from __future__ import annotations

import datetime as dt

from services.credit.domain.grades import Inputs, grade
from services.credit.domain.rule_sets import choose_rule_set
from services.credit.store.rule_sets import packaged_rule_sets

D = dt.date
TODAY = D(2026, 7, 1)
MODEL = choose_rule_set(packaged_rule_sets(), "grading", TODAY, "350200")


def test_a_subject_with_nothing_on_file_is_b() -> None:
    result = grade(MODEL, Inputs(), TODAY)
    assert (result.grade, result.score, result.review_on) == ("B", 80, None)
    assert result.reasons == [
        "+80 baseline of every subject: no information changes its risk (grade B, 信用风险一般) [baseline]"
    ]


def test_records_in_force_lower_the_grade_by_class() -> None:
    assert grade(MODEL, Inputs(records=(("r1", "MINOR"),)), TODAY).grade == "B"
    assert grade(MODEL, Inputs(records=(("r1", "ORDINARY"),)), TODAY).grade == "C"
    serious = grade(MODEL, Inputs(records=(("r1", "SERIOUS"),)), TODAY)
    assert (serious.grade, serious.score) == ("D", 25)
    assert serious.points[-1].rule == "serious_record"
    assert "record r1" in serious.points[-1].reason


def test_listing_alone_makes_d() -> None:
    assert grade(MODEL, Inputs(listed=("e1",)), TODAY).grade == "D"


def test_kept_commitments_count_within_their_window_up_to_the_cap() -> None:
    kept = (("c1", D(2026, 1, 5)), ("c2", D(2026, 2, 5)), ("c3", D(2026, 3, 5)))
    result = grade(MODEL, Inputs(kept=kept), TODAY)
    assert (result.grade, result.score) == ("A", 90)
    assert [p.rule for p in result.points].count("kept_commitment") == 2
    assert result.review_on == D(2029, 1, 5)  # when the first leaves the 36-month window
    old = grade(MODEL, Inputs(kept=(("c0", D(2023, 6, 30)),)), TODAY)
    assert (old.score, old.review_on) == (80, None)


def test_good_conduct_does_not_outweigh_a_serious_record() -> None:
    kept = (("c1", D(2026, 1, 5)), ("c2", D(2026, 2, 5)))
    assert grade(MODEL, Inputs(records=(("r1", "SERIOUS"),), kept=kept), TODAY).grade == "D"
