"""`chengnuo verify`: the verification queue of a department (事中事后核查) and its decisions."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from chengnuo.common.v1 import calendar_pb2, calendar_pb2_grpc
from chengnuo.verification.v1 import verification_pb2 as pb
from chengnuo.verification.v1 import verification_pb2_grpc
from services.cli import (
    check_items_cmd,
    closing_cmd,
    inspection_cmd,
    paging,
    registration_cmd,
    result_cmd,
    roster_cmd,
)
from services.cli.connection import Connection
from services.cli.names import Names, flagged, personal_names
from services.cli.options import Json
from services.cli.output import fields, listing, reported, say, shown, table
from services.cli.values import choose, claim, day, proto_date, request_id, service_today
from services.cli.verify_views import MEASURE_HELP, OUTCOMES, STATUSES, TASK_COLUMNS, measure, task_fields
from services.kernel import convert

app = typer.Typer(no_args_is_help=True, help="Verification tasks, rosters, random and joint inspections.")
app.add_typer(roster_cmd.app, name="roster")
app.add_typer(inspection_cmd.plans, name="plan")
app.add_typer(inspection_cmd.joint, name="joint")
app.add_typer(check_items_cmd.app, name="items")
app.add_typer(closing_cmd.findings, name="finding")
app.add_typer(closing_cmd.referrals, name="referral")
app.add_typer(closing_cmd.assist, name="assist")
app.command("escalated")(closing_cmd.escalated)
app.add_typer(registration_cmd.app, name="register")
app.add_typer(result_cmd.app, name="result")
Task = Annotated[str, typer.Argument(help="The task.")]
SERVICE = "verification"


def _stub(conn: Connection) -> verification_pb2_grpc.VerificationServiceStub:
    return conn.stub(SERVICE, verification_pb2_grpc.VerificationServiceStub)


def _due_by(conn: Connection, working_days: int) -> dt.date:
    """The date `working_days` working days after today on the service's clock."""
    today = convert.to_date(service_today(conn, SERVICE))
    calendar = conn.stub(SERVICE, calendar_pb2_grpc.CalendarServiceStub)
    answer = calendar.AddWorkingDays(
        calendar_pb2.AddWorkingDaysRequest(start=today, working_days=working_days)
    )
    return convert.from_date(answer.date)


@app.command("tasks")
def tasks(
    status: Annotated[str, typer.Option(help=f"One of {', '.join(STATUSES)}.")] = "open",
    overdue: Annotated[bool, typer.Option(help="Only open tasks past their due date.")] = False,
    due_within: Annotated[
        int, typer.Option(min=0, help="Only tasks due within this many working days (0: any).")
    ] = 0,
    mine: Annotated[
        bool, typer.Option(help="Only tasks assigned to me (my token's subject is my certificate number).")
    ] = False,
    inspector: Annotated[str, typer.Option(help="Only tasks of this enforcement certificate number.")] = "",
    limit: Annotated[int, typer.Option(min=0, help="At most this many tasks (0: all).")] = 100,
    as_json: Json = False,
) -> None:
    """The department's task queue, soonest due first (verifier, verification_lead)."""
    conn = Connection.discover()
    request = pb.ListTasksRequest(
        status=choose(status, STATUSES, "--status"),
        overdue_only=overdue,
        inspector=claim(conn, "sub") if mine else inspector,
    )
    with reported():
        if due_within:
            request.due_to.CopyFrom(convert.to_date(_due_by(conn, due_within)))
        found = paging.pages(_stub(conn).ListTasks, request, "tasks", limit)
    listing(found, as_json, f"verification tasks of {claim(conn, 'dept')}", TASK_COLUMNS)
    if not as_json and any(t.due_date_provisional for t in found):
        say("* provisional: a year on the way has no official calendar loaded yet")


@app.command("task")
def task(task_id: Task, as_json: Json = False) -> None:
    """One task with its inspectors, extensions, conclusion and publication deadlines."""
    with reported():
        found = _stub(Connection.discover()).GetTask(pb.GetTaskRequest(task_id=task_id)).task
    shown(found, as_json, lambda t: fields(f"task {t.task_id}", task_fields(t)))


@app.command("assign")
def assign(
    task_id: Task,
    inspectors: Annotated[list[str], typer.Argument(help="Enforcement certificate numbers (执法证号).")],
) -> None:
    """Set the inspectors of an open task; on-site checks need two (verification_lead)."""
    request = pb.AssignTaskRequest(request_id=request_id(), task_id=task_id, certificate_numbers=inspectors)
    with reported():
        done = _stub(Connection.discover()).AssignTask(request).task
    names = ", ".join(f"{i.name} {i.certificate_number}" for i in done.inspectors)
    say(f"task {done.task_id} assigned to {names}")


@app.command("extend")
def extend(
    task_id: Task,
    days: Annotated[int, typer.Option(help="Working days to add.")],
    reason: Annotated[str, typer.Option(help="Why more time is needed (kept in the audit trail).")],
) -> None:
    """Extend an open task's deadline by working days, with the reason (verification_lead)."""
    request = pb.ExtendDeadlineRequest(
        request_id=request_id(), task_id=task_id, working_days=days, reason=reason
    )
    with reported():
        done = _stub(Connection.discover()).ExtendDeadline(request).task
    last = done.extensions[-1]
    say(f"task {done.task_id} now due {day(last.due_after)} (was {day(last.due_before)})")


@app.command("conclude")
def conclude(
    task_id: Task,
    outcome: Annotated[str, typer.Option(help="true 属实, false 不实 or unverifiable 无法核实.")],
    findings: Annotated[str, typer.Option(help="What was checked and found.")],
    measure_text: Annotated[list[str] | None, typer.Option("--measure", help=MEASURE_HELP)] = None,
    decided: Annotated[str, typer.Option(help="Date of the determination (default today).")] = "",
    evidence: Annotated[list[str] | None, typer.Option(help="Reference to kept evidence; repeat.")] = None,
    names: Names = "ask",
    lead_department: Annotated[
        str, typer.Option(help="Unverifiable: the department that resolves it (mine or one above).")
    ] = "",
    lead_officer: Annotated[str, typer.Option(help="Unverifiable: the officer in charge.")] = "",
    offence: closing_cmd.Offence = "",
    materials: closing_cmd.Materials = None,
    organ: closing_cmd.Organ = "",
) -> None:
    """Conclude a task; a false commitment goes on to credit (verifier, verification_lead).
    The findings and measure notes are shared and published: say with --names what to do with
    names of natural persons in them. Unverifiable (无法核实) is escalated to --lead-department and
    --lead-officer; a referral (refer) needs --offence, --material and --organ (移送书)."""
    request = pb.ConcludeTaskRequest(
        request_id=request_id(),
        task_id=task_id,
        outcome=choose(outcome, OUTCOMES, "--outcome"),
        findings=findings,
        measures=[measure(m) for m in measure_text or []],
        evidence_refs=evidence or [],
        personal_names=personal_names(names),
    )
    if lead_department or lead_officer:
        request.escalation.CopyFrom(
            pb.EscalationRequest(lead_department=lead_department, lead_officer=lead_officer)
        )
    detail = closing_cmd.referral_detail(offence, materials, organ)
    if detail:
        request.referral.CopyFrom(detail)
    conn = Connection.discover()
    with reported(), flagged():
        when = proto_date(decided, "--decided") if decided else convert.to_date(service_today(conn, SERVICE))
        request.decision_date.CopyFrom(when)
        done = _stub(conn).ConcludeTask(request).task
    fields(f"task {done.task_id} concluded", task_fields(done)[-8:])


@app.command("rectified")
def rectified(
    task_id: Annotated[str, typer.Argument(help="A task concluded false with an order to rectify.")],
    completed: Annotated[
        str, typer.Option("--on", help="When the subject completed the correction (default today).")
    ] = "",
    assessment: Annotated[str, typer.Option(help="How the correction, and any harm, were established.")] = "",
    harm: Annotated[
        bool, typer.Option("--harm/--no-harm", help="Whether the false commitment caused harm.")
    ] = False,
    evidence: Annotated[list[str] | None, typer.Option(help="Reference to kept evidence; repeat.")] = None,
) -> None:
    """Record a correction (责令限期整改); in time and harmless, the record becomes minor (轻微)."""
    request = pb.RecordRectificationRequest(
        request_id=request_id(),
        task_id=task_id,
        harm_caused=harm,
        assessment=assessment,
        evidence_refs=evidence or [],
    )
    conn = Connection.discover()
    with reported():
        when = proto_date(completed, "--on") if completed else convert.to_date(service_today(conn, SERVICE))
        request.completed_on.CopyFrom(when)
        done = _stub(conn).RecordRectification(request).task
    state = "in time" if done.rectification.in_time else "after the deadline"
    say(f"task {done.task_id}: correction recorded, {state} ({day(done.rectification.deadline)})")


@app.command("overdue")
def overdue(as_json: Json = False) -> None:
    """Open and overdue tasks of my department and the departments below it."""
    with reported():
        answer = _stub(Connection.discover()).CountOverdueTasks(pb.CountOverdueTasksRequest())
    shown(answer, as_json, _show_overdue)


def _show_overdue(answer: pb.CountOverdueTasksResponse) -> None:
    rows = [[d.department, d.open, f"[red]{d.overdue}[/red]" if d.overdue else 0] for d in answer.departments]
    table(f"overdue tasks on {day(answer.as_of)}", ["department", "open", "overdue"], rows)
