"""Reading departments' lists (CSV, .xlsx; Chinese or English headers) and what staff type."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
import typer

from chengnuo.commitment.v1 import catalogue_pb2
from chengnuo.common.v1 import subject_pb2
from chengnuo.credit.v1 import credit_pb2
from chengnuo.verification.v1 import verification_pb2 as vpb
from services.cli import catalogue_rows, catalogue_upload, roster_rows
from services.cli.inspection_views import check_item, ratio
from services.cli.roster_upload import runs
from services.cli.tabular import (
    SourceRow,
    TableError,
    cell_text,
    flag,
    read_table,
    split_list,
    write_template,
)
from services.cli.values import guess_kind, subject
from services.cli.verify_views import measure

USCC = "91350200MA2Y0QJ46X"  # a valid code (check characters computed per GB 32100)
PERSON = "11010519491231002X"


def test_a_csv_with_a_title_line_chinese_headers_and_excel_row_numbers(tmp_path: Path) -> None:
    sheet = tmp_path / "目录.csv"
    sheet.write_text(
        "厦门市市场监督管理局证明事项告知承诺目录\n"
        "序号,*事项名称,设定依据,核查时限（工作日）,备注\n"
        "1,营业场所使用证明,《食品经营许可管理办法》,20,\n"
        ",,,,\n"
        "2,健康证明,《食品安全法》,10,复核\n",
        encoding="utf-8-sig",
    )
    table = read_table(sheet, catalogue_rows.COLUMNS)
    assert [r.number for r in table.rows] == [3, 5]  # blank row 4 skipped, numbers kept
    assert table.rows[0].values == {
        "name": "营业场所使用证明",
        "legal_basis": "《食品经营许可管理办法》",
        "time_limit_working_days": "20",
    }
    assert table.headers["time_limit_working_days"] == "核查时限（工作日）"
    assert table.ignored == ["序号", "备注"]


def test_gbk_csv_and_english_headers(tmp_path: Path) -> None:
    sheet = tmp_path / "inspectors.csv"
    sheet.write_bytes("Certificate number,Name,Domains\nZF1,王明,food_safety、fire\n".encode("gb18030"))
    (row,) = read_table(sheet, roster_rows.INSPECTOR_COLUMNS).rows
    assert row.values == {"certificate_number": "ZF1", "name": "王明", "domains": "food_safety、fire"}


def test_a_missing_required_column_is_named(tmp_path: Path) -> None:
    sheet = tmp_path / "subjects.csv"
    sheet.write_text("统一社会信用代码,名称\n91350200MA2Y0QJ46X,厦门示例\n", encoding="utf-8")
    with pytest.raises(TableError, match=r"区划代码 \(region_code\)"):
        read_table(sheet, roster_rows.SUBJECT_COLUMNS)
    (tmp_path / "none.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(TableError, match="no header row"):
        read_table(tmp_path / "none.csv", roster_rows.SUBJECT_COLUMNS)


def test_xlsx_cells_read_as_a_clerk_sees_them(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "名录"
    sheet.append(["统一社会信用代码", "名称", "区划代码", "行业代码", "标签"])
    sheet.append([USCC, "厦门示例", 350203, 62.0, None])
    path = tmp_path / "subjects.xlsx"
    book.save(path)
    (row,) = read_table(path, roster_rows.SUBJECT_COLUMNS, "名录").rows
    assert (row.number, row.get("region_code"), row.get("industry"), row.get("tags")) == (
        2,
        "350203",
        "62",
        "",
    )
    with pytest.raises(TableError, match="no sheet 'x'"):
        read_table(path, roster_rows.SUBJECT_COLUMNS, "x")
    (tmp_path / "broken.xlsx").write_text("not a workbook")
    with pytest.raises(TableError, match=r"not a readable \.xlsx"):
        read_table(tmp_path / "broken.xlsx", roster_rows.SUBJECT_COLUMNS)


def test_cell_values_flags_and_lists() -> None:
    assert [cell_text(v) for v in (None, 20.0, 2.5, dt.datetime(2026, 7, 1), True)] == [
        "",
        "20",
        "2.5",
        "2026-07-01",
        "yes",
    ]
    assert [flag(t) for t in ("是", "否", "Y", "离岗", "")] == [True, False, True, False, None]
    with pytest.raises(ValueError, match="是/否"):
        flag("也许")
    assert split_list("食品经营许可、小餐饮登记；食品生产许可\n") == [
        "食品经营许可",
        "小餐饮登记",
        "食品生产许可",
    ]


def test_the_template_round_trips_and_its_example_is_never_imported(tmp_path: Path) -> None:
    for name in ("template.xlsx", "template.csv"):
        path = tmp_path / name
        write_template(path, catalogue_rows.COLUMNS, catalogue_rows.EXAMPLE)
        (row,) = read_table(path, catalogue_rows.COLUMNS).rows
        assert row.get("name") == "示例：营业场所使用证明"
        _, rows, report = catalogue_upload.load(path, "", "350200")
        assert (rows, report.problems) == ([], [])  # the template imports as written: nothing
        # Without its mark the example is a valid row.
        unmarked = SourceRow(row.number, {**row.values, "name": "营业场所使用证明"})
        item, problems = catalogue_rows.import_row(unmarked, "350200")
        assert problems == []
        assert item.item.verification.method == catalogue_pb2.VERIFICATION_METHOD_DOCUMENT
        assert list(item.item.matters) == ["食品经营许可", "小餐饮登记"]


def test_a_catalogue_row_becomes_an_import_row() -> None:
    source = SourceRow(
        7,
        {
            "name": "特种设备使用登记证明",
            "verification_method": "实地调查",
            "time_limit_working_days": "10",
            "safety_related": "是",
            "commitment_allowed": "",
        },
    )
    row, problems = catalogue_rows.import_row(source, "350200")
    assert problems == []
    assert row.row_number == 7
    assert (row.item.region_code, row.item.safety_related, row.item.commitment_allowed) == (
        "350200",
        True,
        True,
    )
    assert row.item.verification.time_limit_working_days == 10
    high_risk = SourceRow(8, {"name": "x", "high_risk": "是", "verification_method": "书面核查"})
    assert not catalogue_rows.import_row(high_risk, "350200")[0].item.commitment_allowed


def test_unreadable_catalogue_cells_are_problems_of_their_row() -> None:
    source = SourceRow(4, {"name": "x", "verification_method": "书面审查", "time_limit_working_days": "二十"})
    _, problems = catalogue_rows.import_row(source, "350200")
    assert [(p.row, p.field) for p in problems] == [
        (4, "item.verification.method"),
        (4, "item.verification.time_limit_working_days"),
    ]


def test_roster_rows() -> None:
    inspector, problems = roster_rows.inspector(
        SourceRow(
            2,
            {
                "certificate_number": "ZF1",
                "name": "王明",
                "active": "离岗",
                "certificate_valid_until": "2027-06-30",
                "conflicts": f"{USCC}：亲属任职；{PERSON}",
            },
        )
    )
    assert problems == []
    assert not inspector.active
    assert [(c.subject.kind, c.reason) for c in inspector.conflicts] == [
        (subject_pb2.SUBJECT_KIND_LEGAL_PERSON, "亲属任职"),
        (subject_pb2.SUBJECT_KIND_NATURAL_PERSON, ""),
    ]
    _, bad = roster_rows.inspector(
        SourceRow(3, {"certificate_number": "ZF2", "certificate_valid_until": "明年"})
    )
    assert [p.field for p in bad] == ["certificate_valid_until"]
    person, _ = roster_rows.subject(SourceRow(4, {"code": PERSON.lower(), "name": "张三"}))
    assert (person.subject.kind, person.subject.code) == (subject_pb2.SUBJECT_KIND_NATURAL_PERSON, PERSON)
    shop, _ = roster_rows.subject(SourceRow(5, {"code": USCC, "kind": "个体工商户"}))
    assert shop.subject.kind == subject_pb2.SUBJECT_KIND_INDIVIDUAL_BUSINESS
    _, wrong = roster_rows.subject(SourceRow(6, {"code": USCC, "kind": "合伙"}))
    assert [(p.row, p.field) for p in wrong] == [(6, "subject.kind")]


def test_subject_chunks_follow_the_sheets_row_numbers() -> None:
    rows = [(n, n) for n in (2, 3, 4, 5, 7, 8)]
    assert [[n for n, _ in chunk] for chunk in runs(rows, 3)] == [[2, 3, 4], [5], [7, 8]]


def test_measures_check_items_and_ratios_as_typed() -> None:
    made = measure("责令限期整改 ｜ 《食品安全法》第一百二十二条 | 2026-09-30 | 补办许可")
    assert (made.kind, made.deadline.month, made.note) == (
        vpb.MEASURE_KIND_ORDER_RECTIFICATION,
        9,
        "补办许可",
    )
    assert measure("revoke | 《行政许可法》第六十九条").kind == vpb.MEASURE_KIND_REVOKE_DECISION
    for bad in ("revoke", "scold | x", "rectify | x | soon"):
        with pytest.raises(typer.Exit):
            measure(bad)
    item = check_item("SC-01 | 经营许可 | FOOD_SAFETY | 350200-SCJ")
    assert (item.code, item.inspection_type, item.department) == ("SC-01", "FOOD_SAFETY", "350200-SCJ")
    assert (ratio("d=100").grade, ratio("B=15%").percent) == (credit_pb2.GRADE_D, 15.0)
    with pytest.raises(typer.Exit):
        ratio("E=5")


def test_a_subject_code_says_its_kind() -> None:
    legal, person = subject_pb2.SUBJECT_KIND_LEGAL_PERSON, subject_pb2.SUBJECT_KIND_NATURAL_PERSON
    assert [guess_kind(c) for c in (USCC, PERSON, PERSON.lower())] == [legal, person, person]
    # Valid as neither: judged by shape, so the service reports the right check.
    assert [guess_kind(c) for c in ("110105194912310021", "91350200MA2Y0QJ46")] == [person, legal]
    assert subject(USCC, "individual").kind == subject_pb2.SUBJECT_KIND_INDIVIDUAL_BUSINESS
