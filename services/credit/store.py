"""SQL of the credit service."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from importlib import resources

import asyncpg

from services.credit.domain import ActiveRecord, Decision, RuleSet
from services.kernel.db import Connection, Executor

ACTIVE = ("RECORD_STATUS_PUBLISHED", "RECORD_STATUS_UNDER_OBJECTION")


def packaged_rule_sets() -> list[RuleSet]:
    found = []
    for file in sorted(resources.files("services.credit.rules").iterdir(), key=lambda f: f.name):
        if file.name.endswith(".json"):
            data = json.loads(file.read_text())
            found.append(
                RuleSet(
                    id=data["id"],
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


async def seed_rule_sets(conn: Connection, now: dt.datetime) -> None:
    """Load the packaged rule sets that are not stored yet (an administrator's edits stay)."""
    await conn.executemany(
        "INSERT INTO rule_set VALUES ($1, $2, $3, $4, $5, $6, $7, 'package') ON CONFLICT DO NOTHING",
        [
            (r.id, r.region, r.effective_from, r.effective_to, r.citation, r.rules, now)
            for r in packaged_rule_sets()
        ],
    )


async def rule_sets(conn: Connection) -> list[RuleSet]:
    rows = await conn.fetch("SELECT * FROM rule_set")
    return [
        RuleSet(r["id"], r["region"], r["effective_from"], r["effective_to"], r["citation"], r["rules"])
        for r in rows
    ]


async def earlier_false_commitments(conn: Connection, subject_code: str) -> tuple[dt.date, ...]:
    rows = await conn.fetch(
        "SELECT decision_date FROM dishonesty_record WHERE subject_code = $1 AND commitment_id IS NOT NULL"
        " AND status <> 'RECORD_STATUS_REVOKED'",
        subject_code,
    )
    return tuple(r["decision_date"] for r in rows)


@dataclass(frozen=True)
class NewRecord:
    subject_kind: str
    subject_code: str
    subject_name: str
    source_event_id: str
    commitment_id: str
    facts: str
    legal_basis: str
    deciding_department: str
    region_code: str
    decision_date: dt.date


async def insert_record(
    conn: Connection, new: NewRecord, decision: Decision, now: dt.datetime
) -> asyncpg.Record | None:
    """None when a record from the same source event exists already."""
    return await conn.fetchrow(
        "INSERT INTO dishonesty_record VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
        " 'RECORD_STATUS_PUBLISHED', $11, $13, $14, $15, $16, $17, $18, $19)"
        " ON CONFLICT (source_event_id) DO NOTHING RETURNING *",
        uuid.uuid4(),
        new.subject_kind,
        new.subject_code,
        new.subject_name,
        new.source_event_id,
        uuid.UUID(new.commitment_id),
        new.facts,
        new.legal_basis,
        new.deciding_department,
        new.region_code,
        new.decision_date,
        decision.record_class,
        decision.repairable_from,
        decision.publicity_end,
        decision.published,
        list(decision.restricts),
        decision.rule_set,
        decision.rule,
        now,
    )


async def records_of(conn: Executor, subject_code: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM dishonesty_record WHERE subject_code = $1 ORDER BY decision_date, created_at",
        subject_code,
    )


def active(records: list[asyncpg.Record]) -> list[ActiveRecord]:
    return [
        ActiveRecord(
            str(r["record_id"]),
            r["record_class"],
            r["repairable_from"],
            r["publicity_end"],
            tuple(r["restricts"]),
        )
        for r in records
        if r["status"] in ACTIVE
    ]


async def bump_version(conn: Connection, subject_kind: str, subject_code: str) -> int:
    version: int = await conn.fetchval(
        "INSERT INTO subject_version AS s VALUES ($1, $2, 1)"
        " ON CONFLICT (subject_code) DO UPDATE SET version = s.version + 1 RETURNING version",
        subject_code,
        subject_kind,
    )
    return version
