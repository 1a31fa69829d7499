"""The notification (告知书) of an item version, with no I/O.

Its parts are those 《祁阳市提升行政执法质量建设法治营商环境工作方案》三(三)11 and 国办发〔2020〕42号
require: item name, legal basis, what must be certified, licence conditions and materials, how
to commit, the civil, administrative and criminal liability for a false commitment, the power to
verify (with the item's verification rule), and whether, how widely and how long letters are
published.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from services.commitment.domain import standard_texts
from services.commitment.domain.items import ItemDraft, Method, NotificationTerms, VerificationRule
from services.kernel.clock import china_date

_NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    title: str
    body: str


def sections(item: ItemDraft) -> list[Section]:
    terms = item.notification
    parts = [
        ("item", "事项名称", _item(item)),
        ("legal_basis", "设定依据", item.legal_basis),
        ("certification", "证明义务和证明内容", _certification(item)),
        ("conditions", "许可条件和材料要求", _conditions(terms)),
        ("commitment_method", "承诺方式", terms.commitment_method),
        ("liability", "不实承诺的法律责任", _liability(terms)),
        ("verification", "核查权力和核查方式", f"{terms.verification_power}\n{_rule(item.verification)}"),
        ("publication", "承诺书的公开", _publication(terms)),
    ]
    return [Section(k, t, b.strip()) for k, t, b in parts]


def _item(item: ItemDraft) -> str:
    matters = "、".join(item.matters)
    used = f"\n适用的行政事项：{matters}" if matters else ""
    return f"{item.name}{used}"


def _certification(item: ItemDraft) -> str:
    # The certified content (证明内容) comes from the item itself, not from the obligation text:
    # a department that writes its own obligation wording must not drop it
    # (《祁阳市提升行政执法质量建设法治营商环境工作方案》三(三)11).
    return "\n".join(
        [
            f"证明义务：{item.notification.certification_obligation.strip()}",
            f"证明内容：{item.certified_content.strip()}",
        ]
    )


def _conditions(terms: NotificationTerms) -> str:
    return "\n".join(
        [
            f"许可条件：{terms.licence_conditions.strip()}",
            f"材料要求：{terms.required_materials.strip()}",
        ]
    )


def _liability(terms: NotificationTerms) -> str:
    return "\n".join(
        [
            f"（一）民事责任：{terms.civil_liability}",
            f"（二）行政责任：{terms.administrative_liability}",
            f"（三）刑事责任：{terms.criminal_liability}",
        ]
    )


def _rule(rule: VerificationRule) -> str:
    method = Method(rule.method).wire_name
    lines = [f"核查方式：{standard_texts.VERIFICATION_METHODS.get(method, '未规定')}"]
    if rule.time_limit_working_days:
        lines.append(f"核查时限：事项办结后{rule.time_limit_working_days}个工作日内完成核查")
    if rule.standard:
        lines.append(f"核查标准：{rule.standard}")
    if rule.exemption_conditions:
        lines.append(f"免予核查的条件：{rule.exemption_conditions}")
    return "\n".join(lines)


def _publication(terms: NotificationTerms) -> str:
    period = (
        f"公开期限为{terms.publication_months}个月"
        if terms.publication_months
        else "公开期限按照政府信息公开的有关规定执行"
    )
    return (
        f"除涉及个人隐私和商业秘密的内容外，承诺书将通过{terms.publication_scope}向社会公开，"
        f"{period}。申请人认为承诺书中含有商业秘密的，应当在承诺时予以标明。"
    )


def text(
    item: ItemDraft,
    version: int,
    published_at: dt.datetime,
    parts: Sequence[Section],
) -> str:
    """The whole notice as printable text."""
    day = china_date(published_at)
    head = [
        "证明事项告知承诺制告知书",
        "",
        f"告知机关：{item.agency_name}",
        f"证明事项：{item.name}（目录第{version}版，{day.year}年{day.month}月{day.day}日公布）",
        "",
        "根据《国务院办公厅关于全面推行证明事项和涉企经营许可事项告知承诺制的指导意见》，现将有关事项告知如下：",
    ]
    body = [f"\n{_numeral(i)}、{p.title}\n{p.body}" for i, p in enumerate(parts, start=1)]
    tail = ["", "申请人可以自主选择是否采用告知承诺制方式办理。选择承诺的，请签署所附承诺书。"]
    return "\n".join([*head, *body, *tail]) + "\n"


def _numeral(n: int) -> str:
    return _NUMERALS[n - 1] if n <= len(_NUMERALS) else str(n)
