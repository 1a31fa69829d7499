"""How a subject's credit standing, records and list entries are shown."""

from __future__ import annotations

from typing import Any

from chengnuo.credit.v1 import credit_pb2 as pb
from chengnuo.credit.v1 import lists_pb2 as lpb
from services.cli.output import fields, listing, say, table
from services.cli.values import day, label, moment, yes

RECORD_COLUMNS: list[tuple[str, Any]] = [
    ("record id", lambda r: r.record_id),
    ("class", lambda r: label(pb.RecordClass, r.record_class)),
    ("status", lambda r: label(pb.RecordStatus, r.status)),
    ("decided", lambda r: day(r.decision_date)),
    ("by", lambda r: r.deciding_department),
    ("repairable from", lambda r: day(r.repairable_from)),
    ("published until", lambda r: day(r.publicity_end)),
    ("rule", lambda r: f"{r.rule_set} {r.rule}"),
]
RESTRICTION_COLUMNS: list[tuple[str, Any]] = [
    ("restriction", lambda r: label(pb.RestrictionKind, r.kind)),
    ("because", lambda r: label(pb.RestrictionCause, r.cause)),
    ("record or entry", lambda r: r.record_id),
    ("repairable from", lambda r: day(r.repairable_from)),
    ("ends", lambda r: day(r.ends_on)),
    ("disputed", lambda r: yes(r.disputed)),
]
MEASURE_COLUMNS: list[tuple[str, Any]] = [
    ("code", lambda m: m.measure.code),
    ("measure", lambda m: m.measure.name),
    ("because of", lambda m: m.source_id),
    ("until", lambda m: day(m.until)),
    ("applied by", lambda m: ", ".join(f"{f.department} {day(f.applied_on)}" for f in m.feedback)),
]
ENTRY_COLUMNS: list[tuple[str, Any]] = [
    ("entry id", lambda e: e.entry_id),
    ("status", lambda e: label(lpb.ListEntryStatus, e.status)),
    ("proposed", lambda e: day(e.proposed_on)),
    ("listed", lambda e: day(e.listed_on)),
    ("removal due", lambda e: day(e.removal_due)),
]


def show_status(code: str, status: pb.GetCreditStatusResponse) -> None:
    grade = label(pb.Grade, status.grade).upper()
    say(f"[bold]{code}[/bold]: grade {grade}, score {status.score} ({status.grade_rule_set})")
    reasons = [[p.rule, f"{p.points:+d}", p.reason] for p in status.grade_points]
    if reasons:
        table("why this grade", ["rule", "points", "reason"], reasons)
    listing(status.restrictions, False, "restrictions", RESTRICTION_COLUMNS)
    listing(status.records, False, "dishonesty records (失信信息)", RECORD_COLUMNS)
    if status.list_entries:
        listing(status.list_entries, False, "serious-dishonesty list (严重失信主体名单)", ENTRY_COLUMNS)
    listing(status.measures, False, "punishment measures in force", MEASURE_COLUMNS)


def record_fields(r: pb.DishonestyRecord) -> list[tuple[str, Any]]:
    return [
        ("subject", f"{r.subject_name} {r.subject.code}"),
        ("class", label(pb.RecordClass, r.record_class)),
        ("status", label(pb.RecordStatus, r.status)),
        ("published", yes(r.published) or "no"),
        ("facts", r.facts),
        ("legal basis", r.legal_basis),
        ("decided", f"{day(r.decision_date)} by {r.deciding_department}"),
        ("publicity", f"{day(r.publicity_start)} to {day(r.publicity_end)}"),
        ("repairable from", day(r.repairable_from)),
        ("repair notice (信用修复告知)", r.repair_notice),
        ("measures", ", ".join(r.measures)),
        ("rule", f"{r.rule_set} {r.rule}"),
        ("ended on", day(r.ended_on)),
        ("commitment", r.commitment_id),
        ("revision", r.revision),
        ("created", moment(r.created_at)),
    ]


def entry_fields(e: lpb.ListEntry) -> list[tuple[str, Any]]:
    n = e.notice
    return [
        ("subject", f"{e.subject_name} {e.subject.code}"),
        ("status", label(lpb.ListEntryStatus, e.status)),
        ("department", e.department),
        ("records", ", ".join(e.record_ids)),
        ("reasons", n.reasons),
        ("legal basis", n.legal_basis),
        ("measures", "、".join(n.measures)),
        (
            "statements until",
            day(n.statement_until) + (" (provisional)" if n.statement_until_provisional else ""),
        ),
        ("served", _served(n.service) if n.HasField("service") else "not yet (送达 pending)"),
        ("statements", "; ".join(s.text for s in e.statements)),
        ("proposed", day(e.proposed_on)),
        ("listed", day(e.listed_on)),
        ("early removal from", day(e.early_removal_from)),
        ("removal due", day(e.removal_due)),
        (
            "removed",
            f"{day(e.removed_on)} ({label(lpb.RemovalReason, e.removal_reason)})"
            if e.removed_on.year
            else "",
        ),
        ("decision", e.decision_reason),
        ("early removal asked", e.early_removal.obligations_performed),
    ]


def show_entry(entry: lpb.ListEntry) -> None:
    fields(f"list entry {entry.entry_id}", entry_fields(entry))


def _served(service: lpb.NoticeService) -> str:
    """How and when a pre-notice was served (送达)."""
    return f"{day(service.served_on)} ({label(lpb.ServiceMethod, service.method)}, {service.proof_reference})"
