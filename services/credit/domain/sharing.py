"""What the credit service shares with other departments (信息共享), by data class.

A credit report has one part per data class the caller's agreements allow, each with only what is
in force: records published or under objection within their publicity period (`credit_records`),
a listing on the serious-dishonesty list before its removal date (`blacklist`), the grade
(`grades`). Each part carries the restrictions and measures its own sources bring. Repaired,
expired and revoked records and ended listings are not shared: repair stops sharing.

A bulk match (批量比对) compares many subjects at once against the records and listings whose
data class an agreement allows, within that agreement's region.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from services.credit.domain.blacklist import ListEntry
from services.credit.domain.records import Record
from services.credit.domain.standing import MeasureInForce, Restriction, Standing, restrictions
from services.kernel.identifiers import region_prefix

RECORDS, BLACKLIST, GRADES = "credit_records", "blacklist", "grades"
PARTS = (RECORDS, BLACKLIST, GRADES)


def shared_records(view: Standing, today: dt.date) -> list[Record]:
    return [r for r in view.records if r.in_force and today < r.publicity_end]


def shared_entries(view: Standing, today: dt.date) -> list[ListEntry]:
    return [e for e in view.entries if e.listed and today < e.term.removal_due]


def shared_restrictions(view: Standing, today: dt.date, *, listed: bool) -> list[Restriction]:
    """The restrictions of one part: the listing's, or the records'. Another authority's list
    entries are not shared here: they are that authority's to share, under its own agreements."""
    return [
        r
        for r in restrictions(view.sources, today)
        if (r.cause == "BLACKLISTED") == listed and r.cause != "EXTERNAL_LIST"
    ]


def shared_measures(view: Standing, *, listed: bool) -> list[MeasureInForce]:
    return [m for m in view.measures if m.listed == listed]


@dataclass(frozen=True)
class Asked:
    """The subjects of a bulk match, as parallel arrays in request order."""

    codes: Sequence[str]
    natural: Sequence[bool]


@dataclass(frozen=True)
class Scope:
    """Which sources count, by the region prefix of the agreement allowing them (None: not
    allowed), and the (catalogue, measure code) pairs relevant to the purpose."""

    records_region: str | None
    lists_region: str | None
    relevant: Sequence[tuple[str, str]]


def fingerprint(asked: Asked) -> dict[str, Any]:
    """What the audit row keeps of the list: its size and digest, so the list a department
    sent can be proven afterwards without storing it."""
    body = "\n".join(asked.codes).encode()
    return {"subjects": len(asked.codes), "sha256": hashlib.sha256(body).hexdigest()}


def grant_prefix(region_code: str) -> str:
    """The region prefix an agreement's grant covers ("" for everywhere)."""
    return region_prefix(region_code) if region_code else ""
