"""Verifying and pruning the audit chain written by services/kernel/audit.py.

The links alone cannot show a cut at either end: whoever can delete rows can also move the head
back or the anchor forward to match. Two things close that gap (docs/audit.md):
- a retention prune records the anchor it set in its own chained row (target "audit_log@<seq>"),
  so an anchor no recorded prune set is found;
- signed checkpoints published outside the database (services/kernel/audit_witness.py) say how far
  the chain once reached, so a head moved back (or a wiped table) is found.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from services.kernel import audit
from services.kernel.db import Connection, one
from services.kernel.jobs import Job
from services.kernel.rows import Row, typed
from services.kernel.uow import UnitOfWork

BATCH = 5000
PRUNE_ACTION = "audit.prune"
PRUNE_TARGET = "audit_log@"  # followed by the anchor sequence the prune set

ROW_MISSING = "row missing"
ROW_FORGED = "row altered or forged"
ANCHOR_UNEXPLAINED = "anchor moved without a recorded prune"
HEAD_BEHIND = "head behind a signed checkpoint"
CHECKPOINT_MISMATCH = "row differs from a signed checkpoint"


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint whose signature was checked: the chain once reached `seq` with `hash`."""

    seq: int
    hash: bytes
    at: dt.datetime


@dataclass(frozen=True)
class ChainReport:
    intact: bool
    rows_checked: int
    first_broken_seq: int = 0
    problem: str = ""
    head_seq: int = 0
    checkpoints_checked: int = 0
    checkpoint_seq: int = 0
    checkpoint_at: dt.datetime | None = None


@dataclass(frozen=True)
class Link:
    seq: int
    hash: bytes


@dataclass
class _Walk:
    seq: int
    previous: bytes
    checked: int = 0
    pruned_to: int = -1  # the anchor the last recorded prune set (-1: no prune on record)


def entry_of(row: Row) -> audit.AuditEntry:
    """A stored audit row as the entry its link was computed from."""
    return typed(audit.AuditEntry, row, change_digest=bytes(row["change_digest"]))


async def ends(conn: Connection) -> tuple[Link, Link]:
    """The anchor and the head, read in one statement."""
    row = one(
        await conn.fetchrow(
            "SELECT a.seq AS anchor_seq, a.hash AS anchor_hash, h.seq AS head_seq, h.hash AS head_hash"
            " FROM audit_anchor a, audit_head h"
        )
    )
    anchor = Link(int(row["anchor_seq"]), bytes(row["anchor_hash"]))
    return anchor, Link(int(row["head_seq"]), bytes(row["head_hash"]))


async def verify(conn: Connection, key: bytes, checkpoints: Sequence[Checkpoint] = ()) -> ChainReport:
    """Walk from the retention anchor to the head; report the first link that does not hold,
    then whether the ends agree with the recorded prunes and the signed checkpoints."""
    anchor, head = await ends(conn)
    expected = {c.seq: c.hash for c in checkpoints}
    walk, broken = await _walk(conn, key, anchor, head.seq, expected)
    report = (
        broken
        or _check_head(walk, head)
        or _check_anchor(walk, anchor, head.seq, expected)
        or _check_reach(checkpoints, walk.checked, head.seq)
        or ChainReport(True, walk.checked, head_seq=head.seq)
    )
    if not checkpoints:
        return report
    latest = max(checkpoints, key=lambda c: (c.seq, c.at))
    return dataclasses.replace(
        report, checkpoints_checked=len(checkpoints), checkpoint_seq=latest.seq, checkpoint_at=latest.at
    )


async def _walk(
    conn: Connection, key: bytes, anchor: Link, head_seq: int, expected: dict[int, bytes]
) -> tuple[_Walk, ChainReport | None]:
    walk = _Walk(anchor.seq, anchor.hash)
    while True:
        rows = await conn.fetch(
            "SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2", walk.seq, BATCH
        )
        for row in rows:
            broken = _step(walk, key, row, head_seq, expected)
            if broken:
                return walk, broken
        if len(rows) < BATCH:
            return walk, None


def _step(
    walk: _Walk, key: bytes, row: asyncpg.Record, head_seq: int, expected: dict[int, bytes]
) -> ChainReport | None:
    """Check one row against the link before it; on success move the walk onto it."""
    seq, stored = int(row["seq"]), bytes(row["hash"])
    if seq != walk.seq + 1:
        return ChainReport(False, walk.checked, walk.seq + 1, ROW_MISSING, head_seq)
    if audit.link(key, walk.previous, seq, entry_of(row)) != stored:
        return ChainReport(False, walk.checked, seq, ROW_FORGED, head_seq)
    if expected.get(seq, stored) != stored:  # only a holder of the key can fork the chain
        return ChainReport(False, walk.checked, seq, CHECKPOINT_MISMATCH, head_seq)
    if row["action"] == PRUNE_ACTION:
        walk.pruned_to = pruned_to(row["target"])
    walk.seq, walk.previous, walk.checked = seq, stored, walk.checked + 1
    return None


def pruned_to(target: str) -> int:
    """The anchor a prune row records; -1 for a row that records none."""
    number = target.removeprefix(PRUNE_TARGET)
    return int(number) if target.startswith(PRUNE_TARGET) and number.isdigit() else -1


def _check_head(walk: _Walk, head: Link) -> ChainReport | None:
    if head.seq > walk.seq:
        return ChainReport(False, walk.checked, walk.seq + 1, ROW_MISSING, head.seq)
    if head.seq < walk.seq:
        return ChainReport(False, walk.checked, head.seq + 1, "row inserted after the head", head.seq)
    if head.hash != walk.previous:
        return ChainReport(False, walk.checked, walk.seq, "head does not match the last row", head.seq)
    return None


def _check_anchor(walk: _Walk, anchor: Link, head_seq: int, expected: dict[int, bytes]) -> ChainReport | None:
    # Each prune writes its row after the anchor it set, so the last prune row on the chain must
    # name the current anchor; rows cut off the front with the anchor moved by hand do not.
    if anchor.seq > 0 and walk.pruned_to != anchor.seq:
        return ChainReport(False, walk.checked, max(walk.pruned_to, 0) + 1, ANCHOR_UNEXPLAINED, head_seq)
    if expected.get(anchor.seq, anchor.hash) != anchor.hash:
        return ChainReport(False, walk.checked, anchor.seq, CHECKPOINT_MISMATCH, head_seq)
    # A checkpoint before the anchor is explained by the prune that moved it (checked above).
    return None


def _check_reach(checkpoints: Sequence[Checkpoint], checked: int, head_seq: int) -> ChainReport | None:
    reach = max((c.seq for c in checkpoints), default=0)
    if reach > head_seq:  # rows cut off the end, the head moved back, or the table wiped
        return ChainReport(False, checked, head_seq + 1, HEAD_BEHIND, head_seq)
    return None


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


def retention_job(days: int) -> Job:
    async def step(uow: UnitOfWork) -> int:
        pruned = await prune(uow.conn, uow.now - dt.timedelta(days=days))
        if pruned:  # the pruning stays on record after the anchor it moved, naming that anchor
            anchor = await uow.conn.fetchval("SELECT seq FROM audit_anchor")
            change = {"rows": pruned, "retention_days": days}
            uow.audit(PRUNE_ACTION, f"{PRUNE_TARGET}{anchor}", change=change)
        return pruned

    return Job("audit-retention", every_seconds=3600, step=step)
