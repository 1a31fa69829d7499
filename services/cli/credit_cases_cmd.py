"""`chengnuo credit repairs` and `chengnuo credit objections`: the reviewer's queues (信用修复, 异议处理)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from chengnuo.credit.v1 import credit_pb2, objections_pb2, objections_pb2_grpc, repair_pb2, repair_pb2_grpc
from services.cli import paging
from services.cli.connection import Connection
from services.cli.names import Names, flagged, personal_names
from services.cli.options import Json, Limit
from services.cli.output import listing, reported, say
from services.cli.values import choose, day, label, moment, request_id

repairs = typer.Typer(no_args_is_help=True, help="Credit repair applications (信用修复) and decisions.")
objections = typer.Typer(no_args_is_help=True, help="Objections to records (异议) and decisions.")
Reason = Annotated[str, typer.Option(help="Why (told to the subject; required when refusing).")]
ExtendReason = Annotated[str, typer.Option(help="Why more time is needed (audited).")]
REPAIR_STATES = {
    "pending": repair_pb2.REPAIR_STATUS_PENDING,
    "approved": repair_pb2.REPAIR_STATUS_APPROVED,
    "refused": repair_pb2.REPAIR_STATUS_REFUSED,
    "all": repair_pb2.REPAIR_STATUS_UNSPECIFIED,
}
REPAIR_DECISIONS = {
    "approve": repair_pb2.REPAIR_DECISION_APPROVE,
    "refuse": repair_pb2.REPAIR_DECISION_REFUSE,
}
OBJECTION_STATES = {
    "pending": objections_pb2.OBJECTION_STATUS_PENDING,
    "upheld": objections_pb2.OBJECTION_STATUS_UPHELD,
    "rejected": objections_pb2.OBJECTION_STATUS_REJECTED,
    "all": objections_pb2.OBJECTION_STATUS_UNSPECIFIED,
}
OUTCOMES = {
    "revoke": objections_pb2.OBJECTION_OUTCOME_REVOKE,
    "correct": objections_pb2.OBJECTION_OUTCOME_CORRECT,
    "reject": objections_pb2.OBJECTION_OUTCOME_REJECT,
}
CLASSES = {
    "unspecified": credit_pb2.RECORD_CLASS_UNSPECIFIED,  # the class stays as it is
    "minor": credit_pb2.RECORD_CLASS_MINOR,
    "ordinary": credit_pb2.RECORD_CLASS_ORDINARY,
    "serious": credit_pb2.RECORD_CLASS_SERIOUS,
}


def _deadline(d: credit_pb2.DecisionDeadline) -> str:
    marks = (" (provisional)" if d.provisional else "") + (" (extended)" if d.extended else "")
    return day(d.due_date) + marks


def _say_decided(case: str, state: str, record: credit_pb2.DishonestyRecord) -> None:
    """The news of a decision on either queue: the case's new state and what became of its record."""
    say(f"{case}: {state}; record {record.record_id} is {label(credit_pb2.RecordStatus, record.status)}")


def _say_extended(case: str, deadline: credit_pb2.DecisionDeadline) -> None:
    say(f"{case}: decide by {_deadline(deadline)}")


def _repair_stub() -> repair_pb2_grpc.RepairServiceStub:
    return Connection.discover().stub("credit", repair_pb2_grpc.RepairServiceStub)


REPAIR_COLUMNS: list[tuple[str, Any]] = [
    ("application id", lambda a: a.application_id),
    ("status", lambda a: label(repair_pb2.RepairStatus, a.status)),
    ("subject", lambda a: a.subject.code),
    ("record", lambda a: a.record_id),
    ("applied", lambda a: moment(a.applied_at)),
    ("decide by", lambda a: _deadline(a.deadline)),
    ("obligations performed", lambda a: a.obligations_performed),
]


@repairs.command("list")
def list_repairs(
    status: Annotated[str, typer.Option(help=f"One of {', '.join(REPAIR_STATES)}.")] = "pending",
    limit: Limit = 0,
    as_json: Json = False,
) -> None:
    """Repair applications on my department's records (credit_reviewer, credit_officer)."""
    request = repair_pb2.ListRepairApplicationsRequest(status=choose(status, REPAIR_STATES, "--status"))
    with reported():
        found = paging.pages(_repair_stub().ListRepairApplications, request, "applications", limit)
    listing(found, as_json, "credit repair applications", REPAIR_COLUMNS)


@repairs.command("decide")
def decide_repair(
    application_id: Annotated[str, typer.Argument(help="The application.")],
    decision: Annotated[str, typer.Argument(help="approve or refuse.")],
    reason: Reason = "",
) -> None:
    """Approve (publication, sharing and measures end at once) or refuse a repair (credit_reviewer)."""
    request = repair_pb2.DecideRepairRequest(
        request_id=request_id(),
        application_id=application_id,
        decision=choose(decision, REPAIR_DECISIONS, "DECISION"),
        reason=reason,
    )
    with reported():
        done = _repair_stub().DecideRepair(request)
    state = label(repair_pb2.RepairStatus, done.application.status)
    _say_decided(f"application {done.application.application_id}", state, done.record)


@repairs.command("extend")
def extend_repair(
    application_id: Annotated[str, typer.Argument(help="The application.")], reason: ExtendReason
) -> None:
    """Extend the decision deadline once, by the working days the rules allow (credit_reviewer)."""
    request = repair_pb2.ExtendRepairDeadlineRequest(
        request_id=request_id(), application_id=application_id, reason=reason
    )
    with reported():
        done = _repair_stub().ExtendRepairDeadline(request).application
    _say_extended(f"application {done.application_id}", done.deadline)


def _objection_stub() -> objections_pb2_grpc.ObjectionServiceStub:
    return Connection.discover().stub("credit", objections_pb2_grpc.ObjectionServiceStub)


OBJECTION_COLUMNS: list[tuple[str, Any]] = [
    ("objection id", lambda o: o.objection_id),
    ("status", lambda o: label(objections_pb2.ObjectionStatus, o.status)),
    ("subject", lambda o: o.subject.code),
    ("record", lambda o: o.record_id),
    ("filed", lambda o: moment(o.filed_at)),
    ("decide by", lambda o: _deadline(o.deadline)),
    ("reason", lambda o: o.reason),
]


@objections.command("list")
def list_objections(
    status: Annotated[str, typer.Option(help=f"One of {', '.join(OBJECTION_STATES)}.")] = "pending",
    limit: Limit = 0,
    as_json: Json = False,
) -> None:
    """Objections to my department's records (credit_reviewer, credit_officer)."""
    request = objections_pb2.ListObjectionsRequest(status=choose(status, OBJECTION_STATES, "--status"))
    with reported():
        found = paging.pages(_objection_stub().ListObjections, request, "objections", limit)
    listing(found, as_json, "objections", OBJECTION_COLUMNS)


@objections.command("decide")
def decide_objection(
    objection_id: Annotated[str, typer.Argument(help="The objection.")],
    outcome: Annotated[str, typer.Argument(help="revoke or correct (upheld), or reject.")],
    reason: Annotated[str, typer.Option(help="Why (told to the subject).")],
    facts: Annotated[str, typer.Option(help="For correct: the corrected facts (published).")] = "",
    record_class: Annotated[
        str, typer.Option("--class", help="For correct: minor, ordinary or serious.")
    ] = "",
    names: Names = "ask",
) -> None:
    """Decide an objection: revoke or correct the record everywhere, or reject (credit_reviewer)."""
    request = objections_pb2.DecideObjectionRequest(
        request_id=request_id(),
        objection_id=objection_id,
        outcome=choose(outcome, OUTCOMES, "OUTCOME"),
        reason=reason,
        corrected_facts=facts,
        corrected_class=choose(record_class or "unspecified", CLASSES, "--class"),
        personal_names=personal_names(names),
    )
    with reported(), flagged():
        done = _objection_stub().DecideObjection(request)
    state = label(objections_pb2.ObjectionStatus, done.objection.status)
    _say_decided(f"objection {done.objection.objection_id}", state, done.record)


@objections.command("extend")
def extend_objection(
    objection_id: Annotated[str, typer.Argument(help="The objection.")], reason: ExtendReason
) -> None:
    """Extend the decision deadline once (credit_reviewer)."""
    request = objections_pb2.ExtendObjectionDeadlineRequest(
        request_id=request_id(), objection_id=objection_id, reason=reason
    )
    with reported():
        done = _objection_stub().ExtendObjectionDeadline(request).objection
    _say_extended(f"objection {done.objection_id}", done.deadline)


def _say_counted(what: str, department: str, pending: int, overdue: int, as_of: Any) -> None:
    say(f"{department}: {pending} pending {what}, {overdue} overdue on {day(as_of)}")


@repairs.command("overdue")
def overdue_repairs(limit: Limit = 0, as_json: Json = False) -> None:
    """Pending repair applications past their due date, and how many of my department's
    applications are pending (credit_reviewer, credit_officer)."""
    stub = _repair_stub()
    request = repair_pb2.ListRepairApplicationsRequest(
        status=repair_pb2.REPAIR_STATUS_PENDING, overdue_only=True
    )
    with reported():
        counted = stub.CountOverdueRepairApplications(repair_pb2.CountOverdueRepairApplicationsRequest())
        found = paging.pages(stub.ListRepairApplications, request, "applications", limit)
    if not as_json:
        _say_counted(
            "repair applications", counted.department, counted.pending, counted.overdue, counted.as_of
        )
    listing(found, as_json, "overdue credit repair applications", REPAIR_COLUMNS)


@objections.command("overdue")
def overdue_objections(limit: Limit = 0, as_json: Json = False) -> None:
    """Pending objections past their due date, and how many of my department's objections are
    pending (credit_reviewer, credit_officer)."""
    stub = _objection_stub()
    request = objections_pb2.ListObjectionsRequest(
        status=objections_pb2.OBJECTION_STATUS_PENDING, overdue_only=True
    )
    with reported():
        counted = stub.CountOverdueObjections(objections_pb2.CountOverdueObjectionsRequest())
        found = paging.pages(stub.ListObjections, request, "objections", limit)
    if not as_json:
        _say_counted("objections", counted.department, counted.pending, counted.overdue, counted.as_of)
    listing(found, as_json, "overdue objections", OBJECTION_COLUMNS)
