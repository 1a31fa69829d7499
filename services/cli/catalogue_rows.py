"""A department's catalogue sheet (证明事项告知承诺目录) as ImportCatalogue rows.

Only what a clerk could mistype is checked here (yes/no, a number, the verification method);
everything else the commitment service checks and reports by row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chengnuo.commitment.v1 import catalogue_pb2
from services.cli.tabular import EXAMPLE_MARK, Column, SourceRow, flag, split_list, whole_number

Method = catalogue_pb2.VerificationMethod
METHODS = {
    "书面核查": Method.VERIFICATION_METHOD_DOCUMENT,
    "书面": Method.VERIFICATION_METHOD_DOCUMENT,
    "document": Method.VERIFICATION_METHOD_DOCUMENT,
    "网络核验": Method.VERIFICATION_METHOD_ONLINE,
    "网络核查": Method.VERIFICATION_METHOD_ONLINE,
    "online": Method.VERIFICATION_METHOD_ONLINE,
    "实地调查": Method.VERIFICATION_METHOD_ON_SITE,
    "实地核查": Method.VERIFICATION_METHOD_ON_SITE,
    "现场核查": Method.VERIFICATION_METHOD_ON_SITE,
    "on_site": Method.VERIFICATION_METHOD_ON_SITE,
    "公示核查": Method.VERIFICATION_METHOD_PUBLIC_NOTICE,
    "public_notice": Method.VERIFICATION_METHOD_PUBLIC_NOTICE,
    "免予核查": Method.VERIFICATION_METHOD_EXEMPT,
    "exempt": Method.VERIFICATION_METHOD_EXEMPT,
}


def _c(key: str, field: str, aliases: tuple[str, ...], meaning: str, required: bool = False) -> Column:
    return Column(key, field, aliases, meaning, required)


COLUMNS = (
    _c("name", "item.name", ("事项名称", "证明事项名称", "证明名称"), "name of the certificate item", True),
    _c("legal_basis", "item.legal_basis", ("设定依据", "法律依据"), "law or document requiring it"),
    _c("certified_content", "item.certified_content", ("证明内容",), "what the certificate proves"),
    _c("issuing_authority", "item.issuing_authority", ("开具单位", "出具单位"), "who issues it"),
    _c("matters", "item.matters", ("办理事项", "适用事项", "涉及事项"), "matters using it, separated by 、"),
    _c("region_code", "item.region_code", ("区划代码", "适用区划"), "6-digit region (default --region)"),
    _c(
        "commitment_allowed",
        "item.commitment_allowed",
        ("是否告知承诺", "告知承诺"),
        "是/否 (blank: 是 when a method is given)",
    ),
    _c("high_risk", "item.high_risk", ("高风险", "是否高风险"), "是/否: may not allow commitment"),
    _c("safety_related", "item.safety_related", ("涉及安全", "安全相关"), "是/否: 特种设备、安全生产、消防"),
    _c(
        "verification_method",
        "item.verification.method",
        ("核查方式",),
        "书面核查/网络核验/实地调查/公示核查/免予核查",
    ),
    _c(
        "time_limit_working_days",
        "item.verification.time_limit_working_days",
        ("核查时限（工作日）", "核查时限"),
        "working days",
    ),
    _c("verification_standard", "item.verification.standard", ("核查标准",), "what the check looks at"),
    _c("exemption_conditions", "item.verification.exemption_conditions", ("免予核查条件",), "when exempt"),
    _c(
        "supervision_domain",
        "item.verification.supervision_domain",
        ("监管领域",),
        "domain its inspectors must be qualified for, e.g. special_equipment",
    ),
    _c("agency_name", "item.agency_name", ("实施机关", "告知机关"), "organ giving the notification"),
    _c(
        "certification_obligation", "item.notification.certification_obligation", ("证明义务",), "告知书 part"
    ),
    _c("licence_conditions", "item.notification.licence_conditions", ("许可条件",), "告知书 part"),
    _c("required_materials", "item.notification.required_materials", ("材料要求",), "告知书 part"),
    _c("commitment_method", "item.notification.commitment_method", ("承诺方式",), "告知书 part"),
    _c("civil_liability", "item.notification.civil_liability", ("民事责任",), "告知书 part"),
    _c(
        "administrative_liability", "item.notification.administrative_liability", ("行政责任",), "告知书 part"
    ),
    _c("criminal_liability", "item.notification.criminal_liability", ("刑事责任",), "告知书 part"),
    _c("verification_power", "item.notification.verification_power", ("核查权力",), "告知书 part"),
    _c("publication_scope", "item.notification.publication_scope", ("公开范围",), "告知书 part"),
    _c(
        "publication_months", "item.notification.publication_months", ("公开期限（月）", "公开期限"), "months"
    ),
    _c("letter_text", "item.letter.text", ("承诺书文本", "承诺书"), "letter with {placeholders}"),
    _c("item_id", "item_id", ("事项编号", "事项ID"), "id of the draft to update (blank: match by name)"),
)
EXAMPLE = (
    f"{EXAMPLE_MARK}营业场所使用证明",
    "《食品经营许可管理办法》第十二条",
    "申请人对经营场所享有合法使用权",
    "不动产登记机构",
    "食品经营许可、小餐饮登记",
    "350200",
    "是",
    "否",
    "否",
    "书面核查",
    "20",
    "核对不动产登记信息",
)
BY_KEY = {c.key: c for c in COLUMNS}


@dataclass(frozen=True)
class Problem:
    row: int
    field: str
    rule: str


def _set(message: Any, path: str, value: object) -> None:
    *parents, last = path.split(".")
    for part in parents:
        message = getattr(message, part)
    if isinstance(value, list):
        getattr(message, last).extend(value)
    else:
        setattr(message, last, value)


def _method(text: str) -> int:
    key = text.strip().lower().replace("-", "_")
    if key not in METHODS:
        raise ValueError(f"{text!r} is not one of 书面核查, 网络核验, 实地调查, 公示核查, 免予核查")
    return METHODS[key]


PARSERS: dict[str, Callable[[str], object]] = {
    "matters": split_list,
    "commitment_allowed": flag,
    "high_risk": flag,
    "safety_related": flag,
    "verification_method": _method,
    "time_limit_working_days": whole_number,
    "publication_months": whole_number,
}


def import_row(source: SourceRow, default_region: str) -> tuple[catalogue_pb2.ImportRow, list[Problem]]:
    """The row as the service takes it, and what could not be read (then the row is not sent)."""
    row = catalogue_pb2.ImportRow(row_number=source.number)
    problems: list[Problem] = []
    for key, text in source.values.items():
        column = BY_KEY[key]
        try:
            value = PARSERS.get(key, str.strip)(text)
        except ValueError as error:
            problems.append(Problem(source.number, column.field, str(error)))
            continue
        if value is not None and value != "":
            _set(row, column.field, value)
    if not row.item.region_code:
        row.item.region_code = default_region
    if flag_blank(source, "commitment_allowed"):
        row.item.commitment_allowed = bool(row.item.verification.method) and not row.item.high_risk
    return row, problems


def flag_blank(source: SourceRow, key: str) -> bool:
    return not source.get(key).strip()
