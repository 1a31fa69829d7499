"""Roster sheets (一单两库): inspectors (执法检查人员名录库) and inspection subjects (检查对象名录库)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from chengnuo.common.v1 import subject_pb2
from chengnuo.verification.v1 import rosters_pb2 as rpb
from services.cli.tabular import EXAMPLE_MARK, Column, SourceRow, flag, split_list
from services.cli.values import guess_kind
from services.kernel import convert

Kind = subject_pb2.SubjectKind
SUBJECT_KINDS = {
    "法人": Kind.SUBJECT_KIND_LEGAL_PERSON,
    "企业": Kind.SUBJECT_KIND_LEGAL_PERSON,
    "非法人组织": Kind.SUBJECT_KIND_LEGAL_PERSON,
    "法人及非法人组织": Kind.SUBJECT_KIND_LEGAL_PERSON,
    "legal": Kind.SUBJECT_KIND_LEGAL_PERSON,
    "自然人": Kind.SUBJECT_KIND_NATURAL_PERSON,
    "个人": Kind.SUBJECT_KIND_NATURAL_PERSON,
    "person": Kind.SUBJECT_KIND_NATURAL_PERSON,
    "个体工商户": Kind.SUBJECT_KIND_INDIVIDUAL_BUSINESS,
    "个体户": Kind.SUBJECT_KIND_INDIVIDUAL_BUSINESS,
    "individual": Kind.SUBJECT_KIND_INDIVIDUAL_BUSINESS,
}
_CONFLICT = re.compile(r"\s*([0-9A-Za-z]+)\s*(?:[:：]\s*(.*))?$")

INSPECTOR_COLUMNS = (
    Column(
        "certificate_number",
        "certificate_number",
        ("执法证号", "执法证件号", "证件号"),
        "enforcement certificate",
        True,
    ),
    Column("name", "name", ("姓名",), "the inspector's name", True),
    Column(
        "domains",
        "domains",
        ("执法领域", "检查领域", "领域"),
        "qualified domains, e.g. food_safety, separated by 、",
    ),
    Column("active", "active", ("是否在岗", "在岗", "状态"), "是/否 or 在岗/离岗 (blank: 是)"),
    Column(
        "certificate_valid_until",
        "certificate_valid_until",
        ("有效期至", "证件有效期至", "执法证有效期"),
        "YYYY-MM-DD",
    ),
    Column(
        "conflicts",
        "conflicts",
        ("回避对象", "回避"),
        "codes to recuse from, 'CODE：reason', separated by ；",
    ),
)
# Who a row is about, as every sheet of subjects names it (rosters, other authorities' lists).
SUBJECT_IDENTITY = (
    Column(
        "code",
        "subject.code",
        ("统一社会信用代码", "身份证号码", "证件号码", "主体代码"),
        "USCC or resident ID",
        True,
    ),
    Column("kind", "subject.kind", ("主体类型", "类型"), "法人/自然人/个体工商户 (blank: from the code)"),
)
SUBJECT_COLUMNS = (
    *SUBJECT_IDENTITY,
    Column("name", "name", ("名称", "主体名称", "企业名称"), "registered name", True),
    Column("region_code", "region_code", ("区划代码", "所在区划", "注册地区划"), "6-digit region", True),
    Column("industry", "industry", ("行业代码", "行业"), "e.g. H62 (GB/T 4754)"),
    Column("tags", "tags", ("标签",), "labels a plan may filter on, separated by 、"),
    Column(
        "risk_level",
        "risk_level",
        ("风险等级", "风险程度"),
        "一级 (highest), 二级 or 三级; blank: not assessed",
    ),
)
RISK_LEVELS = {
    "一级": rpb.RISK_LEVEL_FIRST,
    "1": rpb.RISK_LEVEL_FIRST,
    "二级": rpb.RISK_LEVEL_SECOND,
    "2": rpb.RISK_LEVEL_SECOND,
    "三级": rpb.RISK_LEVEL_THIRD,
    "3": rpb.RISK_LEVEL_THIRD,
}
INSPECTOR_EXAMPLE = (
    f"{EXAMPLE_MARK}ZF35020001",
    "王明",
    "food_safety、special_equipment",
    "是",
    "2028-12-31",
    "",
)
SUBJECT_EXAMPLE = (
    f"{EXAMPLE_MARK}91350200MA2YJ1XR9G",
    "法人",
    "厦门示例餐饮有限公司",
    "350203",
    "H62",
    "cold_chain",
    "二级",
)


@dataclass(frozen=True)
class Problem:
    row: int
    field: str
    description: str


def inspector(source: SourceRow) -> tuple[rpb.Inspector, list[Problem]]:
    made = rpb.Inspector(
        certificate_number=source.get("certificate_number"),
        name=source.get("name"),
        domains=split_list(source.get("domains")),
    )
    problems: list[Problem] = []
    try:
        made.active = flag(source.get("active")) is not False
    except ValueError as error:
        problems.append(Problem(source.number, "active", str(error)))
    until = source.get("certificate_valid_until")
    if until:
        try:
            made.certificate_valid_until.CopyFrom(convert.to_date(dt.date.fromisoformat(until)))
        except ValueError:
            problems.append(Problem(source.number, "certificate_valid_until", f"{until!r} is not a date"))
    for i, text in enumerate(re.split(r"[;；\n]+", source.get("conflicts"))):
        if text.strip():
            _conflict(made, source.number, i, text, problems)
    return made, problems


def _conflict(made: rpb.Inspector, row: int, index: int, text: str, problems: list[Problem]) -> None:
    found = _CONFLICT.match(text)
    if not found:
        problems.append(Problem(row, f"conflicts[{index}]", f"{text!r}: write the code, then ：reason"))
        return
    code = found.group(1).upper()
    subject = subject_pb2.SubjectRef(kind=guess_kind(code), code=code)
    made.conflicts.append(rpb.Conflict(subject=subject, reason=found.group(2) or ""))


def subject(source: SourceRow) -> tuple[rpb.SubjectRow, list[Problem]]:
    code = source.get("code").upper()
    kind_text = source.get("kind").strip()
    kind = SUBJECT_KINDS.get(kind_text.lower()) if kind_text else guess_kind(code)
    made = rpb.SubjectRow(
        subject=subject_pb2.SubjectRef(kind=kind or Kind.SUBJECT_KIND_UNSPECIFIED, code=code),
        name=source.get("name"),
        region_code=source.get("region_code"),
        industry=source.get("industry"),
        tags=split_list(source.get("tags")),
    )
    problems = []
    if kind_text and kind is None:
        problems.append(
            Problem(source.number, "subject.kind", f"{kind_text!r} is not 法人, 自然人 or 个体工商户")
        )
    risk_text = source.get("risk_level").strip()
    if risk_text in RISK_LEVELS:
        made.risk_level = RISK_LEVELS[risk_text]
    elif risk_text:
        problems.append(Problem(source.number, "risk_level", f"{risk_text!r} is not 一级, 二级 or 三级"))
    return made, problems
