"""Verifying and pruning the audit chain written by services/kernel/audit.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import asyncpg

from services.kernel import audit
from services.kernel.db import Connection, one

BATCH = 5000


@dataclass(frozen=True)
class ChainReport:
    intact: bool
    rows_checked: int
    first_broken_seq: int = 0
    problem: str = ""
    head_seq: int = 0


def entry_of(row: asyncpg.Record) -> audit.AuditEntry:
    return audit.AuditEntry(
        at=row["at"],
        actor=row["actor"],
        department=row["department"],
        role=row["role"],
        action=row["action"],
        target=row["target"],
        subject_code=row["subject_code"],
        request_id=row["request_id"],
        purpose=row["purpose"],
        outcome=row["outcome"],
        change_digest=bytes(row["change_digest"]),
    )


async def verify(conn: Connection, key: bytes) -> ChainReport:
    """Walk from the retention anchor to the head; report the first link that does not hold."""
    anchor = one(await conn.fetchrow("SELECT seq, hash FROM audit_anchor"))
    head = one(await conn.fetchrow("SELECT seq, hash FROM audit_head"))
    seq, previous, checked = int(anchor["seq"]), bytes(anchor["hash"]), 0
    while True:
        rows = await conn.fetch("SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2", seq, BATCH)
        for row in rows:
            if row["seq"] != seq + 1:
                return ChainReport(False, checked, seq + 1, "row missing", head["seq"])
            if audit.link(key, previous, row["seq"], entry_of(row)) != bytes(row["hash"]):
                return ChainReport(False, checked, row["seq"], "row altered or forged", head["seq"])
            seq, previous, checked = row["seq"], bytes(row["hash"]), checked + 1
        if len(rows) < BATCH:
            break
    return _check_head(seq, previous, checked, int(head["seq"]), bytes(head["hash"]))


def _check_head(seq: int, previous: bytes, checked: int, head_seq: int, head_hash: bytes) -> ChainReport:
    if head_seq > seq:
        return ChainReport(False, checked, seq + 1, "row missing", head_seq)
    if head_seq < seq:
        return ChainReport(False, checked, head_seq + 1, "row inserted after the head", head_seq)
    if head_hash != previous:
        return ChainReport(False, checked, seq, "head does not match the last row", head_seq)
    return ChainReport(True, checked, head_seq=head_seq)


async def prune(conn: Connection, older_than: dt.datetime, batch: int = BATCH) -> int:
    """Drop the oldest rows past retention, moving the anchor to the last one dropped."""
    rows = await conn.fetch(
        "SELECT seq, hash FROM audit_log WHERE at < $1 AND seq = ANY("
        "  SELECT seq FROM audit_log ORDER BY seq LIMIT $2) ORDER BY seq FOR UPDATE",
        older_than,
        batch,
    )
    # Only a prefix of the chain may go: stop at the first row still within retention.
    first = one(await conn.fetchrow("SELECT seq FROM audit_anchor"))["seq"] + 1
    prefix = [r for i, r in enumerate(rows) if r["seq"] == first + i]
    if not prefix:
        return 0
    last = prefix[-1]
    await conn.execute("DELETE FROM audit_log WHERE seq <= $1", last["seq"])
    await conn.execute("UPDATE audit_anchor SET seq = $1, hash = $2", last["seq"], last["hash"])
    return len(prefix)
