"""The supervision domain (监管领域) an item's inspectors need: from the catalogue sheet to the
joint visit (no I/O)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from services.cli import catalogue_rows
from services.cli.tabular import read_table
from services.verification.domain import joint
from services.verification.domain.tasks import InspectorFacts

TODAY = dt.date(2026, 11, 24)


def test_the_catalogue_sheet_carries_the_items_supervision_domain(tmp_path: Path) -> None:
    sheet = tmp_path / "目录.csv"
    sheet.write_text(
        "事项名称,核查方式,核查时限,监管领域\n特种设备使用登记证明,实地调查,10,special_equipment\n",
        encoding="utf-8-sig",
    )
    table = read_table(sheet, catalogue_rows.COLUMNS)
    assert table.ignored == []
    (source,) = table.rows
    row, problems = catalogue_rows.import_row(source, "350200")
    assert problems == []
    assert row.item.verification.supervision_domain == "special_equipment"


def _facts(number: str, *domains: str, active: bool = True) -> InspectorFacts:
    return InspectorFacts(number, "D1", active, None, frozenset(), frozenset(domains))


def _visit(*items: joint.Item) -> joint.Joint:
    return joint.Joint("C", "LEGAL", "n", "D1", ("D1",), items, TODAY, ())


def test_each_item_of_a_joint_visit_needs_inspectors_of_its_domain() -> None:
    task = joint.Item("TASK", "t1", "C", "LEGAL", "n", "D1", "T", inspectors=("ZF1", "ZF2"), domain="fire")
    drawn = joint.Item("DRAW", "d/1", "C", "LEGAL", "n", "D1", "T", inspectors=("ZF3",), domain="")
    roster = {
        "ZF1": _facts("ZF1", "fire"),
        "ZF2": _facts("ZF2", "food_safety"),
        "ZF3": _facts("ZF3", active=False),
    }
    problems = joint.team_problems([_visit(task, drawn)], roster, TODAY)
    assert [(p.type, p.subject) for p in problems] == [
        ("INSPECTOR_NOT_QUALIFIED", "ZF2"),
        ("INSPECTOR_NOT_QUALIFIED", "ZF3"),
    ]
    assert problems[0].description == "inspector ZF2 (task t1 of D1) is not qualified for fire"
    assert "inactive" in problems[1].description
    missing = joint.team_problems([_visit(task)], {"ZF2": _facts("ZF2", "fire")}, TODAY)
    assert [(p.subject, "roster" in p.description) for p in missing] == [("ZF1", True)]
    assert joint.team_problems([_visit(task)], {n: _facts(n, "fire") for n in ("ZF1", "ZF2")}, TODAY) == []
