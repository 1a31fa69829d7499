"""Hand edits of the audit trail are found; pruning past retention keeps the chain verifiable.

The fifteen tamper cases of the outside test of issue 14 run against a chain with a signed
checkpoint at its head: twelve break a link, three cut an end and move the head or the anchor
to match (found only through the recorded prunes and the checkpoints).
"""

from __future__ import annotations

import datetime as dt

import pytest

from services.kernel import audit_chain, audit_witness
from services.kernel.audit_chain import (
    ANCHOR_UNEXPLAINED,
    CHECKPOINT_MISMATCH,
    HEAD_BEHIND,
    ROW_FORGED,
    ROW_MISSING,
    Checkpoint,
)
from tests.integration.conftest import AUDIT_KEY, World

SERVICE = "credit"
HEAD_OF = "(SELECT hash FROM audit_log WHERE seq = {0})"
FORGE_AFTER_HEAD = (
    "INSERT INTO audit_log SELECT seq + 1, at, actor, department, role, 'thing.forged', target,"
    " subject_code, request_id, purpose, outcome, change_digest, sha256(hash || change_digest)"
    " FROM audit_log WHERE seq = 10"
)

# name: (statements on a chain of rows 1..10 checkpointed at 10, first broken seq, problem)
CASES: dict[str, tuple[list[str], int, str]] = {
    "row altered": (["UPDATE audit_log SET actor = 'someone else' WHERE seq = 4"], 4, ROW_FORGED),
    "change digest altered": (
        ["UPDATE audit_log SET change_digest = sha256(change_digest) WHERE seq = 5"],
        5,
        ROW_FORGED,
    ),
    "row backdated": (["UPDATE audit_log SET at = at - interval '1 day' WHERE seq = 6"], 6, ROW_FORGED),
    "rows swapped": (
        [
            "UPDATE audit_log SET seq = -3 WHERE seq = 3",
            "UPDATE audit_log SET seq = 3 WHERE seq = 4",
            "UPDATE audit_log SET seq = 4 WHERE seq = -3",
        ],
        3,
        ROW_FORGED,
    ),
    "middle row deleted": (["DELETE FROM audit_log WHERE seq = 6"], 6, ROW_MISSING),
    "first row deleted": (["DELETE FROM audit_log WHERE seq = 1"], 1, ROW_MISSING),
    "tail deleted, head left": (["DELETE FROM audit_log WHERE seq >= 8"], 8, ROW_MISSING),
    "row forged after the head": ([FORGE_AFTER_HEAD], 11, ROW_FORGED),
    "row forged and the head moved onto it": (
        [FORGE_AFTER_HEAD, f"UPDATE audit_head SET seq = 11, hash = {HEAD_OF.format(11)}"],
        11,
        ROW_FORGED,
    ),
    "head moved forward": (["UPDATE audit_head SET seq = 11"], 11, ROW_MISSING),
    "head hash altered": (
        ["UPDATE audit_head SET hash = sha256(hash)"],
        10,
        "head does not match the last row",
    ),
    "anchor hash altered": (["UPDATE audit_anchor SET hash = '\\x00'::bytea"], 1, ROW_FORGED),
    # The three an outside witness is needed for.
    "tail deleted, head moved back": (
        [
            f"UPDATE audit_head SET seq = 7, hash = {HEAD_OF.format(7)}",
            "DELETE FROM audit_log WHERE seq >= 8",
        ],
        8,
        HEAD_BEHIND,
    ),
    "front deleted, anchor moved forward": (
        [
            f"UPDATE audit_anchor SET seq = 3, hash = {HEAD_OF.format(3)}",
            "DELETE FROM audit_log WHERE seq <= 3",
        ],
        1,
        ANCHOR_UNEXPLAINED,
    ),
    "table wiped, head and anchor reset": (
        [
            "DELETE FROM audit_log",
            "UPDATE audit_head SET seq = 0, hash = '\\x'::bytea",
            "UPDATE audit_anchor SET seq = 0, hash = '\\x'::bytea",
        ],
        1,
        HEAD_BEHIND,
    ),
}


async def _write(world: World, count: int) -> None:
    for n in range(count):
        async with world.db.unit_of_work(request_id=f"req-{n}") as uow:
            uow.audit("thing.change", f"thing/{n}", change={"n": n}, subject_code="91350200MA2YJ1XR9G")


async def _verify(world: World, checkpoints: list[Checkpoint] | None = None) -> audit_chain.ChainReport:
    async with world.pool.acquire() as conn:
        return await audit_chain.verify(conn, AUDIT_KEY, checkpoints or [])


async def checkpoint(world: World, service: str = SERVICE) -> Checkpoint | None:
    """Run the checkpoint job once; the checkpoint it queued in the outbox, if any, opened."""
    async with world.db.unit_of_work() as uow:
        taken = await audit_witness.checkpoint_job(service, AUDIT_KEY, 300).step(uow)
    if not taken:
        return None
    payload = await world.pool.fetchval(
        "SELECT payload FROM outbox WHERE subject = $1 ORDER BY seq DESC LIMIT 1",
        audit_witness.subject(service),
    )
    public = audit_witness.signing_key(AUDIT_KEY, service).public_key()
    return audit_witness.opened(bytes(payload), service, public)


async def _retention(world: World) -> int:
    async with world.db.unit_of_work() as uow:
        return await audit_chain.retention_job(1827).step(uow)


async def test_an_untouched_chain_verifies(world: World) -> None:
    await _write(world, 12)
    report = await _verify(world)
    assert report == audit_chain.ChainReport(True, 12, head_seq=12)


@pytest.mark.parametrize("case", list(CASES))
async def test_every_tamper_case_is_found(world: World, case: str) -> None:
    statements, first_broken, problem = CASES[case]
    await _write(world, 10)
    taken = await checkpoint(world)
    assert taken is not None
    assert taken.seq == 10
    assert (await _verify(world, [taken])).intact
    for statement in statements:
        await world.pool.execute(statement)
    report = await _verify(world, [taken])
    assert (report.intact, report.first_broken_seq, report.problem) == (False, first_broken, problem)
    assert (report.checkpoints_checked, report.checkpoint_seq) == (1, 10)


def test_the_outside_test_has_fifteen_cases() -> None:
    assert len(CASES) == 15


async def test_a_checkpoint_of_a_forked_chain_is_found(world: World) -> None:
    await _write(world, 6)
    taken = await checkpoint(world)
    assert taken is not None
    other = Checkpoint(taken.seq - 2, b"\x01" * 32, taken.at)  # as if signed for another history
    report = await _verify(world, [taken, other])
    assert (report.intact, report.first_broken_seq, report.problem) == (False, 4, CHECKPOINT_MISMATCH)


async def test_no_checkpoint_is_taken_over_a_broken_link(world: World) -> None:
    await _write(world, 4)
    assert await checkpoint(world) is not None
    assert await checkpoint(world) is None  # nothing new since
    await _write(world, 2)
    await world.pool.execute("UPDATE audit_log SET purpose = 'routine check' WHERE seq = 5")
    assert await checkpoint(world) is None
    assert await world.pool.fetchval("SELECT seq FROM audit_checkpoint") == 4


async def test_deleting_the_checkpoint_bookkeeping_does_not_stop_the_witness(world: World) -> None:
    await _write(world, 3)
    await world.pool.execute("DELETE FROM audit_checkpoint")
    assert await checkpoint(world) is None  # the row is put back ...
    taken = await checkpoint(world)  # ... and the next run walks from the anchor
    assert taken is not None
    assert taken.seq == 3


async def test_pruning_moves_the_anchor_and_the_rest_still_verifies(world: World) -> None:
    await _write(world, 8)
    taken = await checkpoint(world)
    assert taken is not None
    await world.pool.execute("UPDATE audit_log SET at = at - interval '6 years' WHERE seq <= 3")
    assert await _retention(world) == 3
    report = await _verify(world, [taken])
    assert report == audit_chain.ChainReport(
        True, 6, head_seq=9, checkpoints_checked=1, checkpoint_seq=8, checkpoint_at=taken.at
    )
    assert await world.pool.fetchval("SELECT seq FROM audit_anchor") == 3
    target = await world.pool.fetchval("SELECT target FROM audit_log WHERE action = 'audit.prune'")
    assert target == "audit_log@3"


async def test_checkpoints_older_than_the_anchor_are_explained_by_the_prunes(world: World) -> None:
    await _write(world, 4)
    early = await checkpoint(world)
    await _write(world, 4)
    late = await checkpoint(world)
    assert early is not None
    assert late is not None
    await world.pool.execute("UPDATE audit_log SET at = at - interval '6 years'")
    assert await _retention(world) == 8  # every row: both checkpoints are at or before the anchor
    report = await _verify(world, [early, late])
    assert (report.intact, report.rows_checked, report.head_seq) == (True, 1, 9)
    await world.pool.execute("UPDATE audit_log SET at = at - interval '6 years'")
    assert await _retention(world) == 1  # and the first prune's own row
    report = await _verify(world, [early, late])
    assert (report.intact, report.rows_checked, report.head_seq) == (True, 1, 10)
    assert await world.pool.fetchval("SELECT seq FROM audit_anchor") == 9


async def test_a_prune_without_its_record_is_found(world: World) -> None:
    await _write(world, 8)
    await world.pool.execute("UPDATE audit_log SET at = at - interval '6 years' WHERE seq <= 3")
    async with world.db.unit_of_work() as uow:  # the rows and the anchor, but no audit.prune row
        assert await audit_chain.prune(uow.conn, uow.now - dt.timedelta(days=1827)) == 3
    report = await _verify(world)
    assert (report.intact, report.first_broken_seq, report.problem) == (False, 1, ANCHOR_UNEXPLAINED)
