"""PostgreSQL access: one pool per process, scoped to the service's own schema."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy

if TYPE_CHECKING:  # asyncpg's classes are generic only in its stubs
    # What store functions accept: a unit of work's connection or one borrowed from the pool.
    Connection: TypeAlias = asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]
    # For single statements outside a transaction the pool itself will do.
    Executor: TypeAlias = Connection | asyncpg.Pool[asyncpg.Record]
else:
    Connection = asyncpg.Connection | PoolConnectionProxy
    Executor = Connection | asyncpg.Pool


def one(row: asyncpg.Record | None) -> asyncpg.Record:
    """The row a statement that always returns one (RETURNING, aggregates) returned."""
    assert row is not None
    return row


async def _init_connection(conn: Connection) -> None:
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


class _WithoutFloorRetries(logging.Filter):
    """While PostgreSQL is away asyncpg's pool warns, with a traceback in plain text outside the
    JSON log, each time it fails to reconnect its minimum of connections (about once a second).
    The outage is reported once, by the database watch (availability.py), and the pool simply
    reconnects once the server is back."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Failed to restore the pool connection floor")


logging.getLogger("asyncpg.pool").addFilter(_WithoutFloorRetries())


async def create_pool(dsn: str, schema: str, max_size: int) -> asyncpg.Pool:
    # search_path pins every unqualified name to the service's schema: services never read
    # each other's tables even though they may share one database.
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min(2, max_size),
        max_size=max_size,
        init=_init_connection,
        server_settings={"search_path": schema, "application_name": f"chengnuo-{schema}"},
    )
    assert pool is not None
    return pool
