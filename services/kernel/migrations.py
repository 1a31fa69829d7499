"""Forward-only SQL migrations per service schema, recorded in schema_migrations.

The kernel's own tables (outbox, inbox, idempotency, audit, calendar) come first, then the
service's. An applied migration must never change: its checksum is compared on every start.
An advisory lock makes concurrent starts of several replicas safe.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources

from services.kernel.db import Connection


class MigrationError(Exception):
    pass


@dataclass(frozen=True)
class Migration:
    id: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load(package: str, prefix: str) -> list[Migration]:
    folder = resources.files(package) / "migrations"
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)
    return [Migration(f"{prefix}/{f.name.removesuffix('.sql')}", f.read_text()) for f in files]


def for_service(service: str) -> list[Migration]:
    return load("services.kernel", "kernel") + load(f"services.{service}", service)


async def verify(conn: Connection, schema: str, migrations: list[Migration]) -> None:
    """For processes without DDL rights: refuse to run against a schema that is behind or edited."""
    rows = await conn.fetch(f'SELECT id, checksum FROM "{schema}".schema_migrations')  # noqa: S608
    done: dict[str, str] = {row["id"]: row["checksum"] for row in rows}
    _check_unchanged(migrations, done)
    missing = [m.id for m in migrations if m.id not in done]
    if missing:
        raise MigrationError(f"schema {schema} lacks migrations {missing}; run `chengnuo migrate`")


async def apply(conn: Connection, schema: str, migrations: list[Migration]) -> list[str]:
    """Apply what is missing; returns the ids applied now."""
    await conn.execute("SELECT pg_advisory_lock(hashtext($1))", f"chengnuo.migrate.{schema}")
    try:
        await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        await conn.execute(f'SET search_path TO "{schema}"')
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " id text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        rows = await conn.fetch("SELECT id, checksum FROM schema_migrations")
        done: dict[str, str] = {row["id"]: row["checksum"] for row in rows}
        _check_unchanged(migrations, done)
        return [m.id for m in migrations if m.id not in done and await _apply_one(conn, m)]
    finally:
        await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", f"chengnuo.migrate.{schema}")
        await conn.execute("RESET search_path")


def _check_unchanged(migrations: list[Migration], done: dict[str, str]) -> None:
    changed = [m.id for m in migrations if done.get(m.id, m.checksum) != m.checksum]
    if changed:
        raise MigrationError(f"applied migrations were edited (add a new one instead): {changed}")


async def _apply_one(conn: Connection, migration: Migration) -> bool:
    async with conn.transaction():
        await conn.execute(migration.sql)
        await conn.execute(
            "INSERT INTO schema_migrations (id, checksum) VALUES ($1, $2)",
            migration.id,
            migration.checksum,
        )
    return True
