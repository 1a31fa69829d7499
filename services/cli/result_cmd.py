"""`chengnuo verify result`: results of random inspections (双随机) and joint inspections
(综合查一次), with the measures taken and the dates of their push and publication."""

from __future__ import annotations

from typing import Annotated

import typer

from chengnuo.verification.v1 import results_pb2 as pb
from chengnuo.verification.v1 import results_pb2_grpc
from services.cli import paging
from services.cli.connection import Connection
from services.cli.names import Names, flagged, personal_names
from services.cli.options import Json
from services.cli.output import fail, fields, listing, reported, shown
from services.cli.values import choose, day, label, moment, proto_date, request_id, service_today
from services.kernel import convert

app = typer.Typer(no_args_is_help=True, help="Inspection results: what a random or joint inspection found.")
SERVICE = "verification"
OUTCOMES = {
    "ok": pb.ITEM_OUTCOME_NO_PROBLEM,
    "no-problem": pb.ITEM_OUTCOME_NO_PROBLEM,
    "未发现问题": pb.ITEM_OUTCOME_NO_PROBLEM,
    "problem": pb.ITEM_OUTCOME_PROBLEM_FOUND,
    "problem-found": pb.ITEM_OUTCOME_PROBLEM_FOUND,
    "发现问题": pb.ITEM_OUTCOME_PROBLEM_FOUND,
}
MEASURES = {
    "rectify": pb.RESULT_MEASURE_KIND_ORDER_RECTIFICATION,
    "责令限期整改": pb.RESULT_MEASURE_KIND_ORDER_RECTIFICATION,
    "penalty-case": pb.RESULT_MEASURE_KIND_PENALTY_CASE,
    "立案查处": pb.RESULT_MEASURE_KIND_PENALTY_CASE,
    "refer": pb.RESULT_MEASURE_KIND_REFERRAL,
    "移送": pb.RESULT_MEASURE_KIND_REFERRAL,
}
ITEM_HELP = (
    "A check item's result as 'CODE | ok' or 'CODE | problem | findings' (ok 未发现问题, problem "
    "发现问题); one for every check item of the inspection; repeat."
)
MEASURE_HELP = (
    "A measure as 'KIND | legal basis | value | note' (note optional). KIND and its value: rectify "
    "责令限期整改 with the deadline (YYYY-MM-DD), penalty-case 立案查处 with the case number (案号), "
    "refer 移送 with the receiving department's code. Repeat for several."
)


def _stub(conn: Connection | None = None) -> results_pb2_grpc.InspectionResultServiceStub:
    return (conn or Connection.discover()).stub(SERVICE, results_pb2_grpc.InspectionResultServiceStub)


def item(text: str) -> pb.ItemResult:
    """`SC-01 | problem | 过期食品未下架` as an ItemResult."""
    parts = [p.strip() for p in text.replace("｜", "|").split("|")]
    if len(parts) not in (2, 3):
        fail(f"--item: {text!r}: write 'CODE | ok' or 'CODE | problem | findings'")
    findings = parts[2] if len(parts) == 3 else ""
    return pb.ItemResult(check_item=parts[0], outcome=choose(parts[1], OUTCOMES, "--item"), findings=findings)


def measure(text: str) -> pb.ResultMeasure:
    """`penalty-case | 《食品安全法》第一百二十四条 | 厦市监立〔2026〕88号` as a ResultMeasure."""
    parts = [p.strip() for p in text.replace("｜", "|").split("|")]
    if len(parts) not in (3, 4):
        fail(f"--measure: {text!r}: write 'KIND | legal basis | value | note'")
    made = pb.ResultMeasure(kind=choose(parts[0], MEASURES, "--measure"), legal_basis=parts[1])
    if made.kind == pb.RESULT_MEASURE_KIND_ORDER_RECTIFICATION:
        made.deadline.CopyFrom(proto_date(parts[2], "--measure deadline"))
    elif made.kind == pb.RESULT_MEASURE_KIND_PENALTY_CASE:
        made.case_number = parts[2]
    else:
        made.to_department = parts[2]
    made.note = parts[3] if len(parts) == 4 else ""
    return made


def _measure_text(m: pb.ResultMeasure) -> str:
    value = day(m.deadline) if m.HasField("deadline") else m.case_number or m.to_department
    return f"{label(pb.ResultMeasureKind, m.kind)} {value} ({m.legal_basis})"


def _inspection(r: pb.InspectionResult, drawn: str) -> str:
    if r.joint_inspection_id:
        return f"joint {r.joint_inspection_id}"
    return f"registered {r.registration_id}" if r.registration_id else drawn


def result_fields(r: pb.InspectionResult) -> list[tuple[str, object]]:
    inspection = _inspection(r, f"draw {r.draw_id} #{r.position}")
    return [
        ("inspection", inspection),
        ("subject", f"{r.subject.code} {r.subject_name}"),
        ("recorded by", f"{r.recording_department} ({r.recorded_by}, {moment(r.recorded_at)})"),
        ("departments (互认)", ", ".join(r.departments)),
        ("inspected on", day(r.inspection_date)),
        ("inspectors", ", ".join(r.inspectors)),
        *[
            (f"item {i.check_item}", f"{label(pb.ItemOutcome, i.outcome)} {i.findings}".strip())
            for i in r.items
        ],
        ("measures", "; ".join(_measure_text(m) for m in r.measures)),
        ("acknowledgement", label(pb.Acknowledgement, r.acknowledgement)),
        ("refusal note", r.refusal_note),
        ("evidence", ", ".join(r.evidence_refs)),
        ("push to platforms by", day(r.push_deadline)),
        (
            "publish by",
            day(r.publication_deadline) + (" (provisional)" if r.publication_deadline_provisional else ""),
        ),
    ]


COLUMNS = [
    ("result", lambda r: r.result_id),
    ("subject", lambda r: r.subject.code),
    ("inspection", lambda r: _inspection(r, "draw").split(" ")[0]),
    ("recorded by", lambda r: r.recording_department),
    ("inspected", lambda r: day(r.inspection_date)),
    ("problem", lambda r: "yes" if r.problem_found else "no"),
    ("push by", lambda r: day(r.push_deadline)),
]


@app.command("record")
def record(
    items: Annotated[list[str], typer.Option("--item", help=ITEM_HELP)],
    inspectors: Annotated[
        list[str], typer.Option("--inspector", help="Certificate number (执法证号); repeat.")
    ],
    draw: Annotated[str, typer.Option(help="The draw (with --subject).")] = "",
    subject_code: Annotated[str, typer.Option("--subject", help="The drawn subject's code.")] = "",
    joint_id: Annotated[str, typer.Option("--joint", help="The joint inspection (instead of a draw).")] = "",
    registration: Annotated[
        str, typer.Option(help="The registered inspection (报备), instead of a draw or a joint one.")
    ] = "",
    inspected: Annotated[str, typer.Option("--on", help="Inspection date, YYYY-MM-DD (default today).")] = "",
    measures: Annotated[list[str] | None, typer.Option("--measure", help=MEASURE_HELP)] = None,
    refused: Annotated[str, typer.Option("--refused", help="The subject refused to sign: the note.")] = "",
    evidence: Annotated[list[str] | None, typer.Option(help="Reference to kept evidence; repeat.")] = None,
    names: Names = "ask",
    as_json: Json = False,
) -> None:
    """Record an inspection's one result (verifier, verification_lead); a joint inspection's by its
    lead department. Findings and notes are shared and published: see --names."""
    request = pb.RecordInspectionResultRequest(
        request_id=request_id(),
        draw_id=draw,
        subject_code=subject_code,
        joint_inspection_id=joint_id,
        registration_id=registration,
        items=[item(i) for i in items],
        inspectors=inspectors,
        evidence_refs=evidence or [],
        acknowledgement=pb.ACKNOWLEDGEMENT_REFUSED if refused else pb.ACKNOWLEDGEMENT_SIGNED,
        refusal_note=refused,
        measures=[measure(m) for m in measures or []],
        personal_names=personal_names(names),
    )
    conn = Connection.discover()
    with reported(), flagged():
        when = proto_date(inspected, "--on") if inspected else convert.to_date(service_today(conn, SERVICE))
        request.inspection_date.CopyFrom(when)
        done = _stub(conn).RecordInspectionResult(request).result
    shown(done, as_json, lambda r: fields(f"inspection result {r.result_id}", result_fields(r)))


@app.command("show")
def show(result_id: Annotated[str, typer.Argument(help="The result.")], as_json: Json = False) -> None:
    """One result, as every participating department sees it."""
    with reported():
        found = _stub().GetInspectionResult(pb.GetInspectionResultRequest(result_id=result_id)).result
    shown(found, as_json, lambda r: fields(f"inspection result {r.result_id}", result_fields(r)))


@app.command("list")
def list_results(
    draw: Annotated[str, typer.Option(help="Only this draw's results.")] = "",
    joint_id: Annotated[str, typer.Option("--joint", help="Only this joint inspection's result.")] = "",
    subject_code: Annotated[str, typer.Option("--subject", help="Only this subject's results.")] = "",
    recorded_by: Annotated[str, typer.Option(help="Only results this department recorded.")] = "",
    year: Annotated[int, typer.Option(help="Only results of this year (0: any).")] = 0,
    limit: Annotated[int, typer.Option(min=0, help="At most (0: all).")] = 100,
    as_json: Json = False,
) -> None:
    """The results my department took part in, its own and those it recognises (互认)."""
    request = pb.ListInspectionResultsRequest(
        draw_id=draw,
        joint_inspection_id=joint_id,
        subject_code=subject_code,
        recording_department=recorded_by,
        year=year,
    )
    with reported():
        found = paging.pages(_stub().ListInspectionResults, request, "results", limit)
    listing(found, as_json, "inspection results", COLUMNS)
