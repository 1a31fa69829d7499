"""The publication-safe events verification builds (公示): what the public sees of an outcome, a
penalty or revocation, a draw and its pool, an inspection result; a natural person's resident
ID, phone number and full name never in the bytes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

from google.protobuf.message import Message

from chengnuo.events.v1 import public_events_pb2 as ppb
from services.kernel import convert
from services.verification.domain import publication as words
from services.verification.domain.plans import CheckItem, Filter
from services.verification.domain.results import ItemResult, Measure
from services.verification.domain.sampling import DrawRun
from services.verification.store.draws import Draw, DrawInspector, DrawnSubject
from services.verification.store.plans import Plan
from services.verification.store.publicity import Authority, PoolSubject
from services.verification.store.results import StoredResult
from services.verification.store.tasks import Task
from services.verification.wire import public_events as public

KEY = b"k" * 32
AT = dt.datetime(2026, 11, 24, 2, 30, tzinfo=dt.UTC)
DECIDED = dt.date(2026, 11, 24)
PERSON_ID = "11010519491231002X"
PHONE = "13800138000"
NAME = "张三丰"
USCC = "91350200MA2YJ1XR9G"
BY = Authority("350200-SCJ", "厦门市市场监督管理局", "350200")
PERSON = "SUBJECT_KIND_NATURAL_PERSON"
LEGAL = "SUBJECT_KIND_LEGAL_PERSON"
REVOKE = {"kind": "MEASURE_KIND_REVOKE_DECISION", "legal_basis": "《中华人民共和国行政许可法》第六十九条"}
PENALTY = {
    "kind": "MEASURE_KIND_PENALTY",
    "legal_basis": "《中华人民共和国行政许可法》第七十九条",
    "note": f"罚款二千元，当事人{NAME}电话{PHONE}",
}


def task(**changes: Any) -> Task:
    base = Task(
        task_id=uuid.uuid4(),
        commitment_id=uuid.uuid4(),
        commitment_code="35020020261124000001",
        subject_kind=PERSON,
        subject_code=PERSON_ID,
        subject_name=NAME,
        item_id=uuid.uuid4(),
        item_name="从业人员健康证明",
        item_version=1,
        department="350200-SCJ",
        region_code="350200",
        method="DOCUMENT",
        standard="核对",
        time_limit_days=20,
        base_date=DECIDED,
        due_date=DECIDED,
        due_provisional=False,
        safety_related=False,
        supervision_domain="",
        status="TASK_STATUS_CONCLUDED",
        created_at=AT,
        outcome="OUTCOME_FALSE",
        findings=f"{NAME}（身份证{PERSON_ID}）未取得健康证明",
        measures=(REVOKE, PENALTY),
        decision_date=DECIDED,
        concluded_at=AT,
        publication_deadline=dt.date(2026, 12, 22),
        decision_publication_deadline=dt.date(2026, 12, 3),
    )
    return dataclasses.replace(base, **changes)


def no_personal_data(*messages: Message) -> None:
    for message in messages:
        raw = message.SerializeToString()
        for secret in (PERSON_ID, PHONE, NAME):
            assert secret.encode() not in raw, secret


def test_an_outcome_is_published_in_chinese_with_its_deadline_and_masked_measures() -> None:
    t = task()
    shown = public.outcome(KEY, t, "350200-SCJ-HS-2026-00000001", AT)
    assert (shown.outcome_number, shown.commitment_code) == ("350200-SCJ-HS-2026-00000001", t.commitment_code)
    assert str(t.task_id).encode() not in shown.SerializeToString()
    assert (shown.outcome, shown.item_name, shown.department) == ("不实", "从业人员健康证明", "350200-SCJ")
    assert convert.from_date(shown.decided_on) == DECIDED
    assert convert.from_date(shown.publication_deadline) == dt.date(2026, 12, 22)
    assert (shown.subject.code, shown.subject.name) == ("110105********002X", "张**")
    assert shown.subject.key.startswith("p-")
    assert shown.measures[0] == "撤销行政决定；依据《中华人民共和国行政许可法》第六十九条"
    assert shown.measures[1].endswith("罚款二千元，当事人张**电话138****8000")
    no_personal_data(shown)


def test_every_outcome_has_its_chinese_word() -> None:
    assert [
        public.outcome(KEY, task(outcome=o, measures=()), "n", AT).outcome
        for o in ("OUTCOME_TRUE", "OUTCOME_FALSE", "OUTCOME_UNVERIFIABLE")
    ] == ["属实", "不实", "无法核实"]


def test_penalty_and_revocation_are_decisions_with_the_data_standards_fields() -> None:
    t = task()
    made = words.decisions(t.measures, frozenset({"MEASURE_KIND_REVOKE_DECISION", "MEASURE_KIND_PENALTY"}))
    assert [d.kind for d in made] == [words.REVOCATION, words.PENALTY]
    revoked, fined = (public.decision(KEY, t, d, number=f"n{i}", by=BY, at=AT) for i, d in enumerate(made))
    assert revoked.kind == ppb.PUBLIC_DECISION_KIND_LICENCE
    assert (revoked.category, revoked.status, revoked.subject_category) == ("撤销", "有效", "自然人")
    assert revoked.legal_basis == "《中华人民共和国行政许可法》第六十九条"
    assert "从业人员健康证明" in revoked.content
    assert fined.kind == ppb.PUBLIC_DECISION_KIND_PENALTY
    assert fined.content.startswith("违法事实：告知承诺经核查不实（承诺编号35020020261124000001）")
    assert "张**（身份证110105********002X）" in fined.content
    for d in (revoked, fined):
        assert (d.deciding_authority, d.source_department, d.region_code) == (
            "厦门市市场监督管理局",
            "350200-SCJ",
            "350200",
        )
        assert convert.from_date(d.decided_on) == convert.from_date(d.valid_from) == DECIDED
        assert not d.HasField("valid_to")  # 长期
        assert convert.from_date(d.publication_deadline) == dt.date(2026, 12, 3)
    no_personal_data(revoked, fined)


def test_only_the_rule_sets_decision_kinds_are_decisions_one_per_kind() -> None:
    twice = (PENALTY, {**PENALTY, "legal_basis": "《食品安全法》第一百二十二条", "note": ""})
    (one,) = words.decisions(twice, {"MEASURE_KIND_PENALTY"})
    assert one.legal_basis == "《中华人民共和国行政许可法》第七十九条；《食品安全法》第一百二十二条"
    assert words.decisions((REVOKE, PENALTY), {"MEASURE_KIND_PENALTY"})[0].kind == words.PENALTY
    rectify = {"kind": "MEASURE_KIND_ORDER_RECTIFICATION", "legal_basis": "x"}
    assert words.decisions((rectify,), {"MEASURE_KIND_ORDER_RECTIFICATION"}) == []


def _draw(pool_size: int) -> tuple[Draw, Plan]:
    run = DrawRun(pool_size, "p" * 64, "i" * 64, "r" * 64, 2, 0, 1, [])
    items = [CheckItem("SC-01", "食品经营许可情况", "FOOD_SAFETY", "350200-SCJ")]
    d = Draw(
        uuid.uuid4(), uuid.uuid4(), "5f" * 32, "sha256-stratified-v1", run, "lead", AT, "350200-SCJ",
        ["350200-SCJ"], items, [500, 1000, 2000, 10000], 2,
    )  # fmt: skip
    plan = Plan(
        d.plan_id, "2026年食品经营者双随机抽查", "350200-SCJ", ["350200-SCJ"], items, Filter(),
        [500, 1000, 2000, 10000], 2, "food_safety", DECIDED, DECIDED, "SAMPLING-2022",
        "PLAN_STATUS_DRAWN", d.draw_id, "lead", AT,
    )  # fmt: skip
    return d, plan


def test_a_draw_has_what_a_rerun_needs_and_masks_natural_persons() -> None:
    d, plan = _draw(3)
    inspectors = [
        DrawInspector("ZF35020001", "王明", "350200-SCJ", 0, 0, [PERSON_ID, USCC]),
        DrawInspector("ZF35020002", "李华", "350200-SCJ", 0, 1, []),
        DrawInspector("ZF35020003", "陈静", "350200-SCJ", None, 2, []),
    ]
    drawn = [
        DrawnSubject(1, PERSON_ID, PERSON, NAME, 4, False, 0),
        DrawnSubject(2, USCC, LEGAL, "厦门示例餐饮有限公司", 2, True, None),
    ]
    facts = public.DrawFacts("350200-SCJ-CQ-2026-00000007", BY, inspectors, {PERSON_ID}, drawn, 1)
    shown = public.draw(KEY, d, plan, facts)
    assert (shown.draw_number, shown.plan_name, shown.check_item) == (
        "350200-SCJ-CQ-2026-00000007",
        "2026年食品经营者双随机抽查",
        "食品经营许可情况",
    )
    assert (shown.seed, shown.algorithm, shown.team_size, list(shown.ratios_bp)) == (
        "5f" * 32,
        "sha256-stratified-v1",
        2,
        [500, 1000, 2000, 10000],
    )
    assert (shown.pool_digest, shown.inspector_digest, shown.result_digest) == ("p" * 64, "i" * 64, "r" * 64)
    assert (shown.pool_size, shown.pool_chunks, shown.region_code) == (3, 1, "350200")
    assert [(i.certificate_number, i.name) for i in shown.inspectors] == [
        ("ZF35020001", "王明"),
        ("ZF35020002", "李华"),
        ("ZF35020003", "陈静"),  # beyond the last team, but in the inspector digest
    ]
    assert list(shown.inspectors[0].conflicts) == ["110105********002X", USCC]
    person, company = shown.drawn
    assert (person.subject.code, person.subject.name, person.position, person.team) == (
        "110105********002X",
        "张**",
        1,
        0,
    )
    assert (company.subject.code, company.grade, company.priority, company.team) == (USCC, 2, True, -1)
    no_personal_data(shown)


def test_the_pool_goes_out_in_chunks_of_at_most_5000_natural_persons_masked() -> None:
    subjects = [PoolSubject(f"{i:018d}", 1 + i % 4, i % 7 == 0, False) for i in range(12_001)]
    subjects[5] = PoolSubject(PERSON_ID, 2, False, True)
    parts = public.pool("n", subjects)
    assert [(p.chunk, p.chunks, len(p.entries)) for p in parts] == [(0, 3, 5000), (1, 3, 5000), (2, 3, 2001)]
    entries = [e for p in parts for e in p.entries]
    assert [(e.code, e.grade, e.priority) for e in entries[:2]] == [
        ("0" * 18, 1, True),
        (f"{1:018d}", 2, False),
    ]
    assert entries[5].code == "110105********002X"
    no_personal_data(*parts)
    assert words.chunk_count(12_001) == 3
    assert words.chunk_count(words.MAX_POOL_PUBLISHED + 1) == 0  # too large: digest and size only


RECTIFY = Measure("RESULT_MEASURE_KIND_ORDER_RECTIFICATION", "《价格法》第十三条", dt.date(2026, 12, 9))
CASE = Measure(
    "RESULT_MEASURE_KIND_PENALTY_CASE", "《行政处罚法》第五十四条", case_number="厦市监立〔2026〕12号"
)


def test_an_inspection_result_is_published_with_masked_findings_and_measures() -> None:
    r = StoredResult(
        result_id=uuid.uuid4(), draw_id=uuid.uuid4(), position=1, joint_id=None, subject_code=PERSON_ID,
        subject_kind=PERSON, subject_name=NAME, recording_department="350200-SCJ",
        departments=("350200-SCJ",), year=2026, inspection_date=DECIDED,
        items=(
            ItemResult("SC-01", "ITEM_OUTCOME_PROBLEM_FOUND", f"{NAME}未公示价格，电话{PHONE}"),
            ItemResult("SC-02", "ITEM_OUTCOME_NO_PROBLEM", ""),
        ),
        problem_found=True,
        measures=(RECTIFY, CASE),
        evidence_refs=("录像 A-1",), inspectors=("ZF35020001", "ZF35020002"),
        acknowledgement="ACKNOWLEDGEMENT_SIGNED", refusal_note="", push_deadline=DECIDED,
        publication_deadline=dt.date(2026, 12, 22), publication_provisional=False,
        publication_rule_set="PUBLICATION-2021", recorded_by="verifier", recorded_at=AT,
    )  # fmt: skip
    shown = public.inspection_result(KEY, r, number="JC-1", draw_number="CQ-1", region_code="350203", at=AT)
    assert (shown.result_number, shown.draw_number, shown.region_code) == ("JC-1", "CQ-1", "350203")
    assert list(shown.findings) == ["SC-01：发现问题，张**未公示价格，电话138****8000", "SC-02：未发现问题"]
    assert list(shown.measures) == [
        "责令限期整改；期限2026-12-09；依据《价格法》第十三条",
        "立案查处；案号厦市监立〔2026〕12号；依据《行政处罚法》第五十四条",
    ]
    assert shown.problem_found
    assert convert.from_date(shown.publication_deadline) == dt.date(2026, 12, 22)
    no_personal_data(shown)
