"""The demo's world: two Xiamen departments, their certificate items, enterprises and staff.

Names and codes look real but are generated; the legal bases are the real instruments.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from chengnuo.commitment.v1 import catalogue_pb2 as cpb
from services.kernel.identifiers import USCC_ALPHABET, org_code_check_char, uscc_check_char

REGION = "350200"  # 厦门市
DISTRICTS = ("350203", "350205", "350206", "350211", "350212", "350213")  # 思明 海沧 湖里 集美 同安 翔安


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    parent: str
    domain: str  # supervision domain its inspectors are qualified for
    inspection_type: str  # type of its random inspections, for the annual cap


MARKET = Department("350200-SCJ", "厦门市市场监督管理局", "350000-SCJ", "food_safety", "FOOD_SAFETY")
HOUSING = Department("350200-JSJ", "厦门市建设局", "350000-JSJ", "construction", "CONSTRUCTION_QUALITY")
PROVINCE = (
    Department("350000-SCJ", "福建省市场监督管理局", "", "food_safety", "FOOD_SAFETY"),
    Department("350000-JSJ", "福建省住房和城乡建设厅", "", "construction", "CONSTRUCTION_QUALITY"),
)


def _item(department: Department, method: int, days: int, standard: str, **draft: Any) -> cpb.ItemDraft:
    """A draft of the demo's catalogues: every one is Xiamen's, allows commitment and is verified by
    `method` within `days` working days, in its department's supervision domain."""
    verification = cpb.VerificationRule(
        method=method,  # type: ignore[arg-type]
        time_limit_working_days=days,
        standard=standard,
        supervision_domain=department.domain,
    )
    return cpb.ItemDraft(
        region_code=REGION,
        commitment_allowed=True,
        agency_name=department.name,
        verification=verification,
        **draft,
    )


def market_items() -> list[cpb.ItemDraft]:
    return [
        _item(
            MARKET,
            cpb.VERIFICATION_METHOD_DOCUMENT,
            30,
            "核对不动产登记及租赁备案信息",
            name="经营场所使用证明",
            legal_basis="《食品经营许可和备案管理办法》第十四条",
            certified_content="申请人对经营场所享有合法使用权",
            issuing_authority="不动产登记机构",
            matters=["食品经营许可"],
        ),
        _item(
            MARKET,
            cpb.VERIFICATION_METHOD_ONLINE,
            10,
            "核对企业名称登记系统",
            name="企业名称预先核准证明",
            legal_basis="《企业名称登记管理规定》第十七条",
            certified_content="企业名称已经核准",
            issuing_authority="市场监督管理部门",
            matters=["设立登记"],
        ),
    ]


def health_item() -> cpb.ItemDraft:
    """Personal health is a high-risk domain: commitment may not replace this certificate."""
    return _item(
        MARKET,
        cpb.VERIFICATION_METHOD_DOCUMENT,
        10,
        "核对健康证明",
        name="食品从业人员健康证明",
        legal_basis="《中华人民共和国食品安全法》第四十五条",
        certified_content="从业人员取得健康证明",
        issuing_authority="医疗卫生机构",
        matters=["食品经营许可"],
        high_risk=True,
    )


def housing_items() -> list[cpb.ItemDraft]:
    return [
        _item(
            HOUSING,
            cpb.VERIFICATION_METHOD_ONLINE,
            15,
            "核对社会保险缴费记录",
            name="社会保险缴纳证明",
            legal_basis="《建筑业企业资质管理规定》第十三条",
            certified_content="技术负责人在本企业缴纳社会保险",
            issuing_authority="社会保险经办机构",
            matters=["建筑业企业资质核准"],
        ),
    ]


def uscc(rng: random.Random, region: str) -> str:
    while True:
        org8 = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
        first17 = f"91{region}{org8}{org_code_check_char(org8)}"
        if all(c in USCC_ALPHABET for c in first17):
            return first17 + uscc_check_char(first17)


_TRADE = ("餐饮", "食品", "建筑工程", "装饰工程", "贸易", "科技", "供应链", "物业")
_WORDS = ("鹭岛", "海峡", "嘉禾", "筼筜", "鼓浪", "五缘", "集美", "同安", "翔云", "海沧", "思明", "湖光")


@dataclass(frozen=True)
class Enterprise:
    code: str
    name: str
    region: str
    industry: str


def enterprises(count: int, seed: int = 2026) -> list[Enterprise]:
    rng = random.Random(seed)  # noqa: S311 (reproducible demo data, not a secret)
    found = []
    for n in range(count):
        region = rng.choice(DISTRICTS)
        trade = _TRADE[n % len(_TRADE)]
        industry = "H62" if trade in ("餐饮", "食品") else "E47" if "工程" in trade else "F51"
        name = f"厦门{rng.choice(_WORDS)}{rng.choice(_WORDS)}{trade}有限公司"
        found.append(Enterprise(uscc(rng, region), name, region, industry))
    return found
