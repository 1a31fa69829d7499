"""Rule sets: the packaged ones seeded at start, administrators' ones loaded through the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import resources
from typing import Any

from services.credit.domain import documents
from services.kernel.db import Connection, Executor
from services.kernel.rows import Row, one_or_none
from services.kernel.rule_sets import RuleSet

PACKAGE = "package"


@dataclass(frozen=True, slots=True)
class Loaded:
    """A stored rule set, with who loaded it when ("package" for the packaged ones)."""

    rule_set: RuleSet
    loaded_at: dt.datetime
    loaded_by: str


def packaged_rule_sets() -> list[RuleSet]:
    """The rule sets shipped in services/credit/rules, validated like an administrator's."""
    found = []
    for file in sorted(resources.files("services.credit.rules").iterdir(), key=lambda f: f.name):
        if file.name.endswith(".json"):
            rule_set, problems = documents.parse(file.read_text(encoding="utf-8"))
            if rule_set is None:
                raise ValueError(f"packaged rule set {file.name} is invalid: {problems}")
            found.append(rule_set)
    return found


def _row(r: RuleSet, now: dt.datetime, by: str) -> tuple[Any, ...]:
    return (r.id, r.kind, r.region, r.effective_from, r.effective_to, r.citation, r.rules, now, by)


async def seed(conn: Connection, now: dt.datetime) -> list[str]:
    """Store the packaged rule sets; a package upgrade replaces its own earlier copies, never an
    administrator's. Returns the ids stored now (for the audit trail).

    Replicas starting together seed at once: the upsert's conflict target is (id, region), so a
    new rule set inserted by two of them would trip the unique id index instead. One seeding at a
    time (until the transaction ends) leaves each replica to find the other's rows."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('credit.rule_set.seed', 0))")
    stored = []
    for row in [_row(r, now, PACKAGE) for r in packaged_rule_sets()]:
        changed = await conn.fetchval(
            "INSERT INTO rule_set (id, kind, region, effective_from, effective_to, citation, rules,"
            " loaded_at, loaded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
            " ON CONFLICT (id, region) DO UPDATE SET kind = excluded.kind,"
            " effective_from = excluded.effective_from, effective_to = excluded.effective_to,"
            " citation = excluded.citation, rules = excluded.rules, loaded_at = excluded.loaded_at"
            " WHERE rule_set.loaded_by = 'package'"
            " AND rule_set.rules IS DISTINCT FROM excluded.rules RETURNING id",
            *row,
        )
        stored += [changed] if changed else []
    return stored


def _rule_set(row: Row) -> RuleSet:
    return RuleSet(
        row["id"],
        row["kind"],
        row["region"],
        row["effective_from"],
        row["effective_to"],
        row["citation"],
        row["rules"],
    )


async def all_rule_sets(conn: Executor) -> list[RuleSet]:
    return [_rule_set(r) for r in await conn.fetch("SELECT * FROM rule_set")]


def loaded_of(row: Row) -> Loaded:
    return Loaded(_rule_set(row), row["loaded_at"], row["loaded_by"])


async def listing(conn: Executor, kind: str | None) -> list[Loaded]:
    rows = await conn.fetch(
        "SELECT * FROM rule_set WHERE $1::text IS NULL OR kind = $1 ORDER BY kind, effective_from, id",
        kind,
    )
    return [loaded_of(r) for r in rows]


async def get(conn: Executor, rule_set_id: str) -> Loaded | None:
    return await one_or_none(conn, loaded_of, "SELECT * FROM rule_set WHERE id = $1", rule_set_id)


async def insert(conn: Connection, rule_set: RuleSet, now: dt.datetime, by: str) -> Loaded | None:
    """None when a rule set with this id exists already (rule sets never change once loaded)."""
    row = await conn.fetchrow(
        "INSERT INTO rule_set (id, kind, region, effective_from, effective_to, citation, rules, loaded_at,"
        " loaded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING *",
        *_row(rule_set, now, by),
    )
    return loaded_of(row) if row else None
