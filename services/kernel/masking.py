"""Masking of personal data in everything that leaves for the public (personal information as
《中华人民共和国个人信息保护法》第四条 defines it).

What is personal data in free text is decided by one detector, services/kernel/pii.py. A masked
number is written in its canonical shape whatever way it was typed: "3502 0319 9001 0112 34",
"350203-19900101-1234" and full-width "３５０２０３…" all become 350203********1234, and
"138.0013.8000" or "１３８００１３８０００" become 138****8000. Normalising, rather than masking
digit by digit in place, means no full-width or separated digit of the number survives, and a
reader (or a search) sees the same shape for the same kind of number. Only the number itself is
replaced; a +86 before it and the text around it stay as written.

Names are masked here only when the caller says which (`mask_names`): the detector's names are
flagged at entry for an officer to confirm (services/kernel/screening.py), never masked blindly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from services.kernel import pii

_NOT_DIGITS = re.compile(r"[^0-9Xx]")


def mask_resident_id(code: str) -> str:
    """Keep the first 6 (region) and last 4 characters; never the birth date. A 15-digit ID
    (一代身份证) keeps its last 3 only: its birth date ends at the 12th digit."""
    compact = _NOT_DIGITS.sub("", pii.fold(code)).upper()
    if len(compact) == 15 and compact.isdigit():
        return compact[:6] + "*" * 6 + compact[-3:]
    if len(compact) == 18:
        return compact[:6] + "*" * 8 + compact[-4:]
    if len(code) < 10:
        return "*" * len(code)
    return code[:6] + "*" * (len(code) - 10) + code[-4:]


def mask_phone(phone: str) -> str:
    """138****8000, also for 138-0013-8000, +86 138 0013 8000 or full-width digits."""
    digits = re.sub(r"[^0-9]", "", pii.fold(phone))
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if len(digits) != 11:
        return "*" * len(phone)
    return digits[:3] + "****" + digits[-4:]


def mask_person_name(name: str) -> str:
    """Keep the family name only: 张三 -> 张*, 欧阳娜娜 -> 欧***."""
    if not name:
        return name
    return name[0] + "*" * (len(name) - 1)


def mask_free_text(text: str) -> str:
    """Mask resident IDs and mobile numbers wherever they occur in prose (findings, facts)."""
    return _replace(text, pii.find_numbers(text))


def mask_names(text: str, names: Sequence[pii.Span]) -> str:
    """Mask the given names (spans `pii.find_names` found in this very text): 张三丰 -> 张**."""
    return _replace(text, [n for n in names if n.kind is pii.Kind.PERSON_NAME])


def _replace(text: str, spans: Sequence[pii.Span]) -> str:
    parts, at = [], 0
    for span in sorted(spans, key=lambda s: s.start):
        parts += [text[at : span.start], _masked(span)]
        at = span.end
    parts.append(text[at:])
    return "".join(parts)


def _masked(span: pii.Span) -> str:
    if span.kind is pii.Kind.RESIDENT_ID:
        return mask_resident_id(span.value)
    if span.kind is pii.Kind.MOBILE:
        return mask_phone(span.value)
    return mask_person_name(span.value)
