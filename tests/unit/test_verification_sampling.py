"""The draw algorithm (sha256-stratified-v1) and the ratio rules, without a database."""

from __future__ import annotations

import datetime as dt
import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from chengnuo.credit.v1 import credit_pb2
from chengnuo.verification.v1 import inspections_pb2 as ipb
from services.kernel.errors import Violations
from services.verification.api import parse
from services.verification.domain import sampling
from services.verification.domain.rules import RuleBook
from services.verification.store.rules import packaged_rule_sets

RULES = RuleBook(packaged_rule_sets()).sampling(dt.date(2026, 6, 1))
DEFAULTS = [500, 1500, 4000, 8000]

codes = st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=4, max_size=18)
pools = st.lists(
    st.tuples(codes, st.integers(1, 4), st.floats(0, 1)), unique_by=lambda e: e[0], max_size=300
).map(lambda rows: [sampling.PoolEntry(c, g, p < 0.05) for c, g, p in rows])
ratio_sets = st.tuples(
    st.integers(0, 500), st.integers(500, 2000), st.integers(2100, 6000), st.integers(6100, 10000)
)
seeds = st.binary(min_size=16, max_size=32).map(bytes.hex)


def _team(*numbers: str, conflicts: tuple[str, ...] = ()) -> list[sampling.InspectorEntry]:
    return [sampling.InspectorEntry(n, frozenset(conflicts)) for n in numbers]


def _teams(seed: str) -> list[list[sampling.InspectorEntry]]:
    return sampling.form_teams(seed, _team("ZF1", "ZF2", "ZF3", "ZF4", "ZF5"), 2)


@settings(max_examples=200, deadline=None)
@given(pools, ratio_sets, seeds)
def test_the_share_drawn_per_grade_matches_the_ratio_within_rounding(
    pool: list[sampling.PoolEntry], ratios: tuple[int, ...], seed: str
) -> None:
    drawn = sampling.reference_draw(seed, pool, ratios, _teams(seed))
    for grade in range(1, 5):
        candidates = [e for e in pool if e.grade == grade and not e.priority]
        chosen = [d for d in drawn if d.grade == grade and not d.priority]
        assert abs(len(chosen) - len(candidates) * ratios[grade - 1] / 10_000) <= 0.5
    assert {e.code for e in pool if e.priority} <= {d.code for d in drawn}
    assert [d.position for d in drawn] == list(range(1, len(drawn) + 1))


@settings(max_examples=100, deadline=None)
@given(pools, seeds)
def test_a_draw_is_a_function_of_its_inputs(pool: list[sampling.PoolEntry], seed: str) -> None:
    once = sampling.reference_draw(seed, pool, DEFAULTS, _teams(seed))
    again = sampling.reference_draw(seed, list(reversed(pool)), DEFAULTS, _teams(seed))
    assert once == again
    assert sampling.pool_digest(pool) == sampling.pool_digest(reversed(pool))


@settings(max_examples=100, deadline=None)
@given(pools, codes)
def test_any_change_of_the_pool_changes_its_digest(pool: list[sampling.PoolEntry], extra: str) -> None:
    if any(e.code == extra for e in pool):
        return
    grown = [*pool, sampling.PoolEntry(extra, 2, False)]
    assert sampling.pool_digest(grown) != sampling.pool_digest(pool)
    if pool:
        regraded = [sampling.PoolEntry(pool[0].code, pool[0].grade % 4 + 1, pool[0].priority), *pool[1:]]
        assert sampling.pool_digest(regraded) != sampling.pool_digest(pool)


def test_the_digest_is_sha256_of_sorted_lines() -> None:
    pool = [sampling.PoolEntry("B2", 3, True), sampling.PoolEntry("A1", 1, False)]
    assert sampling.pool_digest(pool) == hashlib.sha256(b"A1|A|0\nB2|C|1").hexdigest()
    assert sampling.result_digest([("B2", None), ("A1", 0)]) == hashlib.sha256(b"A1|0\nB2|-").hexdigest()


def test_the_rank_is_sha256_of_seed_and_code() -> None:
    assert sampling.draw_key("ab", "A1") == hashlib.sha256(b"ab|A1").digest()
    assert sampling.inspector_key("ab", "ZF1") == hashlib.sha256(b"ab|inspector|ZF1").digest()


def test_subjects_skip_teams_with_a_conflict_and_rotate_otherwise() -> None:
    conflicts = [frozenset({"X"}), frozenset(), frozenset({"X", "Y"})]
    assert [sampling.assign_team(p, "Z", conflicts) for p in (1, 2, 3, 4)] == [0, 1, 2, 0]
    assert sampling.assign_team(1, "X", conflicts) == 1
    assert sampling.assign_team(3, "X", conflicts) == 1  # team 2 and then team 0 are in conflict
    assert sampling.assign_team(1, "Y", [frozenset({"Y"})]) is None


def test_teams_are_cut_from_the_ranked_inspectors_and_the_remainder_forms_none() -> None:
    teams = sampling.form_teams("seed", _team("a", "b", "c", "d", "e"), 2)
    assert [len(t) for t in teams] == [2, 2]
    ranked = sorted("abcde", key=lambda n: sampling.inspector_key("seed", n))
    assert [m.number for t in teams for m in t] == ranked[:4]


def test_quota_rounds_half_up_in_integers() -> None:
    assert [sampling.quota(n, 1500) for n in (0, 3, 10, 11, 1_000_000)] == [0, 0, 2, 2, 150_000]
    assert sampling.quota(7, 5000) == 4  # 3.5 rounds up


def _parse(*ratios: ipb.GradeRatio) -> tuple[list[int], list[tuple[str, str]]]:
    v = Violations()
    parsed = parse.parse_ratios(v, list(ratios), RULES)
    return parsed, [(x.field, x.description) for x in v.items]


def test_missing_grades_take_the_rule_sets_defaults() -> None:
    assert _parse() == (DEFAULTS, [])
    assert _parse(ipb.GradeRatio(grade=credit_pb2.GRADE_D, percent=100)) == ([500, 1500, 4000, 10000], [])
    assert _parse(ipb.GradeRatio(grade=credit_pb2.GRADE_B, percent=12.34))[0] == [500, 1234, 4000, 8000]


def test_ratios_outside_0_100_or_their_band_are_refused_by_field() -> None:
    _, problems = _parse(
        ipb.GradeRatio(grade=credit_pb2.GRADE_A, percent=101),
        ipb.GradeRatio(grade=credit_pb2.GRADE_B, percent=4.99),
        ipb.GradeRatio(grade=credit_pb2.GRADE_C, percent=30.001),
        ipb.GradeRatio(grade=credit_pb2.GRADE_C, percent=30),
        ipb.GradeRatio(grade=credit_pb2.GRADE_UNSPECIFIED, percent=1),
        ipb.GradeRatio(grade=credit_pb2.GRADE_D, percent=float("nan")),
    )
    assert problems == [
        ("ratios[0].percent", "101.0% is outside 0-100%"),
        ("ratios[1].percent", "grade B must be sampled at 5% to 20% (rule set SAMPLING-2022)"),
        ("ratios[2].percent", "at most two decimals"),
        ("ratios[3].grade", "grade C is given twice"),
        ("ratios[4].grade", "required: grade A, B, C or D"),
        ("ratios[5].percent", "nan% is outside 0-100%"),
    ]


def test_from_2027_the_risk_level_moves_the_sampling_class_within_a_to_d() -> None:
    book = RuleBook(packaged_rule_sets())
    rules = book.sampling(dt.date(2027, 1, 1))
    assert rules.id == "SAMPLING-2027"
    # not assessed, 一级 (one class up), 二级 (as graded), 三级 (one class down)
    assert [rules.sampling_class(credit_pb2.GRADE_D, level) for level in (0, 1, 2, 3)] == [4, 4, 4, 3]
    assert [rules.sampling_class(credit_pb2.GRADE_A, level) for level in (0, 1, 2, 3)] == [1, 2, 1, 1]
    assert [rules.sampling_class(credit_pb2.GRADE_B, level) for level in (0, 1, 2, 3)] == [2, 3, 2, 1]
    old = book.sampling(dt.date(2026, 12, 31))
    assert old.id == "SAMPLING-2022"
    assert [old.sampling_class(credit_pb2.GRADE_B, level) for level in (0, 1, 2, 3)] == [2, 2, 2, 2]
