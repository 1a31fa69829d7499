"""`chengnuo verify register` against the running services: an inspection outside the plans
registered (报备) 5 days ahead with the joint meeting's consent, refused a day sooner or a second
time for the same type, listed, shown and withdrawn
(《连云港市优化营商环境攻坚年若干政策措施(第4号)》四(三))."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from services.launcher.stack import Stack
from tests.e2e.cli import Cli
from tests.e2e.conftest import service_today
from tests.e2e.test_cli_verify import inspectors_csv
from tests.e2e.test_verification_flow import department
from tests.support import new_uscc


async def test_register_check_list_show_and_cancel(stack: Stack, tmp_path: Path) -> None:
    dept = department()
    lead = Cli(stack, ["verification_lead"], department=dept)
    people = [[f"ZF{dept[-8:]}R{n}", f"执法员{n}", "food_safety", "是", "", ""] for n in range(2)]
    assert (
        lead("verify", "roster", "import-inspectors", str(inspectors_csv(tmp_path / "i.csv", people)))[0] == 0
    )
    verifier = Cli(stack, ["verifier"], department=dept)
    uscc, today = new_uscc(), await service_today(stack, "verification")
    soon, ready = today + dt.timedelta(days=4), today + dt.timedelta(days=5)
    add = ["verify", "register", "add", uscc, "--name", "厦门示例餐饮有限公司", "--type", "FOOD_SAFETY"]
    add += ["--basis", "投诉举报线索", "--check-item", "SC-01"]
    add += [x for p in people for x in ("--inspector", p[0])]

    code, out = verifier(*add, "--on", soon.isoformat(), "--consent", "联席〔2026〕1号")
    assert (code, "REGISTRATION_TOO_LATE" in out, f"the earliest date is {ready}" in out) == (1, True, True)
    code, out = verifier(
        "verify", "register", "check", uscc, "--type", "FOOD_SAFETY", "--on", ready.isoformat()
    )
    assert (code, "not allowed" in out, "CONSENT_REQUIRED" in out) == (1, True, True)

    code, out = verifier(*add, "--on", ready.isoformat(), "--consent", "联席〔2026〕1号", "--json")
    assert code == 0, out
    registration = json.loads(out)
    registration_id = registration["registration_id"]
    assert registration["status"] == "registered"
    code, out = verifier(
        *add, "--on", (ready + dt.timedelta(days=3)).isoformat(), "--consent", "联席〔2026〕1号"
    )
    assert (code, "ANNUAL_CAP" in out, f"registration {registration_id}" in out) == (1, True, True)

    code, out = verifier("verify", "register", "list", "--year", str(ready.year), "--json")
    assert (code, [r["registration_id"] for r in json.loads(out)]) == (0, [registration_id])
    code, out = verifier("verify", "register", "show", registration_id)
    assert (code, "联席〔2026〕1号" in out, "FOOD_SAFETY" in out) == (0, True, True)
    code, out = verifier("verify", "register", "cancel", registration_id, "--reason", "线索不实", "--json")
    assert (code, json.loads(out)["status"]) == (0, "cancelled")
