"""SQL of draws: the pool snapshot, the ranking per grade stratum and the digests, set-based.

Codes are compared with COLLATE "C" (byte order) so digests and ranks do not depend on the
database's collation; the same order is what the reference implementation uses.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from services.contracts.draw_algorithm import grade_letter
from services.kernel.db import Connection, Executor, one
from services.kernel.identifiers import region_prefix
from services.kernel.rows import typed
from services.verification.domain import joint
from services.verification.domain.ledger import PoolExclusion
from services.verification.domain.plans import CheckItem
from services.verification.domain.rules import grade_number
from services.verification.domain.sampling import DrawRun, Stratum
from services.verification.store import ledger
from services.verification.store.plans import Plan

RESULT = "draw_result"
VERIFY = "verify_result"  # a temporary twin of draw_result for re-runs

_POOL_TEMPLATE = """
INSERT INTO draw_pool (draw_id, codes, grades, priorities, strata, digest)
SELECT $1, coalesce(array_agg(code ORDER BY code), '{}'), coalesce(array_agg(grade ORDER BY code), '{}'),
  coalesce(array_agg(priority ORDER BY code), '{}'),
  {strata},
  encode(sha256(convert_to(coalesce(string_agg(code || '|' || chr(64 + grade) || '|' || priority::int,
    E'\\n' ORDER BY code), ''), 'UTF8')), 'hex')
FROM (
  SELECT DISTINCT ON (s.subject_code) s.subject_code AS code,
    least(4, greatest(1, coalesce(g.grade, $3) + ($14::integer[])[s.risk_level + 1]))::smallint AS grade,
    ($4 AND coalesce(p.priority, false)) AS priority
  FROM roster_subject s
  LEFT JOIN credit_grade g ON g.subject_code = s.subject_code
  LEFT JOIN credit_priority p ON p.subject_code = s.subject_code
  WHERE s.department = ANY($2) AND s.active
    AND (cardinality($5::text[]) = 0 OR s.region_code LIKE ANY($5))
    AND (cardinality($6::text[]) = 0 OR s.industry = ANY($6))
    AND (cardinality($7::text[]) = 0 OR s.subject_kind = ANY($7))
    AND (cardinality($8::text[]) = 0 OR s.tags && $8)
    AND NOT {excludes}
  ORDER BY s.subject_code, s.department
) pool
RETURNING cardinality(codes) AS size, digest, strata
"""

_STRATA = (
    "ARRAY["
    + ", ".join(
        f"count(*) FILTER (WHERE grade = {g} AND {'' if p else 'NOT '}priority)"
        for g in range(1, 5)
        for p in (False, True)
    )
    + "]"
)
_POOL = _POOL_TEMPLATE.replace("{strata}", _STRATA).replace(
    "{excludes}",
    ledger.POOL_EXCLUDES.format(
        code="s.subject_code",
        year="$9",
        types="$10::text[]",
        cap="$11",
        superiors="$12::text[]",
        superior_exempt="$13::text[]",
    ),
)

# Steps 2-4 of the algorithm in one sort: the key is the stratum's digit followed by the hex
# SHA-256(seed|code), so byte order ranks every stratum in turn; a subject's rank within its
# stratum is its overall rank less the subjects of the strata before it ($3). Priority strata
# are kept whole, the others up to their quota ($5, by grade). Positions follow the SHA-256.
_RANK = """
INSERT INTO {table} (draw_id, position, subject_code, grade, priority, team)
SELECT $1, row_number() OVER w, code, grade, priority, (row_number() OVER w - 1) % $4
FROM (
  SELECT code, grade, priority, key, row_number() OVER (ORDER BY key) AS rn
  FROM (
    SELECT u.code, u.grade, u.priority, (((u.grade - 1) * 2 + u.priority::int)::text
      || encode(sha256(convert_to($2 || '|' || u.code, 'UTF8')), 'hex')) COLLATE "C" AS key
    FROM draw_pool d, unnest(d.codes, d.grades, d.priorities) AS u(code, grade, priority)
    WHERE d.draw_id = $1
  ) keyed
) ranked
WHERE priority OR rn - ($3::bigint[])[(grade - 1) * 2 + 1] <= ($5::bigint[])[grade]
WINDOW w AS (ORDER BY substr(key, 2) COLLATE "C")
"""


@dataclass(frozen=True, slots=True)
class Draw:
    """A draw with what it needs of its plan (a row of `draw` joined with `plan`)."""

    draw_id: uuid.UUID
    plan_id: uuid.UUID
    seed: str
    algorithm: str
    run: DrawRun
    drawn_by: str
    drawn_at: dt.datetime
    owner_department: str
    departments: list[str]
    check_items: list[CheckItem]
    ratios_bp: list[int]
    team_size: int


@dataclass(frozen=True, slots=True)
class DrawInspector:
    """An eligible inspector as the draw ranked them (team None: beyond the last full team)."""

    certificate_number: str
    name: str
    department: str
    team: int | None
    rank: int
    conflicts: list[str]


@dataclass(frozen=True, slots=True)
class DrawnSubject:
    """A drawn subject with its kind and name from the roster."""

    position: int
    subject_code: str
    subject_kind: str
    name: str
    grade: int
    priority: bool
    team: int | None


async def insert_draw(
    conn: Connection,
    draw_id: uuid.UUID,
    *,
    plan_id: uuid.UUID,
    seed: str,
    algorithm: str,
    by: str,
    at: dt.datetime,
) -> None:
    await conn.execute(
        "INSERT INTO draw (draw_id, plan_id, seed, algorithm, pool_digest, inspector_digest, result_digest,"
        " pool_size, drawn, stats, teams, unassigned, drawn_by, drawn_at)"
        " VALUES ($1, $2, $3, $4, '', '', '', 0, 0, '[]', 0, 0, $5, $6)",
        draw_id,
        plan_id,
        seed,
        algorithm,
        by,
        at,
    )


async def snapshot_pool(
    conn: Connection,
    draw_id: uuid.UUID,
    plan: Plan,
    ungraded: int,
    priority_drawn: bool,
    *,
    exclusion: PoolExclusion,
    risk_shifts: Sequence[int] = (0, 0, 0, 0),
) -> tuple[int, str, list[int]]:
    """Freeze the plan's pool into the draw, without the subjects the annual cap or a superior's
    inspection excludes (the inspection ledger); returns its size, digest and stratum sizes. A
    subject's grade in the pool is its sampling class: its credit grade moved by `risk_shifts`
    (indexed by its risk level), as SamplingRules.sampling_class reads it."""
    await conn.execute("SET LOCAL work_mem = '256MB'")  # sorts of a million rows stay in memory
    f = plan.filter
    row = one(
        await conn.fetchrow(
            _POOL,
            draw_id,
            plan.departments,
            ungraded,
            priority_drawn,
            [region_prefix(r) + "%" for r in f.region_codes],
            f.industries,
            f.kinds,
            f.tags,
            *ledger.pool_arguments(exclusion),
            list(risk_shifts),
        )
    )
    return int(row["size"]), str(row["digest"]), list(row["strata"])


async def insert_inspectors(conn: Connection, draw_id: uuid.UUID, ranked: Sequence[DrawInspector]) -> None:
    await conn.copy_records_to_table(
        "draw_inspector",
        records=[
            (draw_id, i.certificate_number, i.name, i.department, i.team, i.rank, i.conflicts) for i in ranked
        ],
        columns=("draw_id", "certificate_number", "name", "department", "team", "rank", "conflicts"),
    )


async def create_verify_table(conn: Connection) -> None:
    await conn.execute(f"CREATE TEMP TABLE {VERIFY} (LIKE {RESULT}) ON COMMIT DROP")


async def rank(
    conn: Connection,
    table: str,
    draw_id: uuid.UUID,
    *,
    seed: str,
    strata: Sequence[int],
    quotas: Sequence[int],
    teams: int,
) -> None:
    """Draw into `table`: `strata` are the stratum sizes, `quotas` the random draws per grade."""
    offsets = [sum(strata[:i]) for i in range(len(strata))]
    await conn.execute("SET LOCAL work_mem = '256MB'")
    await conn.execute(_RANK.format(table=table), draw_id, seed, offsets, teams, list(quotas))


async def conflicting(
    conn: Connection, table: str, draw_id: uuid.UUID, pairs: Sequence[tuple[int, str]]
) -> list[tuple[int, str]]:
    """(position, code) of the drawn subjects whose rotated team has a member in conflict with them."""
    if not pairs:
        return []
    rows = await conn.fetch(
        f"SELECT r.position, r.subject_code FROM {table} r"  # noqa: S608
        " JOIN unnest($2::integer[], $3::text[]) AS c(team, code)"
        " ON r.team = c.team AND r.subject_code = c.code"
        " WHERE r.draw_id = $1 ORDER BY r.position",
        draw_id,
        *zip(*pairs, strict=True),
    )
    return [(r["position"], r["subject_code"]) for r in rows]


async def set_teams(
    conn: Connection, table: str, draw_id: uuid.UUID, changes: Sequence[tuple[int, int | None]]
) -> None:
    if changes:
        await conn.execute(
            f"UPDATE {table} r SET team = c.team"  # noqa: S608
            " FROM unnest($2::bigint[], $3::integer[]) AS c(position, team)"
            " WHERE r.draw_id = $1 AND r.position = c.position",
            draw_id,
            *zip(*changes, strict=True),
        )


async def result_digest(conn: Connection, table: str, draw_id: uuid.UUID) -> tuple[str, int, int]:
    """(digest, drawn, unassigned) of a result table."""
    row = one(
        await conn.fetchrow(
            "SELECT encode(sha256(convert_to(coalesce(string_agg("  # noqa: S608
            "subject_code || '|' || coalesce(team::text, '-'), E'\\n' ORDER BY subject_code COLLATE \"C\"),"
            " ''), 'UTF8')), 'hex') AS digest, count(*) AS drawn,"
            f" count(*) FILTER (WHERE team IS NULL) AS unassigned FROM {table} WHERE draw_id = $1",
            draw_id,
        )
    )
    return str(row["digest"]), int(row["drawn"]), int(row["unassigned"])


async def recount(conn: Executor, draw_id: uuid.UUID) -> list[int]:
    """The stratum sizes recounted from the stored arrays (a re-run trusts nothing stored)."""
    found = await conn.fetchval(
        f"SELECT {_STRATA} FROM draw_pool d, unnest(d.grades, d.priorities) AS u(grade, priority)"  # noqa: S608
        " WHERE d.draw_id = $1",
        draw_id,
    )
    return list(found)


async def recomputed_pool_digest(conn: Executor, draw_id: uuid.UUID) -> tuple[str, str]:
    """(digest recomputed from the stored arrays, digest stored when the snapshot was taken)."""
    row = one(
        await conn.fetchrow(
            "SELECT encode(sha256(convert_to(coalesce((SELECT string_agg(u.code || '|' || chr(64 + u.grade)"
            " || '|' || u.priority::int, E'\\n' ORDER BY u.code COLLATE \"C\")"
            " FROM unnest(d.codes, d.grades, d.priorities) AS u(code, grade, priority)), ''), 'UTF8')),"
            " 'hex')"
            " AS recomputed, d.digest FROM draw_pool d WHERE d.draw_id = $1",
            draw_id,
        )
    )
    return str(row["recomputed"]), str(row["digest"])


def _stats_json(s: Stratum) -> dict[str, Any]:
    return {
        "grade": grade_letter(s.grade),
        "pool": s.pool,
        "priority": s.priority,
        "basis_points": s.basis_points,
        "drawn_at_random": s.drawn_at_random,
    }


def _stratum(stored: dict[str, Any]) -> Stratum:
    return Stratum(
        grade_number(stored["grade"]),
        stored["pool"],
        stored["priority"],
        stored["basis_points"],
        stored["drawn_at_random"],
    )


async def finish(conn: Connection, draw_id: uuid.UUID, done: DrawRun) -> None:
    await conn.execute(
        "UPDATE draw SET pool_digest = $2, inspector_digest = $3, result_digest = $4, pool_size = $5,"
        " drawn = $6, stats = $7, teams = $8, unassigned = $9 WHERE draw_id = $1",
        draw_id,
        done.pool_digest,
        done.inspector_digest,
        done.result_digest,
        done.pool_size,
        done.drawn,
        [_stats_json(s) for s in done.stats],
        done.teams,
        done.unassigned,
    )


async def get(conn: Executor, draw_id: uuid.UUID) -> Draw | None:
    row = await conn.fetchrow(
        "SELECT d.*, p.owner_department, p.departments, p.check_items, p.ratios_bp, p.team_size"
        " FROM draw d JOIN plan p USING (plan_id)"
        " WHERE d.draw_id = $1",
        draw_id,
    )
    if row is None:
        return None
    run = typed(DrawRun, row, stats=[_stratum(s) for s in row["stats"]])
    return typed(Draw, row, run=run, check_items=[CheckItem.of_json(i) for i in row["check_items"]])


async def inspectors(conn: Executor, draw_id: uuid.UUID) -> list[DrawInspector]:
    rows = await conn.fetch(
        "SELECT certificate_number, name, department, team, rank, conflicts"
        " FROM draw_inspector WHERE draw_id = $1 ORDER BY rank",
        draw_id,
    )
    return [DrawInspector(**r) for r in rows]


async def results(conn: Executor, draw: Draw, after: int, limit: int) -> list[DrawnSubject]:
    """A page of drawn subjects with their kind and name from the roster (a subject the roster
    no longer knows counts as a natural person, so its code is masked in public)."""
    rows = await conn.fetch(
        "SELECT r.*, coalesce(s.subject_kind, 'SUBJECT_KIND_NATURAL_PERSON') AS subject_kind,"
        " coalesce(s.name, '') AS name FROM draw_result r"
        " LEFT JOIN LATERAL (SELECT x.subject_kind, x.name FROM roster_subject x"
        "  WHERE x.department = ANY($4) AND x.subject_code = r.subject_code LIMIT 1) s ON true"
        " WHERE r.draw_id = $1 AND r.position > $2 ORDER BY r.position LIMIT $3",
        draw.draw_id,
        after,
        limit,
        draw.departments,
    )
    return [typed(DrawnSubject, r) for r in rows]


async def open_results(
    conn: Connection, departments: Sequence[str], start: dt.date, end: dt.date
) -> list[joint.Item]:
    """Drawn subjects of plans of these departments overlapping the window, not yet merged and not
    inspected yet (no result recorded): an item for each check item of the plan, locked until the
    joint plan commits."""
    rows = await conn.fetch(
        "SELECT r.draw_id, r.position, r.subject_code, s.subject_kind, s.name, p.check_items, p.domain,"
        " coalesce((SELECT array_agg(i.certificate_number) FROM draw_inspector i"
        "  WHERE i.draw_id = r.draw_id AND i.team = r.team), '{}') AS inspectors"
        " FROM plan p JOIN draw_result r ON r.draw_id = p.draw_id"
        " JOIN LATERAL (SELECT x.subject_kind, x.name FROM roster_subject x"
        "  WHERE x.department = ANY(p.departments) AND x.subject_code = r.subject_code LIMIT 1) s ON true"
        " WHERE p.departments && $1 AND p.window_start <= $3 AND p.window_end >= $2 AND r.joint_id IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM inspection_result x WHERE x.draw_id = r.draw_id"
        "  AND x.position = r.position)"
        " FOR UPDATE OF r",
        list(departments),
        start,
        end,
    )
    return [
        joint.Item(
            source=joint.DRAW,
            source_id=f"{r['draw_id']}/{r['position']}",
            subject_code=r["subject_code"],
            subject_kind=r["subject_kind"],
            subject_name=r["name"],
            department=item["department"],
            inspection_type=item["type"],
            check_item=item["code"],
            inspectors=tuple(r["inspectors"]),
            domain=r["domain"],  # the draw's team was drawn for the plan's domain
        )
        for r in rows
        for item in r["check_items"]
    ]
