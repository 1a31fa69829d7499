"""The audit trail (执法全过程记录): rows appended in the caller's transaction, hash-chained.

Each row's hash is HMAC(key, previous hash || canonical row). The key is a service secret, so a
person with only database access cannot re-forge the chain after editing, deleting or inserting
a row; `verify` then finds the first broken link.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from services.kernel.db import Connection, one


@dataclass(frozen=True)
class AuditEntry:
    at: dt.datetime
    actor: str
    department: str
    role: str
    action: str
    target: str
    subject_code: str
    request_id: str
    purpose: str
    outcome: str
    change_digest: bytes


def digest(change: Any) -> bytes:
    """A stable digest of what changed (any JSON-able value)."""
    body = json.dumps(change, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(body.encode()).digest()


def canonical(seq: int, e: AuditEntry) -> bytes:
    fields = [str(seq), e.at.astimezone(dt.UTC).isoformat(), e.actor, e.department, e.role]
    fields += [e.action, e.target, e.subject_code, e.request_id, e.purpose, e.outcome]
    return "\x1f".join(fields).encode() + b"\x1f" + e.change_digest


def link(key: bytes, previous: bytes, seq: int, entry: AuditEntry) -> bytes:
    return hmac.new(key, previous + canonical(seq, entry), hashlib.sha256).digest()


_INSERT = """
INSERT INTO audit_log (seq, at, actor, department, role, action, target, subject_code,
                       request_id, purpose, outcome, change_digest, hash)
SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[],
                     $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
                     $12::bytea[], $13::bytea[])
"""


async def append(conn: Connection, key: bytes, entries: Sequence[AuditEntry]) -> None:
    """Append entries to the chain; call last in the transaction to hold the head lock briefly."""
    head = one(await conn.fetchrow("SELECT seq, hash FROM audit_head FOR UPDATE"))
    seq, previous = head["seq"], bytes(head["hash"])
    columns: list[list[Any]] = [[] for _ in range(13)]
    for entry in entries:
        seq += 1
        previous = link(key, previous, seq, entry)
        values = [seq, entry.at, entry.actor, entry.department, entry.role, entry.action]
        values += [entry.target, entry.subject_code, entry.request_id, entry.purpose]
        values += [entry.outcome, entry.change_digest, previous]
        for column, value in zip(columns, values, strict=True):
            column.append(value)
    await conn.execute(_INSERT, *columns)
    await conn.execute("UPDATE audit_head SET seq = $1, hash = $2", seq, previous)
