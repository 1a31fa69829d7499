"""SQL of eligibility: the projection of the credit restrictions of subjects, and the item-level
re-application bans as read with it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from services.commitment.domain.eligibility import Restriction
from services.commitment.domain.measures import restriction
from services.kernel.db import Connection


def parse_restrictions(stored: list[dict[str, Any]] | None) -> list[Restriction]:
    return [_restriction(r) for r in stored or []]


def _restriction(r: dict[str, Any]) -> Restriction:
    return Restriction(
        cause=r["cause"],
        record_id=r["record_id"],
        description=r["description"],
        repairable_from=dt.date.fromisoformat(r["repairable_from"]) if r.get("repairable_from") else None,
        ends_on=dt.date.fromisoformat(r["ends_on"]) if r.get("ends_on") else None,
    )


def parse_bans(stored: list[dict[str, Any]] | None) -> list[Restriction]:
    """The re-application bans of one subject and item (table reapplication_ban, read as JSON)."""
    return [
        restriction(str(b["task_id"]), b["description"], dt.date.fromisoformat(b["ends_on"]))
        for b in stored or []
    ]


def stated(restrictions: Sequence[Restriction]) -> list[dict[str, Any]]:
    """The restrictions as the projection stores them (JSON)."""
    return [
        {
            "cause": r.cause,
            "record_id": r.record_id,
            "description": r.description,
            "repairable_from": r.repairable_from.isoformat() if r.repairable_from else None,
            "ends_on": r.ends_on.isoformat() if r.ends_on else None,
        }
        for r in restrictions
    ]


async def save_restrictions(
    conn: Connection,
    subject_code: str,
    version: int,
    restrictions: list[Restriction],
    at: dt.datetime,
) -> bool:
    """Keep the newest statement per subject; an older event arriving late changes nothing."""
    stored = await conn.fetchval(
        "INSERT INTO subject_restriction AS s VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (subject_code) DO UPDATE SET version = excluded.version,"
        "  restrictions = excluded.restrictions, changed_at = excluded.changed_at"
        " WHERE excluded.version > s.version RETURNING true",
        subject_code,
        version,
        stated(restrictions),
        at,
    )
    return bool(stored)
