"""Real servers for the tests: embedded PostgreSQL and NATS JetStream, started once per session.

Set CHENGNUO_TEST_PG_DSN (a database the tests may create schemas and databases in) and/or
CHENGNUO_TEST_NATS_URL to run against external servers instead.

No test reads the wall clock for a business date. Every stack and world starts its clock on
CLOCK_START (CHENGNUO_CLOCK_START overrides it: CI runs the integration and end-to-end suites a
second time from a late-December day of a year whose holiday schedule is not loaded), and every
date a test uses is derived from the clock it started.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from services.kernel.clock import DevClock, parse_start
from services.launcher.embedded import EmbeddedNats, EmbeddedPostgres

# A Monday away from public holidays, in a year whose holiday schedule the tests load, after the
# determination dates the credit tests name (rule sets are chosen by those dates).
CLOCK_START = os.environ.get("CHENGNUO_CLOCK_START") or "2026-11-02"


def dev_clock() -> DevClock:
    """A development clock reading CLOCK_START now, for in-process worlds."""
    return DevClock.starting(parse_start(CLOCK_START))


class Servers:
    def __init__(self, pg_dsn: str, nats_url: str, nats: EmbeddedNats | None) -> None:
        self.pg_dsn, self.nats_url, self.nats = pg_dsn, nats_url, nats


@pytest.fixture(scope="session")
def session_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("chengnuo")


@pytest.fixture(scope="session")
async def servers(session_dir: Path) -> AsyncIterator[Servers]:
    postgres = None if os.environ.get("CHENGNUO_TEST_PG_DSN") else EmbeddedPostgres(session_dir / "pg")
    nats = None if os.environ.get("CHENGNUO_TEST_NATS_URL") else EmbeddedNats(session_dir / "nats")
    admin = os.environ.get("CHENGNUO_TEST_PG_DSN") or await postgres.start()  # type: ignore[union-attr]
    url = os.environ.get("CHENGNUO_TEST_NATS_URL") or await nats.start()  # type: ignore[union-attr]
    dsn = await _fresh_database(admin, f"chengnuo_test_{os.getpid()}")
    try:
        yield Servers(dsn, url, nats)
    finally:
        if nats:
            await nats.stop()
        if postgres:
            await postgres.stop()


async def _fresh_database(admin_dsn: str, name: str) -> str:
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base, _, query = admin_dsn.partition("?")
    return f"{base.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")
