"""`chengnuo clock`: let time pass in a development stack (DevClockService on every service)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Annotated

import typer
from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from chengnuo.common.v1 import dev_clock_pb2, dev_clock_pb2_grpc
from services.cli.connection import Connection
from services.cli.output import fail, reported, table
from services.kernel.clock import CHINA
from services.kernel.config import SERVICES

app = typer.Typer(no_args_is_help=True, help="Development clock: see it, or let days pass (admin role).")
_SPAN = re.compile(r"^(\d+)([mhdw])$")


def parse_span(text: str) -> dt.timedelta:
    found = _SPAN.match(text)
    if not found:
        fail(f"{text!r}: use a number and m, h, d or w, e.g. 90d")
    unit = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[found.group(2)]
    return dt.timedelta(**{unit: int(found.group(1))})


def _show(answers: dict[str, dev_clock_pb2.GetTimeResponse]) -> None:
    rows = [[s, _china(a.now), _offset(a.offset.ToTimedelta())] for s, a in answers.items()]
    table("service clocks (China time)", ["service", "now", "offset from real time"], rows)


def _china(at: Timestamp) -> str:
    return at.ToDatetime(dt.UTC).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def _offset(delta: dt.timedelta) -> str:
    """`+30d 00:00` or `-246d 20:11` (a stack may start on a day before today: CHENGNUO_CLOCK_START)."""
    sign, size = ("-", -delta) if delta < dt.timedelta(0) else ("+", delta)
    minutes = size.seconds // 60
    return f"{sign}{size.days}d {minutes // 60:02d}:{minutes % 60:02d}"


@app.command("show")
def show() -> None:
    """Each service's current time."""
    conn = Connection.discover()
    with reported():
        answers = {
            s: conn.stub(s, dev_clock_pb2_grpc.DevClockServiceStub).GetTime(dev_clock_pb2.GetTimeRequest())
            for s in SERVICES
        }
    _show(answers)


def advance_all(conn: Connection, by: dt.timedelta) -> dict[str, dev_clock_pb2.GetTimeResponse]:
    span = Duration()
    span.FromTimedelta(by)
    request_id = str(uuid.uuid4())
    return {
        s: conn.stub(s, dev_clock_pb2_grpc.DevClockServiceStub).Advance(
            dev_clock_pb2.AdvanceRequest(request_id=request_id, by=span)
        )
        for s in SERVICES
    }


@app.command("advance")
def advance(by: Annotated[str, typer.Argument(help="How much time passes, e.g. 30d, 12w, 6h.")]) -> None:
    """Move every service's clock forward; scheduled work that fell due runs at once."""
    span = parse_span(by)
    with reported():
        answers = advance_all(Connection.discover(), span)
    _show(answers)
