"""The random inspection list (随机抽查事项清单): what a valid item is and how it changes (no I/O).

An item is never edited in place: a plan or an inspection names an item by its code and must
keep meaning what it meant on its date, so every change is a new version with its own
effective date, and retiring an item only closes it from a date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from services.kernel.errors import Violations
from services.verification.domain.plans import LABEL, TYPE_CODE
from services.verification.domain.refusals import refuse

MAX_NAME = 200
MAX_LEGAL_BASIS = 1000
MAX_DOMAIN = 100
MAX_CONTENT = 2000
MAX_METHOD = 100
MAX_NO_NOTICE_REASON = 500


@dataclass(frozen=True, slots=True)
class ItemDraft:
    """An item as a department states it, before it becomes a version of its list."""

    code: str
    name: str
    legal_basis: str
    inspection_type: str
    supervision_domain: str
    check_content: str
    check_method: str
    advance_notice_allowed: bool
    no_notice_reason: str
    effective_from: dt.date


def check_draft(v: Violations, where: str, d: ItemDraft) -> None:
    """Every problem of a draft, each under its field."""
    if not LABEL.fullmatch(d.code):
        v.add(f"{where}.code", "required: 1 to 64 of A-Z a-z 0-9 _ . : -")
    _text(v, f"{where}.name", d.name, MAX_NAME)
    _text(v, f"{where}.legal_basis", d.legal_basis, MAX_LEGAL_BASIS)
    if not TYPE_CODE.fullmatch(d.inspection_type):
        v.add(f"{where}.inspection_type", "required: an upper-case code such as FOOD_SAFETY")
    _text(v, f"{where}.supervision_domain", d.supervision_domain, MAX_DOMAIN)
    _text(v, f"{where}.check_content", d.check_content, MAX_CONTENT)
    _text(v, f"{where}.check_method", d.check_method, MAX_METHOD)
    if d.advance_notice_allowed and d.no_notice_reason.strip():
        v.add(f"{where}.no_notice_reason", "only for an item whose subjects may not be told in advance")
    elif not d.advance_notice_allowed:
        # 《连云港市优化营商环境攻坚年若干政策措施(第4号)》四(三): advance notice is the rule; an
        # item that withholds it must say which exception applies.
        _text(v, f"{where}.no_notice_reason", d.no_notice_reason, MAX_NO_NOTICE_REASON)


def _text(v: Violations, field: str, value: str, most: int) -> None:
    if not value.strip():
        v.add(field, f"required, at most {most} characters")
    elif len(value) > most:
        v.add(field, f"at most {most} characters")


@dataclass(frozen=True, slots=True)
class Latest:
    """What a change must respect of the item's latest version."""

    code: str
    version: int
    effective_from: dt.date
    retired_on: dt.date | None


def next_version(latest: Latest | None, effective_from: dt.date) -> int:
    """The version a revision takes; a revision may not date itself before the version it follows,
    which would rewrite what earlier inspections were checked against."""
    if latest is None:
        return 1
    if latest.retired_on is not None:
        raise refuse("CHECK_ITEM_RETIRED", latest.code, f"retired on {latest.retired_on}; use a new code")
    if effective_from < latest.effective_from:
        raise refuse(
            "EFFECTIVE_BEFORE_LATEST",
            latest.code,
            f"version {latest.version} takes effect on {latest.effective_from}; a revision cannot precede it",
        )
    return latest.version + 1


def check_retirement(latest: Latest, retired_on: dt.date) -> None:
    if latest.retired_on is not None:
        raise refuse("CHECK_ITEM_RETIRED", latest.code, f"already retired on {latest.retired_on}")
    if retired_on < latest.effective_from:
        raise refuse(
            "RETIRED_BEFORE_EFFECTIVE",
            latest.code,
            f"version {latest.version} takes effect on {latest.effective_from}",
        )
