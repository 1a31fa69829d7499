"""The stored working-day schedules (table calendar_year), seeded from the chinese-calendar package."""

from __future__ import annotations

import datetime as dt
from importlib import metadata

from chinese_calendar import constants as official

from services.kernel.calendar import WorkingCalendar, YearSchedule
from services.kernel.db import Connection
from services.kernel.rows import Row, one_or_none, typed

PACKAGE_SOURCE = f"chinese-calendar {metadata.version('chinese-calendar')} (国务院办公厅 holiday notices)"


def packaged_years(loaded_at: dt.datetime) -> list[YearSchedule]:
    """Every year the maintained package knows, as official schedules."""
    years = sorted({d.year for d in official.holidays} | {d.year for d in official.workdays})
    return [
        YearSchedule(
            year=year,
            holidays=frozenset(d for d in official.holidays if d.year == year),
            workdays=frozenset(d for d in official.workdays if d.year == year),
            source=PACKAGE_SOURCE,
            loaded_at=loaded_at,
        )
        for year in years
    ]


async def seed(conn: Connection, now: dt.datetime) -> None:
    """Insert the package's years that are not stored yet (an administrator's load wins)."""
    rows = [
        (s.year, sorted(s.holidays), sorted(s.workdays), s.source, s.revision, s.loaded_at)
        for s in packaged_years(now)
    ]
    await conn.executemany(
        "INSERT INTO calendar_year (year, holidays, workdays, source, revision, loaded_at)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (year) DO NOTHING",
        rows,
    )


async def load(conn: Connection) -> WorkingCalendar:
    rows = await conn.fetch("SELECT * FROM calendar_year")
    return WorkingCalendar.of(_schedule(r) for r in rows)


async def get(conn: Connection, year: int) -> YearSchedule | None:
    return await one_or_none(conn, _schedule, "SELECT * FROM calendar_year WHERE year = $1", year)


async def store_if_newer(conn: Connection, schedule: YearSchedule) -> bool:
    """Keep the most recently loaded schedule of a year (last writer wins by load time)."""
    result = await conn.fetchval(
        "INSERT INTO calendar_year AS c (year, holidays, workdays, source, revision, loaded_at)"
        " VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT (year) DO UPDATE SET holidays = excluded.holidays,"
        "  workdays = excluded.workdays, source = excluded.source,"
        "  revision = excluded.revision, loaded_at = excluded.loaded_at"
        " WHERE excluded.loaded_at > c.loaded_at RETURNING true",
        schedule.year,
        sorted(schedule.holidays),
        sorted(schedule.workdays),
        schedule.source,
        schedule.revision,
        schedule.loaded_at,
    )
    return bool(result)


def _schedule(row: Row) -> YearSchedule:
    return typed(YearSchedule, row, holidays=frozenset(row["holidays"]), workdays=frozenset(row["workdays"]))
