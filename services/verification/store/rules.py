"""Verification rule sets: the packaged ones are seeded, the stored ones are read at start."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources

from services.kernel.db import Connection
from services.kernel.rule_sets import RuleSet
from services.verification.domain.rules import RuleBook


def packaged_rule_sets() -> list[RuleSet]:
    found = []
    for file in sorted(resources.files("services.verification.rules").iterdir(), key=lambda f: f.name):
        if file.name.endswith(".json"):
            data = json.loads(file.read_text())
            found.append(
                RuleSet(
                    id=data["id"],
                    kind=data["kind"],
                    region=data["region"],
                    effective_from=dt.date.fromisoformat(data["effective_from"]),
                    effective_to=dt.date.fromisoformat(data["effective_to"])
                    if data["effective_to"]
                    else None,
                    citation=data["citation"],
                    rules=data,
                )
            )
    return found


async def seed(conn: Connection, now: dt.datetime) -> list[str]:
    """Store the packaged rule sets that are not stored yet (an administrator's edits stay);
    returns the ids stored now (for the audit trail)."""
    stored = []
    for r in packaged_rule_sets():
        inserted = await conn.fetchval(
            "INSERT INTO rule_set VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'package')"
            " ON CONFLICT DO NOTHING RETURNING id",
            r.id,
            r.region,
            r.kind,
            r.effective_from,
            r.effective_to,
            r.citation,
            r.rules,
            now,
        )
        stored += [inserted] if inserted else []
    return stored


async def load(conn: Connection) -> RuleBook:
    rows = await conn.fetch("SELECT * FROM rule_set")
    return RuleBook(
        RuleSet(
            r["id"], r["kind"], r["region"], r["effective_from"], r["effective_to"], r["citation"], r["rules"]
        )
        for r in rows
    )
