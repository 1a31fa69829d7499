"""Chinese subject identifiers and their check characters.

USCC: 统一社会信用代码, GB 32100-2015, with the embedded organisation code of GB 11714.
Resident ID: 公民身份号码, GB 11643-1999.
Each validator returns the normalised code or raises ValueError saying which rule failed.
"""

from __future__ import annotations

import datetime as dt
import re

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_REGION = re.compile(r"[0-9]{6}")


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    # GB 11714 values letters A..Z as 10..35.
    total = sum(int(c, 36) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def validate_uscc(code: str) -> str:
    code = code.strip().upper()
    if len(code) != 18:
        raise ValueError("a USCC has 18 characters")
    if any(c not in USCC_ALPHABET for c in code):
        raise ValueError("a USCC uses only 0-9 and A-Y without I, O, S, V, Z")
    if not _REGION.fullmatch(code[2:8]):
        raise ValueError("characters 3-8 of a USCC are a 6-digit region code")
    if org_code_check_char(code[8:16]) != code[16]:
        raise ValueError("the organisation code (characters 9-17) fails its GB 11714 check")
    if uscc_check_char(code[:17]) != code[17]:
        raise ValueError("the check character (18th) does not match")
    return code


def resident_id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def birth_date(code: str) -> dt.date:
    return dt.date(int(code[6:10]), int(code[10:12]), int(code[12:14]))


def validate_resident_id(code: str) -> str:
    code = code.strip().upper()  # a lower-case x check character is common on forms
    if len(code) != 18 or not code[:17].isdigit() or not (code[17].isdigit() or code[17] == "X"):
        raise ValueError("a resident ID has 17 digits and a check character 0-9 or X")
    try:
        born = birth_date(code)
    except ValueError:
        raise ValueError("digits 7-14 of a resident ID must be a real birth date") from None
    if born.year < 1900:
        raise ValueError("digits 7-14 of a resident ID must be a birth date after 1900")
    if resident_id_check_char(code[:17]) != code[17]:
        raise ValueError("the check character (18th) does not match")
    return code


def validate_region_code(code: str) -> str:
    if not _REGION.fullmatch(code) or code.startswith("00"):
        raise ValueError("a region code is 6 digits (GB/T 2260) starting with a province code")
    return code


def region_prefix(code: str) -> str:
    """The significant part of a region code: 350000 -> 35, 350200 -> 3502, 350203 -> 350203."""
    for cut in (2, 4):
        if code[cut:] == "0" * (6 - cut):
            return code[:cut]
    return code


def region_covers(outer: str, inner: str) -> bool:
    """Whether region `outer` contains region `inner` (a province contains its cities)."""
    return inner.startswith(region_prefix(outer))
