"""`chengnuo catalogue` against the running services: a department's Excel list imported with a
report per row, published, filed, and its notifications printed."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import openpyxl

from services.launcher.stack import Stack
from tests.e2e.cli import Cli
from tests.e2e.test_verification_flow import department

HEADERS = [
    "序号",
    "事项名称",
    "设定依据",
    "证明内容",
    "开具单位",
    "办理事项",
    "核查方式",
    "核查时限（工作日）",
]
GOOD = [
    [
        "营业场所使用证明",
        "《食品经营许可管理办法》第十二条",
        "申请人对经营场所享有合法使用权",
        "不动产登记机构",
        "食品经营许可",
        "书面核查",
        20,
    ],
    [
        "从业人员健康证明",
        "《食品安全法》第四十五条",
        "从事接触直接入口食品工作的人员取得健康证明",
        "医疗机构",
        "食品经营许可、小餐饮登记",
        "网络核验",
        5,
    ],
    [
        "特种设备作业人员证明",
        "《特种设备安全法》第十四条",
        "作业人员取得相应资格",
        "市场监管部门",
        "特种设备使用登记",
        "实地调查",
        10,
    ],
]
NO_BASIS = [
    "消防安全检查合格证明",
    "",
    "公众聚集场所符合消防安全要求",
    "消防救援机构",
    "公众聚集场所投入使用",
    "实地调查",
    15,
]


def workbook(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["厦门市市场监督管理局证明事项告知承诺目录（2026年版）"])
    sheet.append(HEADERS)
    for n, row in enumerate(rows, start=1):
        sheet.append([n, *row])
    book.save(path)
    return path


def drafts(cli: Cli) -> list[dict[str, Any]]:
    code, out = cli("catalogue", "drafts", "--json")
    assert code == 0, out
    found: list[dict[str, Any]] = json.loads(out)
    return found


def test_an_excel_catalogue_is_imported_published_filed_and_its_notice_printed(
    stack: Stack, tmp_path: Path
) -> None:
    dept = department()
    admin = Cli(stack, ["catalogue_admin"], department=dept)
    sheet = workbook(tmp_path / "目录.xlsx", [*GOOD, NO_BASIS])

    code, out = admin("catalogue", "import", str(sheet))
    assert code == 1
    assert "设定依据" in out  # the column as headed in the file
    assert "4 rows read, 0 created, 0 updated, 1 refused: nothing stored" in out
    assert drafts(admin) == []

    code, out = admin("catalogue", "import", str(sheet), "--mode", "valid", "--json")
    report = json.loads(out)
    assert (code, report["created"], report["rejected"]) == (1, 3, 1)
    # Excel's row 6: a title line, the header and three rows above it.
    assert [(p["row"], p["column"], p["field"], p["rule"]) for p in report["problems"]] == [
        (6, "设定依据", "item.legal_basis", "required")
    ]

    fixed = workbook(tmp_path / "目录-修订.xlsx", [*GOOD, [NO_BASIS[0], "《消防法》第十五条", *NO_BASIS[2:]]])
    code, out = admin("catalogue", "import", str(fixed), "--json")
    report = json.loads(out)
    assert (code, report["created"], report["updated"], report["problems"]) == (0, 1, 3, [])
    assert sorted(str(d["content"]["name"]) for d in drafts(admin)) == sorted(
        str(r[0]) for r in [*GOOD, NO_BASIS]
    )

    code, out = admin("catalogue", "publish")
    assert code == 0, out
    assert f"published {dept} version 1: 4 items, 4 allowing commitment" in out
    code, out = admin("catalogue", "versions", "--json")
    (version,) = json.loads(out)
    assert version["filing_status"] == "pending"
    code, out = admin(
        "catalogue", "file", "1", "--reference", "厦司备〔2026〕12号", "--authority", "厦门市司法局"
    )
    assert (code, "filed" in out) == (0, True)
    code, out = admin("catalogue", "versions", "--json")
    assert json.loads(out)[0]["filing"]["reference"] == "厦司备〔2026〕12号"

    reader = Cli(stack, ["portal"], department="350200-ZWFW")
    code, out = reader("catalogue", "list", "--department", dept, "--matter", "小餐饮登记", "--json")
    (item,) = json.loads(out)
    assert item["content"]["name"] == "从业人员健康证明"
    code, out = reader("catalogue", "show", item["item_id"])
    assert (code, "网络核验" in out or "online" in out) == (0, True)
    code, out = reader("catalogue", "notification", item["item_id"])
    assert code == 0
    assert out.startswith("证明事项告知承诺制告知书")
    assert "从业人员健康证明" in out
    assert "《食品安全法》第四十五条" in out


def test_a_large_csv_goes_in_chunks_and_a_refused_chunk_stops_the_import(
    stack: Stack, tmp_path: Path
) -> None:
    admin = Cli(stack, ["catalogue_admin"], department=department())
    path = tmp_path / "catalogue.csv"
    rows = [
        [f"证明事项{n:03d}", "《示例条例》第三条", "示例内容", "示例单位", "示例事项", "书面核查", 20]
        for n in range(120)
    ]
    rows[90][6] = 0  # sheet row 92: a time limit the service refuses
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows([HEADERS[1:], *rows])

    code, out = admin("catalogue", "import", str(path), "--chunk-size", "50", "--json")
    report = json.loads(out)
    assert code == 1
    assert (report["created"], report["stopped_at_row"]) == (50, 52)  # chunk 1 stored; chunk 2 refused whole
    assert [p["row"] for p in report["problems"]] == [92]
    assert len(drafts(admin)) == 50

    rows[90][6] = 20
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows([HEADERS[1:], *rows])
    code, out = admin("catalogue", "import", str(path), "--chunk-size", "50")
    assert (code, "120 rows read, 70 created, 50 updated" in out) == (0, True)
    assert len(drafts(admin)) == 120


def test_refusals_print_one_line_with_the_status_and_fields(stack: Stack, tmp_path: Path) -> None:
    dept = department()
    code, out = Cli(stack, ["verifier"], department=dept)("catalogue", "publish")
    assert (code, out.strip()) == (1, "error: PERMISSION_DENIED requires one of the roles catalogue_admin")
    admin = Cli(stack, ["catalogue_admin"], department=dept)
    code, out = admin("catalogue", "file", "7", "--reference", "x", "--authority", "y")
    assert (code, out.startswith("error: NOT_FOUND")) == (1, True)
    code, out = admin("catalogue", "file", "1", "--reference", "x", "--authority", "y", "--on", "2026-02-30")
    assert (code, "--on: '2026-02-30' is not a date" in out) == (1, True)
    code, out = admin("catalogue", "notification", "not-an-id")
    assert (code, out.startswith("error: INVALID_ARGUMENT item_id:")) == (1, True)
    unknown = tmp_path / "other.csv"
    unknown.write_text("设定依据,金额\n《示例条例》,1\n", encoding="utf-8")
    code, out = admin("catalogue", "import", str(unknown))
    assert (code, "no column for 事项名称 (name)" in out) == (1, True)


def test_columns_and_template(stack: Stack, tmp_path: Path) -> None:
    admin = Cli(stack, ["catalogue_admin"], department=department())
    admin.env["COLUMNS"] = "160"
    code, out = admin("catalogue", "columns")
    assert (code, "核查方式" in out, "verification_method" in out) == (0, True, True)
    code, out = admin("catalogue", "columns", "--json")
    assert {"header": "事项名称", "key": "name", "required": True} in [
        {k: c[k] for k in ("header", "key", "required")} for c in json.loads(out)
    ]
    code, _ = admin("catalogue", "template", str(tmp_path / "模板.xlsx"))
    assert code == 0
    # The template imports as written: its example row is marked 示例： and skipped, never an item.
    code, out = admin("catalogue", "import", str(tmp_path / "模板.xlsx"), "--json")
    assert (code, json.loads(out)["created"]) == (0, 0)
    code, out = admin("catalogue", "template", str(tmp_path / "模板.txt"))
    assert (code, "written as .xlsx or .csv" in out) == (1, True)
