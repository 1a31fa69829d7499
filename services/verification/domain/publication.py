"""What the verification service publishes to the public (公示), in words (no I/O).

Verification outcomes are published after the fact (事后公开) within the publication rule set's
working days (《祁阳市提升行政执法质量建设法治营商环境工作方案》三(一)1: 执法机关、执法对象、执法类别、
执法结论); penalty and revocation decisions as 双公示 (the same article, 7 working days); random
draws and their results (双随机、一公开, 《阿巴嘎旗进一步加强事中事后监管工作的实施方案》§13-15).
Every published thing carries a public number (公示编号) of its own: the internal ids of tasks,
draws and results are never published.

Measures, findings and outcomes are named as stored (the verification.v1 enum names).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from services.kernel.errors import Violations
from services.verification.domain import results

# Kinds of public numbers: 核实 outcome, 处罚 penalty, 撤销 revocation, 抽取 draw, 检查 result.
OUTCOME = "HS"
PENALTY = "CF"
REVOCATION = "CX"
DRAW = "CQ"
RESULT = "JC"

# The draw's pool goes out in chunks of at most this many entries (one event each, well under
# the NATS payload limit of 1 MiB); a pool of more than MAX_POOL_PUBLISHED subjects is not
# published entry by entry (the draw says so with 0 chunks) but by its digest and size only, so
# one draw does not write hundreds of megabytes into the outbox in its transaction.
POOL_CHUNK = 5_000
MAX_POOL_PUBLISHED = 200_000
# Drawn subjects named in the draw event itself, by position (the rest follow from the pool).
MAX_DRAWN_PUBLISHED = 5_000

OUTCOME_WORDS = {
    "OUTCOME_TRUE": "属实",
    "OUTCOME_FALSE": "不实",
    "OUTCOME_UNVERIFIABLE": "无法核实",
}

MEASURE_WORDS = {
    "MEASURE_KIND_STOP_PROCESSING": "终止办理",
    "MEASURE_KIND_ORDER_RECTIFICATION": "责令限期整改",
    "MEASURE_KIND_REVOKE_DECISION": "撤销行政决定",
    "MEASURE_KIND_PENALTY": "行政处罚",
    "MEASURE_KIND_REFER_TO_JUDICIARY": "移送司法机关",
}

RESULT_MEASURE_WORDS = {
    "RESULT_MEASURE_KIND_ORDER_RECTIFICATION": "责令限期整改",
    "RESULT_MEASURE_KIND_PENALTY_CASE": "立案查处",
    "RESULT_MEASURE_KIND_REFERRAL": "移送其他部门",
}

ITEM_WORDS = {"ITEM_OUTCOME_NO_PROBLEM": "未发现问题", "ITEM_OUTCOME_PROBLEM_FOUND": "发现问题"}

# 行政相对人类别 of the national 行政许可 / 行政处罚 信息 data standard.
SUBJECT_CATEGORY = {
    "SUBJECT_KIND_LEGAL_PERSON": "法人及非法人组织",
    "SUBJECT_KIND_NATURAL_PERSON": "自然人",
    "SUBJECT_KIND_INDIVIDUAL_BUSINESS": "个体工商户",
}

# The conclusion's measures that are decisions published as 双公示, and their number kinds.
DECISION_KINDS = {"MEASURE_KIND_PENALTY": PENALTY, "MEASURE_KIND_REVOKE_DECISION": REVOCATION}
REVOCATION_CATEGORY = "撤销"
# 处罚类别 of the national 行政处罚信息 data standard: the kinds of 《中华人民共和国行政处罚法》第九条
# (2021), and 其他 for those other laws provide; a penalty that states none is published as 其他.
PENALTY_CATEGORIES = (
    "警告",
    "通报批评",
    "罚款",
    "没收违法所得",
    "没收非法财物",
    "暂扣许可证件",
    "降低资质等级",
    "吊销许可证件",
    "限制开展生产经营活动",
    "责令停产停业",
    "责令关闭",
    "限制从业",
    "行政拘留",
    "其他",
)
PENALTY_CATEGORY_UNSTATED = "其他"
MAX_PENALTY_CATEGORIES = 5
MAX_FINE_FEN = 100_000_000_000  # 10^9 yuan: above any fine a department decides
FINE = "罚款"
IN_FORCE = "有效"

T = TypeVar("T")


def public_number(department: str, kind: str, year: int, seq: int) -> str:
    """350200-SCJ-HS-2026-00000042: the department and year make it readable, the sequence unique."""
    return f"{department}-{kind}-{year}-{seq:08d}"


def outcome_words(outcome: str) -> str:
    return OUTCOME_WORDS.get(outcome, "")


def measure_words(measure: Mapping[str, Any]) -> str:
    """A conclusion's measure (verification.v1.Measure as stored JSON) in words."""
    parts = [MEASURE_WORDS.get(str(measure.get("kind", "")), "其他措施")]
    deadline = measure.get("deadline")
    if deadline:
        parts.append(f"期限{dt.date(deadline['year'], deadline['month'], deadline['day']).isoformat()}")
    return _joined(parts, str(measure.get("legal_basis", "")), str(measure.get("note", "")))


def result_measure_words(m: results.Measure) -> str:
    """An inspection result's measure in words (the case number and receiving department are public)."""
    parts = [RESULT_MEASURE_WORDS.get(m.kind, "其他措施")]
    if m.deadline:
        parts.append(f"期限{m.deadline.isoformat()}")
    if m.case_number:
        parts.append(f"案号{m.case_number}")
    if m.to_department:
        parts.append(f"移送{m.to_department}")
    return _joined(parts, m.legal_basis, m.note)


def item_words(i: results.ItemResult) -> str:
    words = f"{i.check_item}：{ITEM_WORDS.get(i.outcome, '')}"
    return f"{words}，{i.findings}" if i.findings else words


def check_penalty(v: Violations, where: str, kind: str, categories: Sequence[str], fine_fen: int) -> None:
    """A measure's 处罚类别 and fine: only on a penalty, from the list, a fine only with 罚款."""
    penalty = kind == "MEASURE_KIND_PENALTY"
    if categories and not penalty:
        v.add(f"{where}.penalty_categories", "only on a penalty (行政处罚)")
    if len(categories) > MAX_PENALTY_CATEGORIES:
        v.add(f"{where}.penalty_categories", f"at most {MAX_PENALTY_CATEGORIES}")
    for i, category in enumerate(categories):
        if category not in PENALTY_CATEGORIES:
            v.add(f"{where}.penalty_categories[{i}]", f"one of {'、'.join(PENALTY_CATEGORIES)}")
        elif category in categories[:i]:
            v.add(f"{where}.penalty_categories[{i}]", f"{category} is listed twice")
    fined = penalty and FINE in categories
    if fine_fen and not fined:
        v.add(f"{where}.fine_fen", "only on a penalty whose categories include 罚款")
    if fined and not fine_fen:
        v.add(f"{where}.fine_fen", "required with 罚款: the fine in fen (分)")
    if not 0 <= fine_fen <= MAX_FINE_FEN:
        v.add(f"{where}.fine_fen", f"0 to {MAX_FINE_FEN} fen")


@dataclass(frozen=True)
class Decision:
    """A 双公示 decision of a conclusion: one per kind (its measures' bases and notes together;
    a penalty's categories in order and fines summed)."""

    kind: str  # PENALTY or REVOCATION
    legal_basis: str
    note: str
    categories: tuple[str, ...] = ()
    fine_fen: int = 0

    @property
    def category(self) -> str:
        if self.kind == REVOCATION:
            return REVOCATION_CATEGORY
        return "、".join(self.categories) or PENALTY_CATEGORY_UNSTATED


def decisions(measures: Sequence[Mapping[str, Any]], published: Collection[str]) -> list[Decision]:
    """The conclusion's decisions the rule set publishes (`published`: measure kinds), in the
    order of their first measure; two measures of one kind are one decision with one number."""
    found: dict[str, list[Mapping[str, Any]]] = {}
    for m in measures:
        kind = str(m.get("kind", ""))
        if kind in published and kind in DECISION_KINDS:
            found.setdefault(DECISION_KINDS[kind], []).append(m)
    return [
        Decision(kind, _each(ms, "legal_basis"), _each(ms, "note"), _categories(ms), _fines(ms))
        for kind, ms in found.items()
    ]


def _categories(measures: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c for m in measures for c in m.get("penalty_categories", ())))


def _fines(measures: Sequence[Mapping[str, Any]]) -> int:
    # Stored as protobuf JSON, where an int64 is a string.
    return sum(int(m.get("fine_fen", 0)) for m in measures)


def _each(measures: Sequence[Mapping[str, Any]], field: str) -> str:
    return "；".join(v for m in measures if (v := str(m.get(field, "")).strip()))


def chunks(items: Sequence[T], size: int = POOL_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def chunk_count(pool_size: int) -> int:
    """Chunks the pool is published in: 0 when it is too large to publish entry by entry."""
    if pool_size > MAX_POOL_PUBLISHED:
        return 0
    return -(-pool_size // POOL_CHUNK)


def _joined(parts: list[str], legal_basis: str, note: str) -> str:
    if legal_basis.strip():
        parts.append(f"依据{legal_basis.strip()}")
    if note.strip():
        parts.append(note.strip())
    return "；".join(parts)
