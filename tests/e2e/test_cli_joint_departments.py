"""`chengnuo verify joint plan` with a department the verification service does not know."""

from __future__ import annotations

from services.launcher.stack import Stack
from tests.e2e.cli import Cli
from tests.e2e.conftest import service_today
from tests.e2e.test_verification_flow import department


async def test_an_unknown_department_is_refused_on_one_line(stack: Stack) -> None:
    mine, unknown = department(), department()
    year = (await service_today(stack, "verification")).year
    lead = Cli(stack, ["verification_lead"], department=mine)
    window = ["--from", f"{year}-01-01", "--to", f"{year}-12-31"]
    code, out = lead("verify", "joint", "plan", "--department", mine, "--department", unknown, *window)
    assert (code, out.strip()) == (
        1,
        f"error: INVALID_ARGUMENT departments[1]: unknown department {unknown}: not on the department roster",
    )
