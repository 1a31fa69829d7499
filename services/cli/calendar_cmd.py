"""`chengnuo calendar`: working days on the official calendar, and loading a new year."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Annotated

import typer

from chengnuo.common.v1 import calendar_pb2, calendar_pb2_grpc
from services.cli.connection import Connection
from services.cli.options import Json
from services.cli.output import console, fail, reported, shown
from services.kernel import convert
from services.kernel.calendar import WorkingCalendar
from services.kernel.features.calendar.wire import from_proto

app = typer.Typer(no_args_is_help=True, help="Working days (法定节假日 and 调休) on the official calendar.")
SERVICE = "verification"  # every service serves the calendar; any one will do


def _stub(conn: Connection) -> calendar_pb2_grpc.CalendarServiceStub:
    return conn.stub(SERVICE, calendar_pb2_grpc.CalendarServiceStub)


@app.command("show")
def show(
    year: Annotated[int, typer.Argument(help="Year, e.g. 2026.")],
    month: Annotated[int, typer.Option(min=0, max=12, help="Only this month (0: the whole year).")] = 0,
    as_json: Json = False,
) -> None:
    """Show a year's days off and make-up working days, or a month day by day."""
    with reported():
        answer = _stub(Connection.discover()).GetYear(calendar_pb2.GetYearRequest(year=year))
    shown(answer, as_json, lambda found: _print_year(found, year, month))


def _print_year(answer: calendar_pb2.GetYearResponse, year: int, month: int) -> None:
    if not answer.HasField("calendar"):
        console.print(f"{year}: no official schedule loaded — weekdays only, deadlines provisional")
        return
    schedule = from_proto(answer.calendar)
    console.print(f"{year} (revision {schedule.revision}, source: {schedule.source})")
    calendar = WorkingCalendar.of([schedule])
    for number in [month] if month else range(1, 13):
        console.print(_month_line(calendar, year, number))


def _month_line(calendar: WorkingCalendar, year: int, month: int) -> str:
    day, marks = dt.date(year, month, 1), []
    while day.month == month:
        working = calendar.is_working_day(day).working
        weekend = day.weekday() >= 5
        style = "green" if working and weekend else "red" if not working and not weekend else ""
        text = f"{day.day:2d}{'·' if working else ' '}"
        marks.append(f"[{style}]{text}[/{style}]" if style else text)
        day += dt.timedelta(days=1)
    return f"{year}-{month:02d} " + " ".join(marks)


@app.command("add")
def add(
    start: Annotated[str, typer.Argument(help="Start date, YYYY-MM-DD (not counted).")],
    days: Annotated[int, typer.Argument(help="Working days to add.")],
) -> None:
    """The date `days` working days after `start`, e.g. a verification deadline."""
    try:
        begin = dt.date.fromisoformat(start)
    except ValueError:
        fail(f"start: {start!r} is not a date (YYYY-MM-DD)")
    request = calendar_pb2.AddWorkingDaysRequest(start=convert.to_date(begin), working_days=days)
    with reported():
        answer = _stub(Connection.discover()).AddWorkingDays(request)
    note = " (provisional: a year on the way has no official schedule)" if answer.provisional else ""
    console.print(f"{convert.from_date(answer.date).isoformat()}{note}")


@app.command("load")
def load(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON file of the schedule.")],
) -> None:
    """Load a year's official schedule (admin role).

    The file: {"year": 2027, "source": "国办发明电〔2026〕…号", "holidays": ["2027-01-01", …],
    "make_up_workdays": ["2027-02-07", …]}. Every service receives it.
    """
    try:
        data = json.loads(file.read_text())
        request = calendar_pb2.LoadYearRequest(
            request_id=str(uuid.uuid4()),
            year=int(data["year"]),
            source=str(data.get("source", "")),
            holidays=[convert.to_date(dt.date.fromisoformat(d)) for d in data.get("holidays", [])],
            make_up_workdays=[
                convert.to_date(dt.date.fromisoformat(d)) for d in data.get("make_up_workdays", [])
            ],
        )
    except (ValueError, KeyError, TypeError) as error:
        fail(f"{file}: {error}")
    with reported():
        answer = _stub(Connection.discover()).LoadYear(request)
    console.print(f"loaded {answer.calendar.year}, revision {answer.calendar.revision}")
