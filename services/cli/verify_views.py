"""How verification tasks and conclusions are shown and typed."""

from __future__ import annotations

from typing import Any

from chengnuo.verification.v1 import verification_pb2 as pb
from services.cli.output import fail
from services.cli.values import choose, day, label, moment, proto_date, yes

OUTCOMES = {
    "true": pb.OUTCOME_TRUE,
    "属实": pb.OUTCOME_TRUE,
    "false": pb.OUTCOME_FALSE,
    "不实": pb.OUTCOME_FALSE,
    "unverifiable": pb.OUTCOME_UNVERIFIABLE,
    "无法核实": pb.OUTCOME_UNVERIFIABLE,
}
MEASURES = {
    "stop-processing": pb.MEASURE_KIND_STOP_PROCESSING,
    "终止办理": pb.MEASURE_KIND_STOP_PROCESSING,
    "rectify": pb.MEASURE_KIND_ORDER_RECTIFICATION,
    "order-rectification": pb.MEASURE_KIND_ORDER_RECTIFICATION,
    "责令限期整改": pb.MEASURE_KIND_ORDER_RECTIFICATION,
    "责令整改": pb.MEASURE_KIND_ORDER_RECTIFICATION,
    "revoke": pb.MEASURE_KIND_REVOKE_DECISION,
    "revoke-decision": pb.MEASURE_KIND_REVOKE_DECISION,
    "撤销行政决定": pb.MEASURE_KIND_REVOKE_DECISION,
    "penalty": pb.MEASURE_KIND_PENALTY,
    "行政处罚": pb.MEASURE_KIND_PENALTY,
    "refer": pb.MEASURE_KIND_REFER_TO_JUDICIARY,
    "refer-to-judiciary": pb.MEASURE_KIND_REFER_TO_JUDICIARY,
    "移送司法机关": pb.MEASURE_KIND_REFER_TO_JUDICIARY,
}
STATUSES = {
    "open": pb.TASK_STATUS_OPEN,
    "concluded": pb.TASK_STATUS_CONCLUDED,
    "cancelled": pb.TASK_STATUS_CANCELLED,
    "escalated": pb.TASK_STATUS_ESCALATED,
    "all": pb.TASK_STATUS_UNSPECIFIED,
}
MEASURE_HELP = (
    "A measure as 'KIND | legal basis | deadline | note' (deadline and note optional; a rectification "
    "needs its deadline). KIND: stop-processing 终止办理, rectify 责令限期整改, revoke 撤销行政决定, "
    "penalty 行政处罚, refer 移送司法机关. Repeat for several."
)


def measure(text: str) -> pb.Measure:
    """`rectify | 《食品安全法》第一百二十二条 | 2026-09-30 | 补办许可` as a Measure."""
    parts = [p.strip() for p in text.replace("｜", "|").split("|")]
    if len(parts) < 2 or len(parts) > 4:
        fail(f"--measure: {text!r}: write 'KIND | legal basis | deadline | note'")
    made = pb.Measure(kind=choose(parts[0], MEASURES, "--measure"), legal_basis=parts[1])
    if len(parts) > 2 and parts[2]:
        made.deadline.CopyFrom(proto_date(parts[2], "--measure deadline"))
    if len(parts) > 3:
        made.note = parts[3]
    return made


def _state(task: pb.Task) -> str:
    if task.overdue:
        return "[red]overdue[/red]"
    outcome = f": {label(pb.Outcome, task.outcome)}" if task.outcome else ""
    return label(pb.TaskStatus, task.status) + outcome


TASK_COLUMNS: list[tuple[str, Any]] = [
    ("task id", lambda t: t.task_id),
    ("due", lambda t: day(t.due_date) + ("*" if t.due_date_provisional else "")),
    ("state", _state),
    ("subject", lambda t: f"{t.subject_name}\n{t.subject.code}"),
    ("item", lambda t: t.item_name),
    ("method", lambda t: t.method.lower().replace("_", " ")),
    ("inspectors", lambda t: ", ".join(i.certificate_number for i in t.inspectors)),
]


def task_fields(task: pb.Task) -> list[tuple[str, Any]]:
    return [
        ("task id", task.task_id),
        ("state", _state(task)),
        ("commitment", f"{task.commitment_code} ({task.commitment_id})"),
        ("subject", f"{task.subject_name} {task.subject.code}"),
        ("item", f"{task.item_name} (version {task.item_version})"),
        ("method", task.method),
        ("standard", task.standard),
        ("safety related", yes(task.safety_related)),
        ("drawn on" if task.draw_id else "approved on", day(task.base_date)),
        ("due", _due(task)),
        ("inspectors", ", ".join(f"{i.name} {i.certificate_number}" for i in task.inspectors)),
        ("extensions", "; ".join(_extension(e) for e in task.extensions)),
        ("joint inspection", task.joint_inspection_id),
        ("random draw", task.draw_id),
        ("outcome", label(pb.Outcome, task.outcome)),
        ("findings", task.findings),
        ("measures", "; ".join(_measure(m) for m in task.measures)),
        ("decided on", day(task.decision_date)),
        ("corrected", _rectification(task) if task.HasField("rectification") else ""),
        ("concluded", f"{moment(task.concluded_at)} by {task.concluded_by}" if task.concluded_by else ""),
        ("push to platforms by", day(task.push_deadline)),
        ("publish outcome by", day(task.publication_deadline)),
        ("publish decision by (双公示)", day(task.decision_publication_deadline)),
        ("cancelled because", task.cancel_reason),
        ("escalated to", _escalation(task) if task.HasField("escalation") else ""),
        (
            "concluded via",
            "daily supervision (日常监管)"
            if task.concluded_via == pb.CONCLUSION_SOURCE_DAILY_SUPERVISION
            else "",
        ),
    ]


def _escalation(task: pb.Task) -> str:
    e = task.escalation
    overdue = ", [red]overdue[/red]" if e.overdue else ""
    return f"{e.lead_officer} {e.lead_department}, resolve by {day(e.deadline)}{overdue}"


def _due(task: pb.Task) -> str:
    extended = f", {task.extended_working_days} working days added" if task.extended_working_days else ""
    provisional = " (provisional)" if task.due_date_provisional else ""
    return f"{day(task.due_date)}{provisional} — {task.time_limit_working_days} working days{extended}"


def _extension(e: pb.DeadlineExtension) -> str:
    return f"+{e.working_days} to {day(e.due_after)} by {e.approved_by}: {e.reason}"


def _measure(m: pb.Measure) -> str:
    deadline = f" by {day(m.deadline)}" if m.deadline.year else ""
    return f"{label(pb.MeasureKind, m.kind)} ({m.legal_basis}){deadline}"


def _rectification(task: pb.Task) -> str:
    r = task.rectification
    timing = "in time" if r.in_time else f"after the deadline {day(r.deadline)}"
    return f"{day(r.completed_on)}, {timing}, {'with' if r.harm_caused else 'without'} harm: {r.assessment}"
