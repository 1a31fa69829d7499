"""Hand edits of the audit trail are found; pruning past retention keeps the chain verifiable."""

from __future__ import annotations

import datetime as dt

from services.kernel import audit_chain
from tests.integration.conftest import AUDIT_KEY, World


async def _write(world: World, count: int) -> None:
    for n in range(count):
        async with world.db.unit_of_work(request_id=f"req-{n}") as uow:
            uow.audit("thing.change", f"thing/{n}", change={"n": n}, subject_code="91350200MA2YJ1XR9G")


async def _verify(world: World) -> audit_chain.ChainReport:
    async with world.pool.acquire() as conn:
        return await audit_chain.verify(conn, AUDIT_KEY)


async def test_an_untouched_chain_verifies(world: World) -> None:
    await _write(world, 12)
    report = await _verify(world)
    assert report == audit_chain.ChainReport(True, 12, head_seq=12)


async def test_an_altered_row_is_found(world: World) -> None:
    await _write(world, 10)
    await world.pool.execute("UPDATE audit_log SET actor = 'someone else' WHERE seq = 4")
    report = await _verify(world)
    assert (report.intact, report.first_broken_seq, report.rows_checked) == (False, 4, 3)
    assert "altered" in report.problem


async def test_a_deleted_row_is_found(world: World) -> None:
    await _write(world, 10)
    await world.pool.execute("DELETE FROM audit_log WHERE seq = 6")
    report = await _verify(world)
    assert (report.intact, report.first_broken_seq, report.problem) == (False, 6, "row missing")
    await world.pool.execute("DELETE FROM audit_log WHERE seq >= 6")  # the whole tail
    report = await _verify(world)
    assert (report.intact, report.first_broken_seq, report.problem) == (False, 6, "row missing")


async def test_an_inserted_row_is_found_even_with_a_recomputed_plain_hash(world: World) -> None:
    await _write(world, 5)
    await world.pool.execute(
        "INSERT INTO audit_log SELECT seq + 1, at, actor, department, role, 'thing.forged', target,"
        " subject_code, request_id, purpose, outcome, change_digest, sha256(hash || change_digest)"
        " FROM audit_log WHERE seq = 5"
    )
    report = await _verify(world)
    assert (report.intact, report.first_broken_seq) == (False, 6)
    # Bumping the head too only moves the finding onto the forged row itself.
    await world.pool.execute(
        "UPDATE audit_head SET seq = 6, hash = (SELECT hash FROM audit_log WHERE seq = 6)"
    )
    report = await _verify(world)
    assert (report.intact, report.first_broken_seq) == (False, 6)
    assert "forged" in report.problem


async def test_pruning_moves_the_anchor_and_the_rest_still_verifies(world: World) -> None:
    await _write(world, 8)
    await world.pool.execute("UPDATE audit_log SET at = at - interval '6 years' WHERE seq <= 3")
    async with world.db.unit_of_work() as uow:
        pruned = await audit_chain.prune(uow.conn, uow.now - dt.timedelta(days=1827))
    assert pruned == 3
    report = await _verify(world)
    assert report == audit_chain.ChainReport(True, 5, head_seq=8)
    anchor = await world.pool.fetchval("SELECT seq FROM audit_anchor")
    assert anchor == 3
