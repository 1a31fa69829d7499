"""Letter templates: checking them, filling them in, matching a signed text, the public view."""

from __future__ import annotations

import datetime as dt

from chengnuo.commitment.v1 import catalogue_pb2, commitment_pb2
from services.commitment.domain import letters, standard_texts
from services.kernel.errors import Violations

Kind = catalogue_pb2.LetterFieldKind
PHONE = catalogue_pb2.LetterField(name="contact_phone", label="联系电话", kind=Kind.LETTER_FIELD_KIND_PHONE)
ADDRESS = catalogue_pb2.LetterField(name="home", label="住址", kind=Kind.LETTER_FIELD_KIND_PRIVATE)
OWNER = catalogue_pb2.LetterField(
    name="legal_representative", label="法定代表人", kind=Kind.LETTER_FIELD_KIND_PERSON_NAME, required=True
)
ID = catalogue_pb2.LetterField(name="owner_id", label="身份证号", kind=Kind.LETTER_FIELD_KIND_RESIDENT_ID)
PLAN = catalogue_pb2.LetterField(name="process", label="生产工艺", kind=Kind.LETTER_FIELD_KIND_TEXT)
TEXT = (
    "承诺人{subject_name}（{subject_code}）就{item_name}承诺。法定代表人{legal_representative}，"
    "身份证{owner_id}，电话{contact_phone}，住址{home}，工艺{process}。{signed_on}"
)
TEMPLATE = catalogue_pb2.LetterTemplate(text=TEXT, fields=[PHONE, ADDRESS, OWNER, ID, PLAN])
ITEM = catalogue_pb2.ItemDraft(
    name="场所证明", certified_content="合法使用权", agency_name="某局", letter=TEMPLATE
)
ME = letters.Applicant(
    "SUBJECT_KIND_LEGAL_PERSON", "91350200MA2YJ1XR9G", "厦门示例有限公司", "C-1", dt.date(2026, 3, 2)
)
VALUES = [
    commitment_pb2.LetterValue(name="legal_representative", value="张三丰"),
    commitment_pb2.LetterValue(name="owner_id", value="11010519491231002X"),
    commitment_pb2.LetterValue(name="contact_phone", value="13800138000"),
    commitment_pb2.LetterValue(name="home", value="思明区某路1号"),
    commitment_pb2.LetterValue(name="process", value="秘制配方A", trade_secret=True),
]


def _problems(template: catalogue_pb2.LetterTemplate) -> list[tuple[str, str]]:
    v = Violations()
    letters.check_template(v, "item.letter", template)
    return [(p.field, p.description) for p in v.items]


def test_a_template_may_use_standard_and_declared_placeholders_only() -> None:
    assert _problems(TEMPLATE) == []
    assert _problems(catalogue_pb2.LetterTemplate(text=standard_texts.LETTER)) == []
    unknown = _problems(catalogue_pb2.LetterTemplate(text="我是{nickname}"))
    assert unknown == [
        ("item.letter.text", "unknown placeholder {nickname}: not standard and not declared in fields")
    ]
    unused = _problems(catalogue_pb2.LetterTemplate(text="无占位符", fields=[PHONE]))
    assert unused == [
        ("item.letter.fields", "contact_phone is declared but the text never uses {contact_phone}")
    ]


def test_malformed_templates_are_refused_with_the_rule() -> None:
    (broken,) = _problems(catalogue_pb2.LetterTemplate(text="金额{subject_name"))
    assert broken[0] == "item.letter.text"
    assert "{{" in broken[1]
    (spec,) = _problems(catalogue_pb2.LetterTemplate(text="{subject_name:>10}"))
    assert "format or conversion" in spec[1]
    assert _problems(catalogue_pb2.LetterTemplate(text="字面 {{括号}} {subject_name}")) == []
    clash = catalogue_pb2.LetterField(name="subject_name", label="x", kind=Kind.LETTER_FIELD_KIND_TEXT)
    fields = [f for f, _ in _problems(catalogue_pb2.LetterTemplate(text="{subject_name}", fields=[clash]))]
    assert fields == ["item.letter.fields[0].name"]
    no_kind = catalogue_pb2.LetterField(name="x", label="x")
    fields = [f for f, _ in _problems(catalogue_pb2.LetterTemplate(text="{x}", fields=[no_kind]))]
    assert fields == ["item.letter.fields[0].kind"]


def test_values_are_checked_against_the_declared_fields() -> None:
    v = Violations()
    wrong = [
        commitment_pb2.LetterValue(name="contact_phone", value="call me"),
        commitment_pb2.LetterValue(name="owner_id", value="110105194912310021"),
        commitment_pb2.LetterValue(name="favourite", value="x"),
        commitment_pb2.LetterValue(name="contact_phone", value="13800138000"),
        commitment_pb2.LetterValue(name="process", value="长" * 201),
    ]
    letters.check_values(v, "letter.values", TEMPLATE, wrong)
    assert [(p.field, p.description.split(":")[0]) for p in v.items] == [
        ("letter.values[0].value", "a phone number"),
        ("letter.values[1].value", "the check character (18th) does not match"),
        ("letter.values[2].name", "not a field of the item version's letter template, or given twice"),
        ("letter.values[3].name", "not a field of the item version's letter template, or given twice"),
        ("letter.values[4].value", "at most 200 characters"),
        ("letter.values", "legal_representative (法定代表人) is required by the letter template"),
    ]


def test_the_filled_template_matches_and_a_changed_part_is_named() -> None:
    values = letters.filled(ITEM, "D", ME, VALUES)
    text = letters.render(TEXT, values)
    assert "承诺人厦门示例有限公司（91350200MA2YJ1XR9G）就场所证明承诺" in text
    assert text.endswith("2026年3月2日")
    assert letters.mismatch(TEXT, values, text, 3) is None
    other_name = text.replace("厦门示例有限公司", "别的公司")
    assert letters.mismatch(TEXT, values, other_name, 3) == (
        "where the template has {subject_name} the letter must read the subject_name given: "
        "'厦门示例有限公司'"
    )
    other_phone = text.replace("13800138000", "13900139000")
    assert "{contact_phone}" in str(letters.mismatch(TEXT, values, other_phone, 3))
    assert "letter.values[contact_phone]" in str(letters.mismatch(TEXT, values, other_phone, 3))
    edited = text.replace("承诺。", "保证。")
    assert letters.mismatch(TEXT, values, edited, 3) == (
        "differs from the template text of item version 3 at line 1, column 37"
    )
    assert letters.mismatch(TEXT, values, text + "另附", 3) == (
        "has text after the end of the template of item version 3"
    )


def test_the_public_view_masks_personal_data_and_withholds_secrets() -> None:
    values = letters.filled(ITEM, "D", ME, VALUES)
    shown, withheld = letters.public_values(TEMPLATE, values, {"process"}, ME.subject_kind)
    text = letters.render(TEXT, shown)
    assert "厦门示例有限公司" in text  # a legal person's name is public
    assert "张**" in text
    assert "张三丰" not in text
    assert "110105********002X" in text
    assert "19491231" not in text
    assert "138****8000" in text
    assert "思明区" not in text
    assert standard_texts.PRIVACY_NOTICE in text
    assert "秘制配方A" not in text
    assert standard_texts.TRADE_SECRET_NOTICE in text
    assert [(w.name, w.reason) for w in withheld] == [
        ("home", "WITHHELD_REASON_PERSONAL_PRIVACY"),
        ("process", "WITHHELD_REASON_TRADE_SECRET"),
    ]


def test_a_natural_person_is_masked_in_the_standard_placeholders() -> None:
    person = letters.Applicant(
        "SUBJECT_KIND_NATURAL_PERSON", "11010519491231002X", "李四", "C-2", ME.signed_on
    )
    values = letters.filled(ITEM, "D", person, VALUES)
    shown, _ = letters.public_values(TEMPLATE, values, set(), person.subject_kind)
    assert shown["subject_name"] == "李*"
    assert shown["subject_code"] == "110105********002X"
    assert shown["process"] == "秘制配方A"  # not marked a trade secret this time


def test_the_hash_is_sha256_of_the_utf8_text() -> None:
    assert letters.sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert letters.sha256("承诺") != letters.sha256("承诺 ")
