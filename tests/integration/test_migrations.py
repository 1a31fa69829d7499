from __future__ import annotations

import uuid

import asyncpg
import pytest

from services.kernel import migrations
from services.kernel.migrations import Migration, MigrationError
from tests.conftest import Servers


async def test_migrations_apply_once_and_refuse_edited_history(servers: Servers) -> None:
    schema = f"m{uuid.uuid4().hex[:10]}"
    first = [Migration("x/0001", "CREATE TABLE a (id int)"), Migration("x/0002", "CREATE TABLE b (id int)")]
    conn = await asyncpg.connect(servers.pg_dsn)
    try:
        assert await migrations.apply(conn, schema, first) == ["x/0001", "x/0002"]
        assert await migrations.apply(conn, schema, first) == []
        later = [*first, Migration("x/0003", "ALTER TABLE a ADD COLUMN note text")]
        assert await migrations.apply(conn, schema, later) == ["x/0003"]
        edited = [Migration("x/0001", "CREATE TABLE a (id bigint)"), *later[1:]]
        with pytest.raises(MigrationError, match="x/0001"):
            await migrations.apply(conn, schema, edited)
        columns = await conn.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'a'",
            schema,
        )
        assert sorted(c["column_name"] for c in columns) == ["id", "note"]
    finally:
        await conn.close()


async def test_a_failing_migration_leaves_nothing_behind(servers: Servers) -> None:
    schema = f"m{uuid.uuid4().hex[:10]}"
    broken = [Migration("x/0001", "CREATE TABLE ok (id int); CREATE TABLE broken (id nonsense)")]
    conn = await asyncpg.connect(servers.pg_dsn)
    try:
        with pytest.raises(asyncpg.PostgresError):
            await migrations.apply(conn, schema, broken)
        tables = await conn.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = $1", schema
        )
        assert [t["table_name"] for t in tables] == ["schema_migrations"]
    finally:
        await conn.close()


async def test_every_service_migrates_cleanly_twice(servers: Servers) -> None:
    conn = await asyncpg.connect(servers.pg_dsn)
    try:
        for service in ("commitment", "verification", "credit"):
            schema = f"{service}_{uuid.uuid4().hex[:6]}"
            assert await migrations.apply(conn, schema, migrations.for_service(service))
            assert await migrations.apply(conn, schema, migrations.for_service(service)) == []
    finally:
        await conn.close()


async def test_verify_only_mode_refuses_a_schema_that_is_behind(servers: Servers) -> None:
    schema = f"m{uuid.uuid4().hex[:10]}"
    first = [Migration("x/0001", "CREATE TABLE a (id int)")]
    conn = await asyncpg.connect(servers.pg_dsn)
    try:
        await migrations.apply(conn, schema, first)
        await migrations.verify(conn, schema, first)
        with pytest.raises(MigrationError, match=r"lacks migrations \['x/0002'\]"):
            await migrations.verify(conn, schema, [*first, Migration("x/0002", "CREATE TABLE b (id int)")])
        with pytest.raises(MigrationError, match="edited"):
            await migrations.verify(conn, schema, [Migration("x/0001", "CREATE TABLE a (id bigint)")])
    finally:
        await conn.close()
