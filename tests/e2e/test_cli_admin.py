"""The admin commands for calendars, the development clock, sharing and the audit trail."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from chengnuo.common.v1 import calendar_pb2, calendar_pb2_grpc
from services.kernel import auth
from services.launcher.stack import Stack
from tests.e2e.cli import Cli
from tests.e2e.conftest import service_today
from tests.support import channel, eventually, mint


def test_calendar_show_and_add_across_national_day(stack: Stack) -> None:
    cli = Cli(stack, ["verifier"])
    code, out = cli("calendar", "add", "2026-09-29", "4")
    assert (code, out.strip()) == (0, "2026-10-10")
    code, out = cli("calendar", "show", "2026", "--month", "10")
    assert code == 0
    assert "2026-10" in out
    code, out = cli("calendar", "show", "2026", "--json")
    data = json.loads(out)
    assert "2026-10-10" in data["calendar"]["make_up_workdays"]  # dates as ISO strings
    code, out = cli("calendar", "show", "2039")  # a year no test loads
    assert "no official schedule" in out


async def test_loading_a_year_needs_admin_and_reaches_every_service(stack: Stack, tmp_path: Path) -> None:
    schedule = tmp_path / "2031.json"
    schedule.write_text(
        json.dumps(
            {
                "year": 2031,
                "source": "test notice 2031",
                "holidays": ["2031-01-01", "2031-01-02"],
                "make_up_workdays": ["2031-01-05"],
            }
        )
    )
    code, out = Cli(stack, ["verifier"])("calendar", "load", str(schedule))
    assert code == 1
    assert out.startswith("error: PERMISSION_DENIED")
    code, out = Cli(stack, ["admin"])("calendar", "load", str(schedule))
    assert (code, "loaded 2031" in out) == (0, True)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"year": 2031, "source": "x", "make_up_workdays": ["2031-01-06"]}))
    code, out = Cli(stack, ["admin"])("calendar", "load", str(bad))
    assert code == 1
    assert "INVALID_ARGUMENT make_up_workdays: 2031-01-06 is a weekday" in out
    code, out = Cli(stack, ["verifier"])("calendar", "add", "2030-12-31", "2")
    assert out.strip() == "2031-01-05"  # 1, 2 Jan off; Fri 3 Jan, then the make-up Sunday
    token = mint(auth.load_private_key(stack.keys.signing_key), ["verifier"], "350200-SCJ", "350200")
    for service in ("commitment", "credit"):
        made = channel(stack.endpoints()[service], token)
        stub = calendar_pb2_grpc.CalendarServiceStub(made)

        async def loaded(stub: calendar_pb2_grpc.CalendarServiceAsyncStub = stub) -> bool:
            answer = await stub.GetYear(calendar_pb2.GetYearRequest(year=2031))
            return answer.calendar.source == "test notice 2031"

        await eventually(loaded, what=f"2031 on {service}")
        await made.close()


def test_errors_print_one_line_and_fail(stack: Stack) -> None:
    code, out = Cli(stack, ["verifier"])("calendar", "add", "2026-13-01", "3")
    assert code == 1
    assert "start: '2026-13-01' is not a date" in out
    anonymous = Cli(stack, ["verifier"])
    anonymous.env["CHENGNUO_TOKEN"] = ""
    code, out = anonymous("calendar", "show", "2026")
    assert code == 1
    assert "no token" in out


def test_audit_verify_and_show(stack: Stack, tmp_path: Path) -> None:
    schedule = tmp_path / "2032.json"
    schedule.write_text(json.dumps({"year": 2032, "source": "audit test", "holidays": ["2032-01-01"]}))
    assert Cli(stack, ["admin"])("calendar", "load", str(schedule))[0] == 0
    code, out = Cli(stack, ["verifier"])("audit", "verify")
    assert code == 1
    assert "PERMISSION_DENIED" in out
    auditor = Cli(stack, ["auditor"], department="350200-SFJ")
    code, out = auditor("audit", "verify", "--json")
    assert code == 0
    assert all(chain["intact"] for chain in json.loads(out).values())
    code, out = auditor("audit", "show", "--action", "calendar.", "--json")
    rows = json.loads(out)
    assert any(r["action"] == "calendar.load_year" and r["target"] == "calendar/2032" for r in rows)
    code, out = auditor("audit", "show", "--actor", "dev-nobody")
    assert code == 0
    code, out = auditor("audit", "show", "--action", "audit.search", "--json")
    assert {r["department"] for r in json.loads(out)} >= {"350200-SFJ"}


async def test_clock_advances_every_service(own_stack: Stack) -> None:
    before = await service_today(own_stack)
    admin = Cli(own_stack, ["admin"])
    code, out = admin("clock", "advance", "30d")
    assert code == 0
    days = re.findall(r"│ (\d{4}-\d\d-\d\d) \d\d:\d\d │", out)  # each service's "now"
    assert days == [str(before + dt.timedelta(days=30))] * 3, out
    assert (await service_today(own_stack) - before).days == 30
    code, out = Cli(own_stack, ["verifier"])("clock", "advance", "1d")
    assert (code, "PERMISSION_DENIED" in out) == (1, True)
    code, out = admin("clock", "advance", "soon")
    assert (code, "use a number" in out) == (1, True)


async def test_clock_moves_the_service_date(own_stack: Stack) -> None:
    before = await service_today(own_stack)
    code, _ = Cli(own_stack, ["admin"])("clock", "advance", "2w")
    assert code == 0
    assert (await service_today(own_stack) - before).days == 14
