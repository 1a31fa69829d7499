"""The personal-data detector (services/kernel/pii.py) over a corpus of the forms free text holds:
every way a resident ID or mobile number is written, names of natural persons with their cues,
and what must be left alone because masking it would garble published text (USCCs, case
numbers, dates, amounts, order numbers, minted ids, company names)."""

from __future__ import annotations

import itertools

import pytest

from services.kernel import masking, pii
from services.kernel.errors import DESCRIPTION_LIMIT, Violations
from services.kernel.identifiers import (
    org_code_check_char,
    resident_id_check_char,
    uscc_check_char,
    validate_uscc,
)
from services.kernel.screening import FIELD, MASK, NONE, UNSPECIFIED, NameScreen, NamesFlagged

ID18 = "350203199001011234"  # digits 7-14 a real birth date (1990-01-01); no valid check digit
VALID_ID = "11010519491231002X"
ID15 = "350203900101123"  # 一代身份证: region, YYMMDD 900101, sequence 123
MOBILE = "13800138000"
WIDE = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")

RESIDENT_IDS = [
    (ID18, ID18),
    (VALID_ID, VALID_ID),
    ("11010519491231002x", VALID_ID),
    ("350203 19900101 1234", ID18),
    ("3502 0319 9001 0112 34", ID18),
    ("350203-19900101-1234", ID18),
    ("350203 - 19900101 - 1234", ID18),
    ("350203 19900101 123X", "35020319900101123X"),
    (ID18.translate(WIDE), ID18),
    ("３５０２０３19900101１２３４", ID18),
    ("350203　19900101　1234", ID18),  # ideographic spaces
    (ID15, ID15),
    ("350203 900101 123", ID15),
    (ID15.translate(WIDE), ID15),
]
MOBILES = [
    MOBILE,
    "138-0013-8000",
    "138 0013 8000",
    "138.0013.8000",
    "138．0013．8000",
    "138·0013·8000",
    "1380 013 8000",
    MOBILE.translate(WIDE),
    "１３８．００１３．８０００",
    "138００13８000",  # mixed ASCII and full-width
    "138－0013－8000",
]
# Written with a country prefix: the prefix stays as written, the number is masked.
PREFIXED = [
    ("+86 138 0013 8000", "+86 138****8000"),
    ("+86-138-0013-8000", "+86-138****8000"),
    ("+8613800138000", "+86138****8000"),
    ("8613800138000", "86138****8000"),
    ("（+86）13800138000", "（+86）138****8000"),
    ("＋８６ １３８ ００１３ ８０００", "＋８６ 138****8000"),
]


def _digit_uscc_looking_like_an_id() -> str:
    """An all-digit USCC (机构编制, 12) whose first 14 digits read as province 12 and the birth
    date 2005-06-07, with valid USCC check characters and an ID check digit that fails."""
    for tail in itertools.product("0123456789", repeat=2):
        org8 = "050607" + "".join(tail)
        first17 = f"12351920{org8}{org_code_check_char(org8)}"
        if not first17.isdigit():
            continue
        code = first17 + uscc_check_char(first17)
        if code.isdigit() and resident_id_check_char(first17) != code[17]:
            return validate_uscc(code)
    raise AssertionError("no such USCC")


NOT_PERSONAL = [
    "统一社会信用代码91350213678251743X",
    "91350200M000100Y43",
    _digit_uscc_looking_like_an_id(),
    "厦市监承〔2026〕12号",
    "（2026）闽0203行初123号",
    "闽厦市监罚〔2026〕00123号",
    "案号CASE-2026-0315-000123",
    "2026-03-15",
    "2026年3月15日",
    "1990.01.01",
    "20260315",
    "罚款人民币13800138000元",
    "¥13800138000",
    "￥ 13800138000",
    "共计13800138000.00元",
    "13 800 138 000 元",
    "13 800 138 000",
    "增长13800138000%",
    "1,380,013,800元",
    "订单号202603150000123456",  # 18 digits from a date: no province 20
    "订单号：350203199001011234",  # labelled as an order number
    "流水号350203199001011234",
    "999999199001011234",  # no province 99
    "350203199013011234",  # month 13: no birth date
    "350203191302301234",  # 30 February
    "35020320260315000012",  # a commitment code (20 digits)
    "3502032026031500001234",
    "350203901301123",  # 15 digits, month 13
    "1f0e8a2c-4d6b-4e0f-9a1b-13912345678a",  # a UUID holding 11 digits
    "a3f5" * 4 + "13912345678" + "b2" * 10,  # a hex digest holding 11 digits
    "12345678901",  # 11 digits, not a mobile (no 1[3-9])
    "0592-5123456",  # a landline of an office
    "第1 3800 138 000",
    "v1.13800138000.2",
    "13800138000.5",
    "厦门示例餐饮有限公司",
]


@pytest.mark.parametrize(("written", "value"), RESIDENT_IDS)
def test_resident_ids_are_found_however_written(written: str, value: str) -> None:
    text = f"经核查，承诺人（身份证号{written}）无该场所使用权。"
    (span,) = pii.find_numbers(text)
    assert (span.kind, span.value, text[span.start : span.end]) == (pii.Kind.RESIDENT_ID, value, written)
    masked = masking.mask_free_text(text)
    assert masked == text.replace(written, masking.mask_resident_id(value))
    assert value[6:14] not in masked.translate(str.maketrans("", "", " -　")) or len(value) == 15


@pytest.mark.parametrize("written", MOBILES)
def test_mobiles_are_found_however_written(written: str) -> None:
    text = f"联系电话{written}，工作日可联系。"
    (span,) = pii.find_numbers(text)
    assert (span.kind, span.value) == (pii.Kind.MOBILE, MOBILE)
    assert masking.mask_free_text(text) == "联系电话138****8000，工作日可联系。"


@pytest.mark.parametrize(("written", "masked"), PREFIXED)
def test_a_country_prefix_stays_and_the_number_is_masked(written: str, masked: str) -> None:
    assert masking.mask_free_text(f"手机{written}。") == f"手机{masked}。"


def test_masked_numbers_take_the_canonical_shape_without_a_birth_date() -> None:
    assert masking.mask_resident_id(ID18) == "350203********1234"
    assert masking.mask_resident_id("3502 0319 9001 0112 34") == "350203********1234"
    assert masking.mask_resident_id(ID18.translate(WIDE)) == "350203********1234"
    # A 15-digit ID's birth date ends at digit 12: its last 4 would show one digit of it.
    assert masking.mask_resident_id(ID15) == "350203******123"
    assert masking.mask_phone("138.0013.8000") == "138****8000"
    assert masking.mask_phone(MOBILE.translate(WIDE)) == "138****8000"
    assert masking.mask_phone("+86 138 0013 8000") == "138****8000"
    assert masking.mask_phone("0592-5123456") == "059****3456"  # a phone field's landline too


def test_ids_and_mobiles_in_one_text_each_masked_and_nothing_else_touched() -> None:
    text = (
        f"当事人（身份证{ID15}，旧证；新证3502 0319 9001 0112 34）于2026年3月15日在厦市监承〔2026〕12号"
        f"案中承诺，联系电话１３８．００１３．８０００、139-0013-9000，罚款5000元，"
        f"统一社会信用代码91350213678251743X。"
    )
    masked = masking.mask_free_text(text)
    assert masked == (
        "当事人（身份证350203******123，旧证；新证350203********1234）于2026年3月15日在厦市监承〔2026〕12号"
        "案中承诺，联系电话138****8000、139****9000，罚款5000元，"
        "统一社会信用代码91350213678251743X。"
    )


@pytest.mark.parametrize("text", NOT_PERSONAL)
def test_what_is_not_personal_data_is_left_alone(text: str) -> None:
    assert pii.find(text) == []
    assert masking.mask_free_text(text) == text


def test_adjacent_numbers_are_told_apart() -> None:
    text = f"证件{ID18} 2份；{ID18}、{MOBILE}；编号1234 {ID18}"
    id_, mobile = pii.Kind.RESIDENT_ID, pii.Kind.MOBILE
    assert [s.kind for s in pii.find_numbers(text)] == [id_, id_, mobile, id_]
    assert "19900101" not in masking.mask_free_text(text)


NAMES = [
    ("代理人张三丰提交了虚假的场所证明", "张三丰", "代理人张三丰"),
    ("法定代表人：李四", "李四", "法定代表人：李四"),
    ("法定代表人: 李四未到场", "李四", "法定代表人: 李四"),
    ("经办人王五称已提交", "王五", "经办人王五"),
    ("负责人为陈小明", "陈小明", "负责人为陈小明"),
    ("联系人：欧阳娜娜", "欧阳娜娜", "联系人：欧阳娜娜"),
    ("委托代理人林大海于当日到场", "林大海", "委托代理人林大海"),
    ("当事人黄晓明承认", "黄晓明", "当事人黄晓明"),
    ("申请人：于谦", "于谦", "申请人：于谦"),
    ("经现场核查，李明先生不在场", "李明", "李明先生"),
    ("王芳女士确认", "王芳", "王芳女士"),
    ("诸葛亮先生", "诸葛亮", "诸葛亮先生"),
    ("张三丰（法定代表人）签字确认", "张三丰", "张三丰（法定代表人）"),
    (f"经查，陈小明（身份证号{ID18}）", "陈小明", "陈小明（身份证"),
    (f"赵六 {MOBILE}", "赵六", "赵六"),
    ("姓名：刘洋", "刘洋", "姓名：刘洋"),
    ("法定代表人：李四两年内两次作出虚假承诺", "李四", "法定代表人：李四"),
    ("经办人刘洋暂停其补贴资格", "刘洋", "经办人刘洋"),
    ("当事人赵六知情", "赵六", "当事人赵六"),
]


@pytest.mark.parametrize(("text", "name", "shown"), NAMES)
def test_names_with_their_cues_are_flagged(text: str, name: str, shown: str) -> None:
    (found,) = pii.find_names(text)
    assert (found.kind, found.value, text[found.start : found.end], found.excerpt) == (
        pii.Kind.PERSON_NAME,
        name,
        name,
        shown,
    )
    masked = masking.mask_names(text, [found])
    assert masked == text.replace(name, masking.mask_person_name(name), 1)
    assert name not in masked


def test_a_list_of_names_after_one_role_is_flagged_whole() -> None:
    found = pii.find_names("执法人员张三、李四和王五到场；经办人赵六")
    assert [n.value for n in found] == ["张三", "李四", "王五", "赵六"]
    assert masking.mask_names("经办人王五、赵六", pii.find_names("经办人王五、赵六")) == "经办人王*、赵*"


NOT_NAMES = [
    "申请人张某承认",  # a pseudonym already
    "当事人李某某到场",
    "王女士确认",  # a surname alone identifies no one
    "感谢王老师",
    "申请人于2026年3月1日提交",
    "申请人于当日提交材料",
    "申请人提交的营业执照",
    "法定代表人未到场",
    "联系人电话13800138000",
    "董事长电话13800138000",
    "代理人向本机关提交",
    "当事人（身份证350203199001011234）",
    "负责人员到场",
    "法人及非法人组织",
    "厦门示例餐饮有限公司",
    "李宁体育用品有限公司",  # a company name, no cue
    "经营场所位于王府井大街",
    "厦市监承〔2026〕12号",
]


@pytest.mark.parametrize("text", NOT_NAMES)
def test_what_is_no_name_is_not_flagged(text: str) -> None:
    assert pii.find_names(text) == []


def test_find_gives_every_kind_in_order() -> None:
    text = f"代理人张三丰（身份证{ID15}，电话138.0013.8000）"
    assert [(s.kind, s.value) for s in pii.find(text)] == [
        (pii.Kind.PERSON_NAME, "张三丰"),
        (pii.Kind.RESIDENT_ID, ID15),
        (pii.Kind.MOBILE, MOBILE),
    ]
    assert "张三丰" in masking.mask_free_text(text)  # names are masked only when the officer says so


def test_an_unspoken_choice_is_refused_with_bounded_excerpts_and_no_name_in_the_message() -> None:
    screen = NameScreen.of(Violations(), UNSPECIFIED)
    findings = "；".join(f"代理人{n}提交" for n in ["张三丰", "李四", "王五", "赵六", "刘洋", "陈小明"])
    assert screen.text("findings", findings) == findings
    assert screen.text("measures[0].note", "经办人欧阳娜娜" + "很" * 500).startswith("经办人欧阳娜娜")
    with pytest.raises(NamesFlagged) as refused:
        screen.check()
    violations = {v.field: v.description for v in refused.value.violations}
    assert list(violations) == [FIELD, "findings", "measures[0].note"]
    assert "代理人张三丰" in violations["findings"]
    assert "and 2 more" in violations["findings"]
    assert all(len(d) <= DESCRIPTION_LIMIT for d in violations.values())
    assert "findings" in refused.value.message
    assert not any(n in refused.value.message for n in ["张三丰", "欧阳娜娜"])  # the message is logged


def test_a_choice_masks_or_keeps_and_nothing_found_needs_none() -> None:
    masked = NameScreen.of(Violations(), MASK)
    assert masked.text("reasons", "法定代表人：李四虚假承诺") == "法定代表人：李*虚假承诺"
    masked.check()
    kept = NameScreen.of(Violations(), NONE)
    assert kept.text("reasons", "法定代表人：李四虚假承诺") == "法定代表人：李四虚假承诺"
    kept.check()
    silent = NameScreen.of(Violations(), UNSPECIFIED)
    assert silent.text("reasons", "两年内两次作出虚假承诺") == "两年内两次作出虚假承诺"
    silent.check()
    v = Violations()
    NameScreen.of(v, 7)
    assert [i.field for i in v.items] == [FIELD]
