from __future__ import annotations

import pytest

from services.kernel.identifiers import (
    USCC_ALPHABET,
    org_code_check_char,
    region_covers,
    resident_id_check_char,
    uscc_check_char,
    validate_region_code,
    validate_resident_id,
    validate_uscc,
)


@pytest.mark.parametrize("code", ["91350200MA2YJ1XR9G", "91350213678251743X"])
def test_published_sample_codes_are_valid(code: str) -> None:
    assert validate_uscc(code) == code


def _uscc_with_check(wanted: str) -> str:
    """A valid USCC (organisation check included) whose check character is `wanted`."""
    for region in range(350200, 350300):
        for serial in range(100):
            org8 = f"678251{serial:02d}"
            first17 = f"91{region}{org8}{org_code_check_char(org8)}"
            if uscc_check_char(first17) == wanted:
                return first17 + wanted
    raise AssertionError(f"no code found with check {wanted}")


@pytest.mark.parametrize("check", list(USCC_ALPHABET))
def test_every_uscc_check_character_validates_and_any_other_is_refused(check: str) -> None:
    code = _uscc_with_check(check)
    assert validate_uscc(code) == code
    for wrong in USCC_ALPHABET.replace(check, ""):
        with pytest.raises(ValueError, match="check character"):
            validate_uscc(code[:17] + wrong)


def test_uscc_is_normalised_to_upper_case() -> None:
    assert validate_uscc(" 91350200ma2yj1xr9g ") == "91350200MA2YJ1XR9G"


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        ("91350200MA2YJ1XR9", "18 characters"),
        ("91350200MA2YJ1XR9I", "without I, O, S, V, Z"),
        ("913502A0MA2YJ1XR9G", "region code"),
        ("91350200MA2YJ1XR8G", "GB 11714"),
    ],
)
def test_uscc_rules_are_named(code: str, rule: str) -> None:
    with pytest.raises(ValueError, match=rule):
        validate_uscc(code)


def _resident_id_with_check(wanted: str) -> str:
    for serial in range(1000):
        first17 = f"11010519491231{serial:03d}"
        if resident_id_check_char(first17) == wanted:
            return first17 + wanted
    raise AssertionError(wanted)


@pytest.mark.parametrize("check", list("0123456789X"))
def test_every_resident_id_check_character_validates_and_any_other_is_refused(check: str) -> None:
    code = _resident_id_with_check(check)
    assert validate_resident_id(code) == code
    for wrong in "0123456789X".replace(check, ""):
        with pytest.raises(ValueError, match="check character"):
            validate_resident_id(code[:17] + wrong)


def test_lower_case_x_is_normalised() -> None:
    code = _resident_id_with_check("X")
    assert validate_resident_id(code.lower()) == code


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        ("11010519490230001X", "real birth date"),
        ("11010518000101001X", "after 1900"),
        ("1101051949123100A1", "17 digits"),
        ("110105194912310", "17 digits"),
    ],
)
def test_resident_id_rules_are_named(code: str, rule: str) -> None:
    with pytest.raises(ValueError, match=rule):
        validate_resident_id(code)


def test_region_codes() -> None:
    assert validate_region_code("350200") == "350200"
    for bad in ("35020", "3502000", "00ABCD", "003502"):
        with pytest.raises(ValueError, match="region code"):
            validate_region_code(bad)
    assert region_covers("350000", "350203")
    assert region_covers("350200", "350203")
    assert region_covers("350203", "350203")
    assert not region_covers("350200", "350100")
    assert not region_covers("350203", "350200")
