"""The process's copy of the calendar, and the consumer that keeps the copies in step.

A year loaded on any service is stored there and announced as `calendar.year_loaded`; every
service (including the one it was loaded on) applies the newest load of each year.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from chengnuo.events.v1 import calendar_events_pb2
from services.kernel.calendar import WorkingCalendar, YearSchedule
from services.kernel.events import EventMeta, EventType, Stream
from services.kernel.features.calendar import store
from services.kernel.features.calendar.wire import from_proto
from services.kernel.uow import Database, UnitOfWork

CALENDAR_STREAM = Stream("CALENDAR", ("calendar.>",), "official working-day schedules")
CALENDAR_YEAR_LOADED = EventType("calendar.year_loaded", calendar_events_pb2.CalendarYearLoaded, "CALENDAR")

YearListener = Callable[[YearSchedule, UnitOfWork], Awaitable[None]]


class CalendarKeeper:
    """The process's in-memory calendar, replaced whenever a newer year is committed."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.current = WorkingCalendar({})
        self._listeners: list[YearListener] = []

    def on_year_loaded(self, listener: YearListener) -> None:
        """Run `listener` in the same unit of work that stores a newly loaded year."""
        self._listeners.append(listener)

    async def start(self) -> None:
        async with self.db.unit_of_work() as uow:
            await store.seed(uow.conn, uow.now)
            self.current = await store.load(uow.conn)

    async def apply(self, schedule: YearSchedule, uow: UnitOfWork) -> bool:
        if not await store.store_if_newer(uow.conn, schedule):
            return False
        for listener in self._listeners:
            await listener(schedule, uow)
        uow.after_commit(lambda: self._adopt(schedule))
        return True

    def _adopt(self, schedule: YearSchedule) -> None:
        self.current = self.current.with_year(schedule)

    async def on_event(
        self, event: calendar_events_pb2.CalendarYearLoaded, uow: UnitOfWork, meta: EventMeta
    ) -> None:
        schedule = from_proto(event.calendar)
        if await self.apply(schedule, uow):
            uow.audit("calendar.year_applied", f"calendar/{schedule.year}", change=meta.id)
