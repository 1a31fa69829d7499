"""SQL of departments and the inspector roster (执法检查人员名录库)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from services.kernel.db import Connection, Executor
from services.verification.domain.rosters import InspectorRecord


@dataclass(frozen=True, slots=True)
class Department:
    code: str
    name: str
    parent_code: str | None
    region_code: str


@dataclass(frozen=True, slots=True)
class Conflict:
    """A subject an inspector declared a conflict with (回避)."""

    kind: str
    code: str
    reason: str


@dataclass(frozen=True, slots=True)
class Inspector:
    """An inspector on the roster (执法检查人员名录库) with the declared conflicts."""

    certificate_number: str
    name: str
    department: str
    domains: list[str]
    active: bool
    valid_until: dt.date | None
    conflicts: list[Conflict]


@dataclass(frozen=True, slots=True)
class Eligible:
    """An inspector a draw may put on a team, with the subject codes of the declared conflicts."""

    certificate_number: str
    name: str
    department: str
    conflicts: list[str]


async def department_parents(conn: Executor) -> dict[str, str | None]:
    rows = await conn.fetch("SELECT code, parent_code FROM department")
    return {r["code"]: r["parent_code"] for r in rows}


async def departments(conn: Executor) -> list[Department]:
    rows = await conn.fetch("SELECT code, name, parent_code, region_code FROM department ORDER BY code")
    return [Department(**r) for r in rows]


async def put_departments(
    conn: Connection, rows: Sequence[tuple[str, str, str | None, str]], now: dt.datetime
) -> int:
    """Upsert (code, name, parent, region) rows; returns how many were new."""
    created = await conn.fetchval(
        "WITH up AS (INSERT INTO department (code, name, parent_code, region_code, updated_at)"
        " SELECT c, n, p, r, $5 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS x(c, n, p, r)"
        " ON CONFLICT (code) DO UPDATE SET name = excluded.name, parent_code = excluded.parent_code,"
        "  region_code = excluded.region_code, updated_at = excluded.updated_at"
        " RETURNING xmax = 0 AS created) SELECT count(*) FILTER (WHERE created) FROM up",
        *zip(*rows, strict=True),
        now,
    )
    return int(created)


async def owners(conn: Connection, numbers: Sequence[str]) -> dict[str, str]:
    rows = await conn.fetch(
        "SELECT certificate_number, department FROM inspector WHERE certificate_number = ANY($1)",
        list(numbers),
    )
    return {r["certificate_number"]: r["department"] for r in rows}


async def upsert_inspectors(
    conn: Connection, department: str, records: Sequence[InspectorRecord], now: dt.datetime
) -> int:
    """Create or update the department's inspectors and replace their conflicts; returns created."""
    created = await conn.fetchval(
        "WITH up AS (INSERT INTO inspector (certificate_number, name, department, domains, active,"
        " valid_until, updated_at)"
        " SELECT n, nm, $1, string_to_array(d, E'\\x1f'), a, v, $7"
        " FROM unnest($2::text[], $3::text[], $4::text[], $5::boolean[], $6::date[]) AS x(n, nm, d, a, v)"
        " ON CONFLICT (certificate_number) DO UPDATE SET name = excluded.name, domains = excluded.domains,"
        "  active = excluded.active, valid_until = excluded.valid_until, updated_at = excluded.updated_at"
        " RETURNING xmax = 0 AS created) SELECT count(*) FILTER (WHERE created) FROM up",
        department,
        [r.number for r in records],
        [r.name for r in records],
        ["\x1f".join(r.domains) for r in records],
        [r.active for r in records],
        [r.valid_until for r in records],
        now,
    )
    await _replace_conflicts(conn, records)
    return int(created)


async def _replace_conflicts(conn: Connection, records: Sequence[InspectorRecord]) -> None:
    await conn.execute(
        "DELETE FROM inspector_conflict WHERE certificate_number = ANY($1)", [r.number for r in records]
    )
    rows = [(r.number, kind, code, reason) for r in records for kind, code, reason in r.conflicts]
    if rows:
        await conn.execute(
            "INSERT INTO inspector_conflict"
            " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])"
            " ON CONFLICT DO NOTHING",
            *zip(*rows, strict=True),
        )


async def deactivate_others(conn: Connection, department: str, keep: Sequence[str], now: dt.datetime) -> int:
    result = await conn.execute(
        "UPDATE inspector SET active = false, updated_at = $3"
        " WHERE department = $1 AND active AND NOT certificate_number = ANY($2)",
        department,
        list(keep),
        now,
    )
    return int(result.split()[-1])


async def list_inspectors(conn: Executor, department: str, after: str | None, limit: int) -> list[Inspector]:
    rows = await conn.fetch(
        "SELECT i.*, coalesce((SELECT jsonb_agg(jsonb_build_object('kind', c.subject_kind,"
        " 'code', c.subject_code, 'reason', c.reason) ORDER BY c.subject_code)"
        " FROM inspector_conflict c WHERE c.certificate_number = i.certificate_number), '[]') AS conflicts"
        " FROM inspector i WHERE i.department = $1 AND ($2::text IS NULL OR i.certificate_number > $2)"
        " ORDER BY i.certificate_number LIMIT $3",
        department,
        after,
        limit,
    )
    return [
        Inspector(
            r["certificate_number"],
            r["name"],
            r["department"],
            r["domains"],
            r["active"],
            r["valid_until"],
            [Conflict(c["kind"], c["code"], c["reason"]) for c in r["conflicts"]],
        )
        for r in rows
    ]


async def eligible_inspectors(
    conn: Connection, departments: Sequence[str], domain: str, on: dt.date
) -> list[Eligible]:
    """Active inspectors of the departments, qualified for `domain` on the date, with conflicts."""
    rows = await conn.fetch(
        "SELECT i.certificate_number, i.name, i.department,"
        " coalesce(array_agg(c.subject_code ORDER BY c.subject_code)"
        "  FILTER (WHERE c.subject_code IS NOT NULL), '{}') AS conflicts"
        " FROM inspector i LEFT JOIN inspector_conflict c USING (certificate_number)"
        " WHERE i.department = ANY($1) AND i.active AND (i.valid_until IS NULL OR i.valid_until >= $3)"
        " AND ($2 = '' OR $2 = ANY(i.domains)) GROUP BY i.certificate_number",
        list(departments),
        domain,
        on,
    )
    return [Eligible(r["certificate_number"], r["name"], r["department"], list(r["conflicts"])) for r in rows]
