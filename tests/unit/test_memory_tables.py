"""The in-memory tables behind the handler unit tests keep PostgreSQL's promises that the write
contract (tests/integration/test_write_contract.py) does not reach: savepoints, unique keys with
NULLs, sequences outside transactions, one transaction at a time, and no SQL."""

from __future__ import annotations

import asyncio

import pytest

from services.kernel.auth import Caller, current_caller
from services.kernel.errors import Unauthenticated
from tests.support.memory import MemoryTables, MemoryUniqueViolation, acting_as, caller


async def _fail_in(tables: MemoryTables, row: dict[str, object]) -> None:
    async with tables.transaction():
        tables.insert("t", row)
        raise LookupError("rolled back")


async def test_a_savepoint_rolls_back_alone_and_the_transaction_commits_on_a_clean_exit() -> None:
    root = MemoryTables()
    async with root.acquire() as conn, conn.transaction():
        conn.insert("t", {"id": 1})
        with pytest.raises(LookupError):
            await _fail_in(conn, {"id": 2})
        assert [r["id"] for r in conn.rows("t")] == [1]
        assert root.rows("t") == []  # not committed yet: other connections do not see it
    assert [r["id"] for r in root.rows("t")] == [1]


async def test_a_failed_transaction_leaves_nothing_but_its_sequence_numbers() -> None:
    root = MemoryTables()
    async with root.acquire() as conn:
        with pytest.raises(LookupError):
            await _fail_in(conn, {"id": conn.nextval("ids")})
    assert root.rows("t") == []
    assert root.nextval("ids") == 2  # as a PostgreSQL sequence: never rolled back


async def test_unique_keys_refuse_duplicates_but_not_nulls() -> None:
    tables = MemoryTables()
    tables.unique("t", "a", "b")
    tables.insert("t", {"a": 1, "b": 2})
    tables.insert("t", {"a": 1, "b": None})
    tables.insert("t", {"a": 1, "b": None})
    with pytest.raises(MemoryUniqueViolation) as refused:
        tables.insert("t", {"a": 1, "b": 2})
    assert refused.value.table_name == "t"
    assert len(tables.rows("t", a=1)) == 3


async def test_rows_update_and_delete_select_by_equal_columns() -> None:
    tables = MemoryTables()
    for n in range(4):
        tables.insert("t", {"n": n, "even": n % 2 == 0})
    assert [r["n"] for r in tables.update("t", {"seen": True}, even=True)] == [0, 2]
    assert tables.first("t", seen=True) == {"n": 0, "even": True, "seen": True}
    assert tables.delete("t", even=False) == 2
    assert [r["n"] for r in tables.rows("t")] == [0, 2]


async def test_transactions_run_one_at_a_time() -> None:
    root = MemoryTables()
    order: list[str] = []

    async def work(name: str) -> None:
        async with root.acquire() as conn, conn.transaction():
            order.append(f"{name} begins")
            await asyncio.sleep(0.01)
            order.append(f"{name} ends")

    await asyncio.gather(work("a"), work("b"))
    assert order == ["a begins", "a ends", "b begins", "b ends"]


async def test_a_task_waiting_for_its_own_transaction_is_refused_instead_of_hanging() -> None:
    root = MemoryTables()
    async with root.acquire() as outer, outer.transaction(), root.acquire() as other:
        with pytest.raises(RuntimeError, match="wait for itself"):
            async with other.transaction():
                pass


async def test_sql_is_refused() -> None:
    with pytest.raises(NotImplementedError, match="store"):
        await MemoryTables().fetchval("SELECT 1")


def _caller_now() -> Caller | None:
    try:
        return current_caller()
    except Unauthenticated:
        return None


def test_acting_as_sets_the_caller_for_the_block_only() -> None:
    before = _caller_now()
    with acting_as(caller("portal", subject="u1")) as who:
        assert current_caller() is who
        assert who.roles == frozenset({"portal"})
        with acting_as(caller(subject="u2")):
            assert current_caller().subject == "u2"
        assert current_caller() is who
    assert _caller_now() is before
