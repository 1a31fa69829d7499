from __future__ import annotations

from services.kernel.masking import mask_free_text, mask_person_name, mask_phone, mask_resident_id


def test_resident_id_keeps_region_and_last_four_only() -> None:
    masked = mask_resident_id("11010519491231002X")
    assert masked == "110105********002X"
    assert "19491231" not in masked


def test_phone_and_names() -> None:
    assert mask_phone("13800138000") == "138****8000"
    assert mask_person_name("张三") == "张*"
    assert mask_person_name("欧阳娜娜") == "欧***"
    assert mask_person_name("") == ""


def test_free_text_masks_every_id_and_phone() -> None:
    text = "申请人11010519491231002X, 电话13800138000, 另一证件110105194912310029。"
    masked = mask_free_text(text)
    assert "19491231" not in masked
    assert "13800138000" not in masked
    assert "138****8000" in masked
    assert masked.count("********") == 2


def test_ids_next_to_letters_and_phones_in_other_spellings_are_masked() -> None:
    text = "证件ID11010519491231002X；电话 +86 138 0013 8000，另 139-0013-9000；单位代码91350213678251743X"
    masked = mask_free_text(text)
    assert "ID110105********002X" in masked
    assert "+86 138****8000" in masked
    assert "139****9000" in masked
    assert "91350213678251743X" in masked  # a company's code is public and has no birth date
    assert "19491231" not in masked
