"""Masking of personal data in everything that leaves for the public (domain.md §6)."""

from __future__ import annotations

import re

# A mobile number, also written +86 138 0013 8000 or 138-0013-8000.
_PHONE = re.compile(r"(?<!\d)((?:\+?86[ -]?)?1[3-9]\d)[ -]?\d{4}[ -]?(\d{4})(?!\d)")
# 18 characters whose digits 7-14 are a plausible birth date; letters may touch it ("ID1101…"),
# digits may not. A USCC made only of digits has no birth date there and is left alone.
_RESIDENT_ID = re.compile(
    r"(?<!\d)\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![\dXx])"
)


def mask_resident_id(code: str) -> str:
    """Keep the first 6 (region) and last 4 characters; never the birth date."""
    if len(code) < 10:
        return "*" * len(code)
    return code[:6] + "*" * (len(code) - 10) + code[-4:]


def mask_phone(phone: str) -> str:
    """138****8000"""
    if len(phone) != 11:
        return "*" * len(phone)
    return phone[:3] + "****" + phone[-4:]


def mask_person_name(name: str) -> str:
    """Keep the family name only: 张三 -> 张*, 欧阳娜娜 -> 欧***."""
    if not name:
        return name
    return name[0] + "*" * (len(name) - 1)


def mask_free_text(text: str) -> str:
    """Mask resident IDs and mobile numbers wherever they occur in prose (findings, facts)."""
    text = _RESIDENT_ID.sub(lambda m: mask_resident_id(m.group(0)), text)
    return _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
