"""Searching the audit trail (table audit_log), newest first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from services.kernel import audit_chain
from services.kernel.audit import AuditEntry
from services.kernel.db import Connection


@dataclass(frozen=True, slots=True)
class Search:
    """What an auditor looks for; empty (None) parts match every row. An action ending in "."
    matches every action it begins (e.g. "share.")."""

    subject_code: str = ""
    actor: str = ""
    action: str = ""
    since: dt.datetime | None = None
    until: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Logged:
    seq: int
    entry: AuditEntry


_SEARCH = """
SELECT * FROM audit_log
WHERE ($1 = '' OR subject_code = $1) AND ($2 = '' OR actor = $2)
  AND ($3 = '' OR action = $3 OR (right($3, 1) = '.' AND action LIKE $3 || '%'))
  AND ($4::timestamptz IS NULL OR at >= $4) AND ($5::timestamptz IS NULL OR at < $5)
  AND ($6::bigint IS NULL OR seq < $6)
ORDER BY seq DESC LIMIT $7
"""


async def search(conn: Connection, s: Search, before_seq: int | None, size: int) -> list[Logged]:
    rows = await conn.fetch(_SEARCH, s.subject_code, s.actor, s.action, s.since, s.until, before_seq, size)
    return [Logged(r["seq"], audit_chain.entry_of(r)) for r in rows]
