"""The development clock's offset (table dev_clock, one row), shared by the replicas of a service."""

from __future__ import annotations

import datetime as dt

from services.kernel.db import Connection, Executor


def _micros(delta: dt.timedelta) -> int:
    return delta // dt.timedelta(microseconds=1)


def _offset(stored: int | None) -> dt.timedelta | None:
    return None if stored is None else dt.timedelta(microseconds=stored)


async def offset(conn: Executor) -> dt.timedelta | None:
    """The stored offset; None while the clock was never set."""
    return _offset(await conn.fetchval("SELECT offset_us FROM dev_clock"))


async def lock_offset(conn: Connection) -> dt.timedelta:
    """The stored offset (zero when never set), locked until the transaction ends, so concurrent
    advances add up instead of overwriting each other."""
    return _offset(await conn.fetchval("SELECT offset_us FROM dev_clock FOR UPDATE")) or dt.timedelta(0)


async def set_offset(conn: Connection, offset: dt.timedelta) -> None:
    await conn.execute(
        "INSERT INTO dev_clock (offset_us) VALUES ($1) ON CONFLICT (id) DO UPDATE SET offset_us = $1",
        _micros(offset),
    )


async def start_at(conn: Executor, offset: dt.timedelta) -> None:
    """Store `offset` unless the clock was set before."""
    await conn.execute(
        "INSERT INTO dev_clock (offset_us) VALUES ($1) ON CONFLICT (id) DO NOTHING", _micros(offset)
    )
