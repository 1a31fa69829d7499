"""`chengnuo verify` against the running services: a department's queue, assignment, extension and
conclusion; roster imports with their reports; random draws re-verified; joint inspections."""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from chengnuo.commitment.v1 import catalogue_pb2
from chengnuo.verification.v1 import verification_pb2 as vpb
from services.kernel import auth, convert
from services.launcher.stack import Stack
from tests.e2e.cli import Cli
from tests.e2e.conftest import Clients, service_today
from tests.e2e.test_thin_flow import draft, publish_item, record_request, task_of
from tests.e2e.test_verification_flow import department
from tests.support import eventually, mint, new_uscc

Roles = Callable[..., Clients]


def as_inspector(cli: Cli, stack: Stack, certificate: str, roles: list[str], dept: str) -> Cli:
    """The same caller, identified by the enforcement certificate number (for --mine)."""
    key = auth.load_private_key(stack.keys.signing_key)
    cli.env["CHENGNUO_TOKEN"] = mint(key, roles, dept, "350200", subject=certificate)
    return cli


async def open_task(
    roles: Roles, dept: str, uscc: str = "", on_site: bool = True, days: int = 10
) -> vpb.Task:
    item = draft("特种设备使用登记证明" if on_site else "营业场所使用证明", days=days)
    if on_site:
        item.verification.method = catalogue_pb2.VERIFICATION_METHOD_ON_SITE
    item_id = await publish_item(roles("catalogue_admin", department=dept), item)
    recorded = await roles("portal").commitments.RecordCommitment(record_request(uscc or new_uscc(), item_id))
    verifier = roles("verifier", department=dept)
    return await eventually(lambda: task_of(verifier, recorded.commitment.commitment_id), what="task")


def inspectors_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(
            [["执法证号", "姓名", "执法领域", "是否在岗", "有效期至", "回避对象"], *rows]
        )
    return path


def listed(cli: Cli, *args: str) -> list[dict[str, Any]]:
    code, out = cli(*args, "--json")
    assert code == 0, out
    found: list[dict[str, Any]] = json.loads(out)
    return found


async def test_the_queue_assignment_extension_and_conclusion(
    as_role: Roles, stack: Stack, tmp_path: Path
) -> None:
    dept = department()
    task = await open_task(as_role, dept)
    lead = Cli(stack, ["verification_lead"], department=dept)
    zf = [f"ZF{dept[-8:]}{n}" for n in range(3)]
    sheet = inspectors_csv(
        tmp_path / "执法人员.csv",
        [
            [zf[0], "王明", "special_equipment", "是", "2030-12-31", ""],
            [zf[1], "李芳", "special_equipment", "是", "2030-12-31", ""],
            [zf[2], "陈强", "special_equipment", "是", "2030-12-31", f"{task.subject.code}：亲属任职"],
        ],
    )
    code, out = lead("verify", "roster", "import-inspectors", str(sheet))
    assert (code, "created 3" in out) == (0, True)
    assert sorted(str(i["certificate_number"]) for i in listed(lead, "verify", "roster", "inspectors")) == zf

    verifier = as_inspector(Cli(stack, ["verifier"]), stack, zf[0], ["verifier"], dept)
    assert [t["task_id"] for t in listed(verifier, "verify", "tasks")] == [task.task_id]
    assert listed(verifier, "verify", "tasks", "--mine") == []
    assert listed(verifier, "verify", "tasks", "--due-within", "1") == []
    assert len(listed(verifier, "verify", "tasks", "--due-within", "10")) == 1

    code, out = verifier("verify", "assign", task.task_id, zf[0], zf[1])
    assert (code, out.strip()) == (1, "error: PERMISSION_DENIED requires one of the roles verification_lead")
    code, out = lead("verify", "assign", task.task_id, zf[0], zf[2])
    assert (code, f"INSPECTOR_CONFLICT {zf[2]}:" in out) == (1, True)
    code, out = lead("verify", "assign", task.task_id, zf[0], zf[1])
    assert (code, f"assigned to 王明 {zf[0]}, 李芳 {zf[1]}" in out) == (0, True)
    assert [t["task_id"] for t in listed(verifier, "verify", "tasks", "--mine")] == [task.task_id]

    code, out = lead("verify", "extend", task.task_id, "--days", "500", "--reason", " ")
    assert code == 1
    assert out.startswith("error: INVALID_ARGUMENT working_days: must be 1 to ")
    assert "; reason: required" in out
    code, out = lead("verify", "extend", task.task_id, "--days", "3", "--reason", "需调取特种设备检验报告")
    assert (code, f"(was {convert.from_date(task.due_date)})" in out) == (0, True)
    code, out = verifier("verify", "task", task.task_id, "--json")
    shown = json.loads(out)
    assert (shown["extended_working_days"], shown["extensions"][0]["reason"]) == (3, "需调取特种设备检验报告")

    rectify = ["--measure", "rectify | 《特种设备安全法》第八十三条"]
    conclude = ["verify", "conclude", task.task_id, "--outcome", "不实", "--findings", "现场未见使用登记标志"]
    code, out = verifier(*conclude, *rectify)
    assert (code, out.strip()) == (1, "error: INVALID_ARGUMENT measures[0].deadline: required")
    code, out = verifier(
        *conclude, "--measure", "rectify | 《特种设备安全法》第八十三条 | 2026-12-31 | 办理使用登记"
    )
    assert (code, "publish outcome by" in out) == (0, True)
    (done,) = listed(verifier, "verify", "tasks", "--status", "concluded")
    assert (done["outcome"], done["measures"][0]["note"]) == ("false", "办理使用登记")
    counts = json.loads(verifier("verify", "overdue", "--json")[1])
    assert counts["departments"] == [{"department": dept}]  # no open task, none overdue (zeros omitted)

    code, out = verifier("verify", "rectified", task.task_id, "--assessment", "已办理使用登记，未发生事故")
    assert (code, f"task {task.task_id}: correction recorded" in out) == (0, True)
    code, out = verifier("verify", "task", task.task_id)
    assert "已办理使用登记，未发生事故" in out
    code, out = verifier("verify", "rectified", task.task_id, "--assessment", "再次登记")
    assert (code, "ALREADY_RECTIFIED" in out) == (1, True)


@pytest.fixture
async def own_roles(own_stack: Stack) -> AsyncIterator[Roles]:
    made: list[Clients] = []

    def make(*names: str, department: str = "350200-SCJ") -> Clients:
        made.append(Clients(own_stack, names, department))
        return made[-1]

    yield make
    for clients in made:
        await clients.close()


async def test_overdue_tasks_stand_out_once_time_has_passed(own_stack: Stack, own_roles: Roles) -> None:
    dept = department()
    task = await open_task(own_roles, dept, on_site=False, days=1)
    verifier = Cli(own_stack, ["verifier"], department=dept)
    assert listed(verifier, "verify", "tasks", "--overdue") == []
    code, _ = Cli(own_stack, ["admin"])("clock", "advance", "10d")
    assert code == 0
    (late,) = listed(verifier, "verify", "tasks", "--overdue")
    assert (late["task_id"], late["overdue"]) == (task.task_id, True)
    code, out = verifier("verify", "tasks")
    assert "overdue" in out
    counts = json.loads(verifier("verify", "overdue", "--json")[1])
    assert {"department": dept, "overdue": 1, "open": 1} in counts["departments"]


def subjects_workbook(path: Path, codes: list[str], bad_kind_at: int = -1) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["统一社会信用代码", "主体类型", "企业名称", "区划代码", "行业代码", "标签"])
    for i, code in enumerate(codes):
        kind = "合伙" if i == bad_kind_at else "法人"
        sheet.append(
            [code, kind, f"厦门示例{i}号有限公司", 350203, "H62", "cold_chain" if i % 2 == 0 else ""]
        )
    book.save(path)
    return path


def test_a_subject_roster_goes_in_chunks_with_its_refused_rows(stack: Stack, tmp_path: Path) -> None:
    lead = Cli(stack, ["verification_lead"], department=department())
    codes = [new_uscc() for _ in range(1200)]
    codes[700] = codes[700][:-1] + ("0" if codes[700][-1] != "0" else "1")  # a broken check character
    sheet = subjects_workbook(tmp_path / "检查对象.xlsx", codes, bad_kind_at=1100)
    code, out = lead("verify", "roster", "import-subjects", str(sheet), "--chunk-size", "500", "--json")
    report = json.loads(out)
    assert code == 1
    assert [(p["row"], p["field"]) for p in report["problems"]] == [
        (702, "subject.code"),
        (1102, "subject.kind"),
    ]
    assert (report["status"], report["created"]) == ("committed", 1198)
    code, out = lead("verify", "roster", "import-status", report["import_id"], "--json")
    status = json.loads(out)
    # Rows 2-501, 502-1001, 1002-1101, then 1103-1201 after the row refused here.
    assert (status["chunks"], status["rows_received"], status["rows_rejected"]) == (4, 1199, 1)
    code, out = lead("verify", "roster", "import-errors", report["import_id"])
    assert (code, "702" in out, "check character" in out) == (0, True, True)

    code, out = lead("verify", "roster", "import-subjects", str(sheet), "--replace", "--json")
    replaced = json.loads(out)
    assert (code, replaced["status"], replaced["deactivated"]) == (1, "open (not committed)", 0)


async def test_a_random_draw_is_made_listed_and_verified(stack: Stack, tmp_path: Path) -> None:
    dept = department()
    lead = Cli(stack, ["verification_lead"], department=dept)
    sheet = subjects_workbook(tmp_path / "subjects.xlsx", [new_uscc() for _ in range(60)])
    assert lead("verify", "roster", "import-subjects", str(sheet))[0] == 0
    people = [[f"ZF{dept[-8:]}{n}", f"执法员{n}", "food_safety", "是", "", ""] for n in range(4)]
    assert (
        lead("verify", "roster", "import-inspectors", str(inspectors_csv(tmp_path / "i.csv", people)))[0] == 0
    )
    year = (await service_today(stack, "verification")).year
    create = ["verify", "plan", "create", "--name", "冷链食品双随机抽查", "--tag", "cold_chain"]
    window = [
        "--from",
        f"{year}-01-01",
        "--to",
        f"{year}-12-31",
        "--team-size",
        "2",
        "--domain",
        "food_safety",
    ]
    check = ["--check-item", "SC-LL-01 | 冷链食品贮存检查 | FOOD_SAFETY"]
    code, out = lead(*create, *window, *check, "--ratio", "D=140")
    assert (code, out.startswith("error: INVALID_ARGUMENT ratios[0].percent:")) == (1, True)
    code, out = lead(*create, *window, *check, "--ratio", "B=20", "--json")
    plan = json.loads(out)
    assert plan["filter"]["tags"] == ["cold_chain"]

    code, out = lead("verify", "plan", "draw", plan["plan_id"], "--json")
    draw = json.loads(out)
    assert (code, draw["pool_size"], draw["drawn"]) == (0, 30, 6)  # 20 % of the 30 tagged subjects
    assert len(listed(lead, "verify", "plan", "results", draw["draw_id"])) == 6
    public = Cli(stack, ["portal"], department="350200-ZWFW")
    assert len(listed(public, "verify", "plan", "results", draw["draw_id"], "--public")) == 6
    code, out = public("verify", "plan", "check", draw["draw_id"], "--pool-digest", draw["pool_digest"])
    assert (code, f"draw {draw['draw_id']}: identical" in out) == (0, True)
    code, out = public("verify", "plan", "check", draw["draw_id"], "--seed", "ab" * 16)
    assert (code, "NOT identical" in out, "seed" in out) == (1, True, True)
    assert listed(lead, "verify", "plan", "list")[0]["draw_id"] == draw["draw_id"]
    code, out = lead("verify", "plan", "show", plan["plan_id"])
    assert (code, "drawn" in out, "冷链食品贮存检查" in out) == (0, True, True)
    code, out = lead("verify", "plan", "draw", plan["plan_id"])
    assert (code, out.startswith("error: FAILED_PRECONDITION")) == (1, True)


async def test_a_joint_inspection_saves_a_visit(as_role: Roles, stack: Stack) -> None:
    market, fire = department(), department()
    uscc = new_uscc()
    first = await open_task(as_role, market, uscc)
    second = await open_task(as_role, fire, uscc)
    assert first.due_date == second.due_date
    due = convert.from_date(first.due_date).isoformat()
    add_fire = ["verify", "roster", "add-department", fire, "--name", "消防救援支队", "--region", "350200"]
    assert Cli(stack, ["admin"])(*add_fire)[0] == 0  # joint planning needs the other department known
    lead = Cli(stack, ["verification_lead"], department=market)
    merge = [
        "verify",
        "joint",
        "plan",
        "--department",
        market,
        "--department",
        fire,
        "--from",
        due,
        "--to",
        due,
    ]
    code, out = lead(*merge)
    assert (code, "visits without merging: 2; visits saved: 1" in out) == (0, True)
    code, out = lead(*merge, "--json")  # planned already: nothing left to merge
    assert (code, json.loads(out).get("planned", 0)) == (0, 0)
    (joint,) = [
        j for j in listed(lead, "verify", "joint", "list", "--year", due[:4]) if j["subject"]["code"] == uscc
    ]
    assert sorted(joint["departments"]) == sorted([market, fire])
    code, out = Cli(stack, ["verifier"], department=market)(*merge)
    assert (code, "PERMISSION_DENIED" in out) == (1, True)


def test_departments_and_their_superiors(stack: Stack) -> None:
    city, district = department(), department()
    admin = Cli(stack, ["admin"])
    code, out = admin(
        "verify", "roster", "add-department", city, "--name", "厦门市市场监督管理局", "--region", "350200"
    )
    assert (code, out.strip()) == (0, f"{city}: created")
    code, out = admin(
        "verify",
        "roster",
        "add-department",
        district,
        "--name",
        "思明区市场监督管理局",
        "--region",
        "350203",
        "--parent",
        city,
    )
    assert code == 0
    found = listed(admin, "verify", "roster", "departments")
    assert {
        "code": district,
        "name": "思明区市场监督管理局",
        "parent_code": city,
        "region_code": "350203",
    } in found
    code, out = Cli(stack, ["verification_lead"], department=city)(
        "verify", "roster", "add-department", "X", "--name", "x", "--region", "350200"
    )
    assert (code, "PERMISSION_DENIED" in out) == (1, True)
    code, out = Cli(stack, ["verifier"], department=city)("verify", "overdue", "--json")
    assert {d["department"] for d in json.loads(out)["departments"]} == {city, district}


def test_roster_templates_and_columns(stack: Stack, tmp_path: Path) -> None:
    lead = Cli(stack, ["verification_lead"], department=department())
    subjects = listed(lead, "verify", "roster", "columns", "subjects")
    assert [c["key"] for c in subjects if c["required"]] == ["code", "name", "region_code"]
    code, out = lead("verify", "roster", "columns", "vehicles")
    assert (code, "one of inspectors, subjects" in out) == (1, True)
    sheet = tmp_path / "执法人员.csv"
    assert lead("verify", "roster", "template", "inspectors", str(sheet))[0] == 0
    # The example row's certificate, made this test's own (certificates belong to one department)
    # and without its example mark (a marked example is skipped).
    sheet.write_text(
        sheet.read_text(encoding="utf-8-sig").replace("示例：ZF35020001", f"ZF{uuid.uuid4().hex[:10]}")
    )
    code, out = lead("verify", "roster", "import-inspectors", str(sheet), "--json")
    assert (code, json.loads(out)["created"]) == (0, 1)
