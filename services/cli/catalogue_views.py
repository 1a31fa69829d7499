"""How catalogue items and import reports are shown."""

from __future__ import annotations

from typing import Any

from chengnuo.commitment.v1 import catalogue_pb2 as pb
from services.cli.catalogue_upload import Report
from services.cli.output import say, table
from services.cli.values import label, moment, yes


def item_fields(item: pb.CatalogueItem) -> list[tuple[str, Any]]:
    c = item.content
    return [
        ("item id", item.item_id),
        ("version", item.version or "draft"),
        ("published", moment(item.published_at)),
        ("revision", item.revision if not item.version else ""),
        ("withdrawn", yes(item.withdrawn)),
        ("name 事项名称", c.name),
        ("legal basis 设定依据", c.legal_basis),
        ("certified content 证明内容", c.certified_content),
        ("issuing authority 开具单位", c.issuing_authority),
        ("matters 办理事项", "、".join(c.matters)),
        ("region", c.region_code),
        ("agency 实施机关", c.agency_name),
        ("commitment allowed", yes(c.commitment_allowed) or "no"),
        ("high risk", yes(c.high_risk)),
        ("safety related", yes(c.safety_related)),
        ("verification 核查方式", label(pb.VerificationMethod, c.verification.method)),
        ("time limit (working days)", c.verification.time_limit_working_days or ""),
        ("standard 核查标准", c.verification.standard),
        ("exemption conditions", c.verification.exemption_conditions),
    ]


def report_json(report: Report, read: int) -> dict[str, Any]:
    return {
        "rows_read": read,
        "created": report.created,
        "updated": report.updated,
        "rejected": report.rejected,
        "stopped_at_row": report.stopped_at,
        "ignored_columns": report.ignored,
        "problems": [
            {"row": p.row, "column": report.column(p.field), "field": p.field, "rule": p.rule}
            for p in sorted(report.problems, key=lambda p: p.row)
        ],
        "imported": [
            {"row": r.row_number, "item_id": r.item_id, "created": r.created} for r in report.imported
        ],
    }


def print_report(report: Report, read: int, name: str) -> None:
    if report.ignored:
        say(f"ignored columns: {', '.join(report.ignored)}")
    if report.problems:
        rows = [
            [p.row, report.column(p.field), p.field, p.rule]
            for p in sorted(report.problems, key=lambda p: p.row)
        ]
        table(f"{name}: rows refused", ["row", "column", "field", "problem"], rows)
    say(_summary(report, read, name))


def _summary(report: Report, read: int, name: str) -> str:
    done = f"{name}: {read} rows read, {report.created} created, {report.updated} updated"
    if report.stopped_at:
        return f"{done}, {report.rejected} refused: nothing stored from row {report.stopped_at} on"
    if report.problems and not (report.created or report.updated):
        return f"{done}, {report.rejected} refused: nothing stored"
    return f"{done}, {report.rejected} refused" if report.problems else done
