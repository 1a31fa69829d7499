"""`chengnuo verify finding|referral|assist|escalated`: daily supervision findings (日常监管),
referrals to the judiciary (移送司法机关), 部门间协查 and escalated unverifiable checks (无法核实)."""

from __future__ import annotations

from typing import Annotated

import typer

from chengnuo.verification.v1 import referrals_pb2 as fpb
from chengnuo.verification.v1 import referrals_pb2_grpc, verification_pb2_grpc
from chengnuo.verification.v1 import verification_pb2 as pb
from services.cli import paging
from services.cli.connection import Connection
from services.cli.names import Names, flagged, personal_names
from services.cli.options import Json, Limit
from services.cli.output import fields, listing, reported, say, shown, table
from services.cli.values import choose, claim, day, label, moment, proto_date, request_id, service_today
from services.cli.verify_views import MEASURE_HELP, TASK_COLUMNS, measure
from services.kernel import convert

SERVICE = "verification"
Offence = Annotated[str, typer.Option("--offence", help="With a referral (refer): the suspected offence.")]
Materials = Annotated[
    list[str] | None,
    typer.Option("--material", help="With a referral: a material transferred (材料目录); repeat."),
]
Organ = Annotated[str, typer.Option("--organ", help="With a referral: the receiving organ (公安机关...).")]

findings = typer.Typer(no_args_is_help=True, help="Daily supervision findings (日常监管).")
referrals = typer.Typer(no_args_is_help=True, help="Cases referred to the judiciary (移送司法机关).")
assist = typer.Typer(no_args_is_help=True, help="Checks asked of other departments (部门间协查).")


def _stub(conn: Connection) -> verification_pb2_grpc.VerificationServiceStub:
    return conn.stub(SERVICE, verification_pb2_grpc.VerificationServiceStub)


def _referrals(conn: Connection) -> referrals_pb2_grpc.ReferralServiceStub:
    return conn.stub(SERVICE, referrals_pb2_grpc.ReferralServiceStub)


def referral_detail(offence: str, materials: list[str] | None, organ: str) -> fpb.ReferralDetail | None:
    """The referral (移送书) the options give, or None when none of them is given."""
    if not (offence or materials or organ):
        return None
    return fpb.ReferralDetail(suspected_offence=offence, materials=materials or [], receiving_organ=organ)


def _today(conn: Connection, given: str, option: str) -> object:
    return proto_date(given, option) if given else convert.to_date(service_today(conn, SERVICE))


# Daily supervision.

OUTCOMES = {
    "true": pb.OUTCOME_TRUE,
    "属实": pb.OUTCOME_TRUE,
    "false": pb.OUTCOME_FALSE,
    "不实": pb.OUTCOME_FALSE,
}


@findings.command("record")
def record(
    commitment_id: Annotated[str, typer.Argument(help="The commitment daily supervision concerns.")],
    outcome: Annotated[str, typer.Option(help="false 不实 or true 属实.")],
    found: Annotated[str, typer.Option("--findings", help="What supervision found.")],
    measure_text: Annotated[list[str] | None, typer.Option("--measure", help=MEASURE_HELP)] = None,
    decided: Annotated[str, typer.Option(help="Date of the determination (default today).")] = "",
    evidence: Annotated[list[str] | None, typer.Option(help="Reference to kept evidence; repeat.")] = None,
    offence: Offence = "",
    materials: Materials = None,
    organ: Organ = "",
    names: Names = "ask",
) -> None:
    """Conclude a commitment from daily supervision, with or without a task; a false commitment goes
    on to credit as from a verification task (verifier, verification_lead)."""
    request = pb.RecordSupervisionFindingRequest(
        request_id=request_id(),
        commitment_id=commitment_id,
        outcome=choose(outcome, OUTCOMES, "--outcome"),
        findings=found,
        measures=[measure(m) for m in measure_text or []],
        evidence_refs=evidence or [],
        personal_names=personal_names(names),
    )
    detail = referral_detail(offence, materials, organ)
    if detail:
        request.referral.CopyFrom(detail)
    conn = Connection.discover()
    with reported(), flagged():
        request.decision_date.CopyFrom(_today(conn, decided, "--decided"))  # type: ignore[arg-type]
        answer = _stub(conn).RecordSupervisionFinding(request)
    done = answer.task
    replaced = (
        f" (replacing {label(pb.Outcome, answer.superseded_outcome)})" if answer.superseded_outcome else ""
    )
    concluded = label(pb.Outcome, done.outcome)
    say(f"commitment {done.commitment_id} concluded {concluded}{replaced}, task {done.task_id}")


# Escalated unverifiable checks.


def escalated(
    overdue: Annotated[bool, typer.Option(help="Only escalations past their deadline.")] = False,
    counts: Annotated[
        bool, typer.Option(help="Counts per department, mine and the departments below it.")
    ] = False,
    limit: Limit = 100,
    as_json: Json = False,
) -> None:
    """Tasks concluded unverifiable (无法核实) and escalated, awaiting the lead's final conclusion."""
    conn = Connection.discover()
    if counts:
        with reported():
            answer = _stub(conn).CountOverdueEscalations(pb.CountOverdueEscalationsRequest())
        shown(answer, as_json, _show_escalation_counts)
        return
    request = pb.ListTasksRequest(status=pb.TASK_STATUS_ESCALATED, escalation_overdue_only=overdue)
    with reported():
        found = paging.pages(_stub(conn).ListTasks, request, "tasks", limit)
    columns = [*TASK_COLUMNS[:1], *ESCALATION_COLUMNS, *TASK_COLUMNS[3:5]]
    listing(found, as_json, f"escalated tasks of {claim(conn, 'dept')}", columns)


ESCALATION_COLUMNS = [
    ("lead", lambda t: f"{t.escalation.lead_officer}\n{t.escalation.lead_department}"),
    (
        "deadline",
        lambda t: day(t.escalation.deadline) + (" [red]overdue[/red]" if t.escalation.overdue else ""),
    ),
]


def _show_escalation_counts(answer: pb.CountOverdueEscalationsResponse) -> None:
    rows = [
        [d.department, d.escalated, f"[red]{d.overdue}[/red]" if d.overdue else 0] for d in answer.departments
    ]
    table(f"escalated tasks on {day(answer.as_of)}", ["department", "escalated", "overdue"], rows)


# Referrals.

REFERRAL_STATUSES = {
    "sent": fpb.REFERRAL_STATUS_SENT,
    "received": fpb.REFERRAL_STATUS_RECEIVED,
    "decided": fpb.REFERRAL_STATUS_DECIDED,
    "all": fpb.REFERRAL_STATUS_UNSPECIFIED,
}
REFERRAL_OUTCOMES = {
    "filed": fpb.REFERRAL_OUTCOME_FILED,
    "立案": fpb.REFERRAL_OUTCOME_FILED,
    "not-filed": fpb.REFERRAL_OUTCOME_NOT_FILED,
    "不予立案": fpb.REFERRAL_OUTCOME_NOT_FILED,
    "returned": fpb.REFERRAL_OUTCOME_RETURNED,
    "退回": fpb.REFERRAL_OUTCOME_RETURNED,
}
Referral = Annotated[str, typer.Argument(help="The referral.")]
REFERRAL_COLUMNS = [
    ("referral id", lambda r: r.referral_id),
    ("referred", lambda r: day(r.referred_on)),
    ("status", lambda r: label(fpb.ReferralStatus, r.status)),
    ("subject", lambda r: f"{r.subject_name}\n{r.subject.code}"),
    ("organ", lambda r: r.detail.receiving_organ),
    ("outcome", lambda r: label(fpb.ReferralOutcome, r.outcome) if r.outcome else ""),
]


def _referral_fields(r: fpb.Referral) -> list[tuple[str, object]]:
    return [
        ("referral id", r.referral_id),
        ("status", label(fpb.ReferralStatus, r.status)),
        ("task", r.task_id),
        ("commitment", f"{r.commitment_code} ({r.commitment_id})"),
        ("subject", f"{r.subject_name} {r.subject.code}"),
        ("suspected offence", r.detail.suspected_offence),
        ("materials", "; ".join(r.detail.materials)),
        ("receiving organ", r.detail.receiving_organ),
        ("referred", f"{day(r.referred_on)} by {r.referred_by}"),
        ("received", f"{day(r.received_on)} by {r.receiver}" if r.receiver else ""),
        ("outcome", f"{label(fpb.ReferralOutcome, r.outcome)} on {day(r.outcome_on)}" if r.outcome else ""),
        ("note", r.outcome_note),
        ("updated", moment(r.updated_at)),
    ]


@referrals.command("list")
def list_referrals(
    status: Annotated[str, typer.Option(help=f"One of {', '.join(REFERRAL_STATUSES)}.")] = "all",
    limit: Limit = 100,
    as_json: Json = False,
) -> None:
    """My department's referrals, newest first (verifier, verification_lead)."""
    conn = Connection.discover()
    request = fpb.ListReferralsRequest(status=choose(status, REFERRAL_STATUSES, "--status"))
    with reported():
        found = paging.pages(_referrals(conn).ListReferrals, request, "referrals", limit)
    listing(found, as_json, f"referrals of {claim(conn, 'dept')}", REFERRAL_COLUMNS)


@referrals.command("show")
def show_referral(referral_id: Referral, as_json: Json = False) -> None:
    """One referral (移送书) with its materials, receipt and outcome."""
    with reported():
        found = _referrals(Connection.discover()).GetReferral(fpb.GetReferralRequest(referral_id=referral_id))
    shown(found.referral, as_json, lambda r: fields(f"referral {r.referral_id}", _referral_fields(r)))


@referrals.command("receipt")
def receipt(
    referral_id: Referral,
    receiver: Annotated[str, typer.Option(help="Who received the case at the organ.")],
    on: Annotated[str, typer.Option("--on", help="When it was received (default today).")] = "",
) -> None:
    """Record the organ's receipt (回执) of a referral."""
    conn = Connection.discover()
    request = fpb.RecordReferralReceiptRequest(
        request_id=request_id(), referral_id=referral_id, receiver=receiver
    )
    with reported():
        request.received_on.CopyFrom(_today(conn, on, "--on"))  # type: ignore[arg-type]
        done = _referrals(conn).RecordReferralReceipt(request).referral
    say(f"referral {done.referral_id} received {day(done.received_on)} by {done.receiver}")


@referrals.command("outcome")
def outcome(
    referral_id: Referral,
    decision: Annotated[
        str, typer.Option("--outcome", help="filed 立案, not-filed 不予立案 or returned 退回.")
    ],
    note: Annotated[str, typer.Option(help="The organ's reason (required unless filed).")] = "",
    on: Annotated[str, typer.Option("--on", help="When the organ decided (default today).")] = "",
) -> None:
    """Record the organ's decision on a received referral."""
    conn = Connection.discover()
    request = fpb.RecordReferralOutcomeRequest(
        request_id=request_id(),
        referral_id=referral_id,
        outcome=choose(decision, REFERRAL_OUTCOMES, "--outcome"),
        note=note,
    )
    with reported():
        request.decided_on.CopyFrom(_today(conn, on, "--on"))  # type: ignore[arg-type]
        done = _referrals(conn).RecordReferralOutcome(request).referral
    say(f"referral {done.referral_id}: {label(fpb.ReferralOutcome, done.outcome)} on {day(done.outcome_on)}")


# 部门间协查.

FINDINGS = {
    "confirmed": pb.ASSISTANCE_FINDING_CONFIRMED,
    "情况属实": pb.ASSISTANCE_FINDING_CONFIRMED,
    "contradicted": pb.ASSISTANCE_FINDING_CONTRADICTED,
    "情况不符": pb.ASSISTANCE_FINDING_CONTRADICTED,
    "no-record": pb.ASSISTANCE_FINDING_NO_RECORD,
    "无相关记录": pb.ASSISTANCE_FINDING_NO_RECORD,
}
DIRECTIONS = {"incoming": pb.ASSISTANCE_DIRECTION_INCOMING, "outgoing": pb.ASSISTANCE_DIRECTION_OUTGOING}
ASSISTANCE_STATUSES = {
    "pending": pb.ASSISTANCE_STATUS_PENDING,
    "answered": pb.ASSISTANCE_STATUS_ANSWERED,
    "cancelled": pb.ASSISTANCE_STATUS_CANCELLED,
    "all": pb.ASSISTANCE_STATUS_UNSPECIFIED,
}


def _state(a: pb.Assistance) -> str:
    if a.overdue:
        return "[red]overdue[/red]"
    late = " (late)" if a.late else ""
    return label(pb.AssistanceStatus, a.status) + late


ASSISTANCE_COLUMNS = [
    ("assistance id", lambda a: a.assistance_id),
    ("answer by", lambda a: day(a.answer_by)),
    ("state", _state),
    ("from → to", lambda a: f"{a.from_department} → {a.to_department}"),
    ("subject", lambda a: f"{a.subject_name}\n{a.subject.code}"),
    ("question", lambda a: a.question),
    ("finding", lambda a: label(pb.AssistanceFinding, a.finding) if a.finding else ""),
]


@assist.command("ask")
def ask(
    task_id: Annotated[str, typer.Argument(help="An open task of my department.")],
    to: Annotated[str, typer.Option("--to", help="The department asked (its code).")],
    question: Annotated[str, typer.Option(help="The fact to check.")],
    by: Annotated[str, typer.Option("--by", help="Answer by this date (YYYY-MM-DD).")],
) -> None:
    """Ask another department to check a fact for a task (verifier, verification_lead)."""
    request = pb.RequestAssistanceRequest(
        request_id=request_id(),
        task_id=task_id,
        to_department=to,
        question=question,
        answer_by=proto_date(by, "--by"),
    )
    with reported():
        done = _stub(Connection.discover()).RequestAssistance(request).assistance
    say(f"assistance {done.assistance_id} asked of {done.to_department}, answer by {day(done.answer_by)}")


@assist.command("answer")
def answer(
    assistance_id: Annotated[str, typer.Argument(help="A request my department was asked.")],
    finding: Annotated[
        str, typer.Option(help="confirmed 情况属实, contradicted 情况不符 or no-record 无相关记录.")
    ],
    text: Annotated[str, typer.Option("--answer", help="What was found.")],
    evidence: Annotated[list[str] | None, typer.Option(help="Reference to kept evidence; repeat.")] = None,
) -> None:
    """Answer a request for assistance; only the asked department may."""
    request = pb.AnswerAssistanceRequest(
        request_id=request_id(),
        assistance_id=assistance_id,
        finding=choose(finding, FINDINGS, "--finding"),
        answer=text,
        evidence_refs=evidence or [],
    )
    with reported():
        done = _stub(Connection.discover()).AnswerAssistance(request).assistance
    late = " (after the date asked for)" if done.late else ""
    say(f"assistance {done.assistance_id} answered: {label(pb.AssistanceFinding, done.finding)}{late}")


@assist.command("list")
def list_assistance(
    direction: Annotated[
        str, typer.Option(help="incoming (asked of me) or outgoing (asked by me).")
    ] = "incoming",
    status: Annotated[str, typer.Option(help=f"One of {', '.join(ASSISTANCE_STATUSES)}.")] = "all",
    overdue: Annotated[bool, typer.Option(help="Only pending requests past their answer-by date.")] = False,
    limit: Limit = 100,
    as_json: Json = False,
) -> None:
    """Requests for assistance of my department, soonest answer-by date first."""
    conn = Connection.discover()
    request = pb.ListAssistanceRequest(
        direction=choose(direction, DIRECTIONS, "--direction"),
        status=choose(status, ASSISTANCE_STATUSES, "--status"),
        overdue_only=overdue,
    )
    with reported():
        found = paging.pages(_stub(conn).ListAssistance, request, "assistance", limit)
    listing(found, as_json, f"{direction} assistance of {claim(conn, 'dept')}", ASSISTANCE_COLUMNS)


@assist.command("overdue")
def assistance_overdue(as_json: Json = False) -> None:
    """Pending and overdue requests per asked department: mine and the departments below it."""
    with reported():
        answer = _stub(Connection.discover()).CountOverdueAssistance(pb.CountOverdueAssistanceRequest())
    shown(answer, as_json, _show_assistance_counts)


def _show_assistance_counts(answer: pb.CountOverdueAssistanceResponse) -> None:
    rows = [
        [d.department, d.pending, f"[red]{d.overdue}[/red]" if d.overdue else 0] for d in answer.departments
    ]
    table(f"overdue assistance on {day(answer.as_of)}", ["asked department", "pending", "overdue"], rows)
