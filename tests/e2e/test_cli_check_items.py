"""`chengnuo verify items` against the running services: a department's random inspection list
(随机抽查事项清单) put, revised, read by another department and retired."""

from __future__ import annotations

import datetime as dt
import json

from services.launcher.stack import Stack
from tests.e2e.cli import Cli
from tests.e2e.conftest import service_today
from tests.e2e.test_verification_flow import department

ITEM = [
    "--name",
    "食品经营许可事项检查",
    "--legal-basis",
    "《中华人民共和国食品安全法》第一百一十条",
    "--inspection-type",
    "FOOD_SAFETY",
    "--domain",
    "food",
    "--content",
    "经营场所、设施设备与许可一致",
    "--method",
    "现场检查",
]


async def test_a_list_is_put_revised_read_by_others_and_retired(stack: Stack) -> None:
    dept = department()
    lead = Cli(stack, ["verification_lead"], department=dept)
    today = await service_today(stack, "verification")
    start = today.isoformat()

    code, out = lead("verify", "items", "put", "SCJ-FOOD-01", *ITEM, "--from", start)
    assert (code, "version 1" in out) == (0, True), out
    code, out = lead(
        "verify", "items", "put", "SCJ-FOOD-01", *ITEM, "--from", start, "--no-notice", "上级机关明确要求"
    )
    assert (code, "version 2" in out) == (0, True), out

    reader = Cli(stack, ["credit_officer"], department=department())
    code, out = reader("verify", "items", "list", "--department", dept, "--json")
    assert code == 0, out
    (item,) = json.loads(out)
    assert (item["code"], item["version"], item["no_notice_reason"]) == ("SCJ-FOOD-01", 2, "上级机关明确要求")
    code, out = reader("verify", "items", "show", "SCJ-FOOD-01", "--department", dept, "--version", "1")
    assert (code, "yes" in out) == (0, True), out  # version 1 allowed advance notice

    code, out = lead("verify", "items", "put", "SCJ-FOOD-01", *ITEM, "--from", "2001-01-01")
    assert (code, "FAILED_PRECONDITION EFFECTIVE_BEFORE_LATEST SCJ-FOOD-01" in out) == (1, True), out

    later = (today + dt.timedelta(days=3)).isoformat()
    code, out = lead("verify", "items", "retire", "SCJ-FOOD-01", "--on", later)
    assert (code, out.strip()) == (0, f"check item SCJ-FOOD-01 is retired from {later}")
    code, out = reader("verify", "items", "list", "--department", dept, "--on", later, "--json")
    assert (code, json.loads(out)) == (0, [])
    code, out = lead("verify", "items", "show", "NO-SUCH")
    assert (code, out.startswith("error: NOT_FOUND")) == (1, True), out


async def test_an_annual_plan_is_drafted_from_the_list_revised_and_published(stack: Stack) -> None:
    dept = department()
    lead = Cli(stack, ["verification_lead"], department=dept)
    today = await service_today(stack, "verification")
    year = today.year + 1
    code, out = lead("verify", "items", "put", "SC-LL-01", *ITEM, "--from", f"{year}-01-01")
    assert code == 0, out

    march = f"SC-LL-01 | random | {year}-03-01 | {year}-03-31"
    code, out = lead(
        "verify", "plan", "annual", "create", "--year", str(year), "--name", "年度计划", "--json"
    )
    assert code == 0, out
    plan = json.loads(out)
    code, out = lead(
        "verify", "plan", "annual", "revise", plan["annual_plan_id"], "--revision", "1", "--name", "年度计划",
        "--entry", march, "--entry", f"NOT-LISTED | random | {year}-04-01 | {year}-04-30",
    )  # fmt: skip
    assert (code, "entries[1].check_item_code" in out) == (1, True), out
    code, out = lead(
        "verify", "plan", "annual", "revise", plan["annual_plan_id"], "--revision", "1", "--name", "年度计划",
        "--entry", march,
    )  # fmt: skip
    assert (code, "SC-LL-01" in out, "FOOD_SAFETY" in out) == (0, True, True), out
    code, out = lead("verify", "plan", "annual", "publish", plan["annual_plan_id"], "--revision", "2")
    assert (code, f"annual plan {year} published; report it by" in out) == (0, True), out
    code, out = lead(
        "verify", "plan", "create", "--name", "三月抽查", "--check-item", "SC-LL-01 | 冷链 | FOOD_SAFETY",
        "--from", f"{year}-03-02", "--to", f"{year}-03-30", "--annual-plan", plan["annual_plan_id"],
    )  # fmt: skip
    assert (code, plan["annual_plan_id"] in out) == (0, True), out
    code, out = lead(
        "verify", "plan", "create", "--name", "四月抽查", "--check-item", "SC-LL-01 | 冷链 | FOOD_SAFETY",
        "--from", f"{year}-04-02", "--to", f"{year}-04-30", "--annual-plan", plan["annual_plan_id"],
    )  # fmt: skip
    assert (code, "register an unplanned inspection instead" in out) == (1, True), out
    code, out = lead("verify", "plan", "annual", "list", "--json")
    assert code == 0, out
    (listed,) = json.loads(out)
    assert (listed["status"], listed["revision"], len(listed["entries"])) == (
        "published",
        3,
        1,
    )
    code, out = lead("verify", "plan", "annual", "create", "--year", str(year), "--name", "again")
    assert (code, out.startswith("error: ALREADY_EXISTS")) == (1, True), out
    code, out = lead(
        "verify", "plan", "annual", "create", "--year", str(year), "--name", "x", "--entry", "bad"
    )
    assert (code, "--entry: 'bad'" in out) == (1, True), out


async def test_a_scene_names_each_departments_items_and_the_cooperating_department_sees_it(
    stack: Stack,
) -> None:
    lead_dept, fire = department(), department()
    lead = Cli(stack, ["verification_lead"], department=lead_dept)
    fire_lead = Cli(stack, ["verification_lead"], department=fire)
    today = (await service_today(stack, "verification")).isoformat()
    for cli, item in ((lead, "SC-SP-01"), (fire_lead, "XF-01")):
        code, out = cli("verify", "items", "put", item, *ITEM, "--from", today)
        assert code == 0, out
    scene = [
        "verify",
        "joint",
        "scene",
        "put",
        "KB-CY",
        "--name",
        "开办餐饮店",
        "--with",
        fire,
        "--from",
        today,
    ]
    items = ["--item", f"{lead_dept} | SC-SP-01", "--item", f"{fire} | XF-01"]
    code, out = lead(*scene, *items)
    assert (code, "cooperating_departments[0]: unknown department" in out) == (1, True), out

    code, out = Cli(stack, ["admin"])(
        "verify", "roster", "add-department", fire, "--name", "消防救援支队", "--region", "350200"
    )
    assert code == 0, out
    code, out = lead(*scene, *items)
    assert (code, out.strip()) == (0, f"scene KB-CY is version 1 from {today}"), out
    code, out = fire_lead("verify", "joint", "scene", "list", "--json")
    assert code == 0, out
    (listed,) = json.loads(out)
    assert (listed["lead_department"], [i["code"] for i in listed["check_items"]]) == (
        lead_dept,
        ["SC-SP-01", "XF-01"],
    )
    code, out = fire_lead("verify", "joint", "scene", "show", "KB-CY", "--lead", lead_dept)
    assert (code, "XF-01" in out, "开办餐饮店" in out) == (0, True, True), out
    code, out = lead(*scene, "--item", "no bar")
    assert (code, "--item: 'no bar'" in out) == (1, True), out
