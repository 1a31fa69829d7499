"""`chengnuo verify plan annual`: a department's annual inspection plan (年度检查计划)."""

from __future__ import annotations

from typing import Annotated

import typer

from chengnuo.verification.v1 import annual_plans_pb2 as apb
from chengnuo.verification.v1 import annual_plans_pb2_grpc
from services.cli import paging
from services.cli.connection import Connection
from services.cli.options import Json, Limit
from services.cli.output import fail, fields, listing, reported, say, shown, table
from services.cli.values import day, label, moment, proto_date, request_id

app = typer.Typer(
    no_args_is_help=True, help="Annual inspection plans (年度检查计划): draft, revise, publish."
)
Plan = Annotated[str, typer.Argument(help="The annual plan.")]
Revision = Annotated[int, typer.Option(help="The revision you read (shown by `show`).")]
ENTRY_HELP = (
    "A planned check as 'ITEM CODE | random or joint | first day | last day | other departments'"
    " (departments comma-separated, joint only); repeat."
)
KINDS = {"random": apb.PLANNED_CHECK_KIND_RANDOM_DRAW, "joint": apb.PLANNED_CHECK_KIND_JOINT_DRAW}
COLUMNS = [
    ("plan", lambda p: p.annual_plan_id),
    ("year", lambda p: p.year),
    ("name", lambda p: p.name),
    ("status", lambda p: label(apb.AnnualPlanStatus, p.status)),
    ("rev", lambda p: p.revision),
    ("checks", lambda p: len(p.entries)),
    ("report due", lambda p: day(p.report_due)),
]


def _stub(conn: Connection) -> annual_plans_pb2_grpc.AnnualPlanServiceStub:
    return conn.stub("verification", annual_plans_pb2_grpc.AnnualPlanServiceStub)


def entry(text: str) -> apb.PlannedCheckDraft:
    parts = [p.strip() for p in text.replace("｜", "|").split("|")]
    if not 4 <= len(parts) <= 5 or parts[1] not in KINDS:
        fail(f"--entry: {text!r}: write 'ITEM CODE | random or joint | first day | last day | departments'")
    others = (
        [d.strip() for d in parts[4].replace("，", ",").split(",") if d.strip()] if len(parts) > 4 else []
    )
    return apb.PlannedCheckDraft(
        check_item_code=parts[0],
        kind=KINDS[parts[1]],
        window_start=proto_date(parts[2], "--entry first day"),
        window_end=proto_date(parts[3], "--entry last day"),
        cooperating_departments=others,
    )


def show_plan(p: apb.AnnualPlan) -> None:
    due = day(p.report_due) + (" (provisional calendar)" if p.report_due_provisional else "")
    fields(
        f"annual plan {p.annual_plan_id}",
        [
            ("name", p.name),
            ("department", p.department),
            ("year", p.year),
            ("status", label(apb.AnnualPlanStatus, p.status)),
            ("revision", p.revision),
            ("published", f"{day(p.published_on)} by {p.published_by}" if p.published_by else ""),
            ("report to justice bureau by", due if p.report_due.year else ""),
            ("rule set", p.rule_set),
            ("created", f"{moment(p.created_at)} by {p.created_by}"),
        ],
    )
    rows = [
        [
            e.check_item_code,
            e.check_item_version,
            e.check_item_name,
            e.inspection_type,
            label(apb.PlannedCheckKind, e.kind),
            f"{day(e.window_start)} to {day(e.window_end)}",
            ", ".join(e.cooperating_departments),
        ]
        for e in p.entries
    ]
    if rows:
        table("planned checks", ["item", "v", "name", "type", "kind", "window", "with"], rows)


@app.command("create")
def create(
    year: Annotated[int, typer.Option(help="The plan's year.")],
    name: Annotated[str, typer.Option(help="e.g. 2027年度行政检查计划.")],
    entries: Annotated[list[str] | None, typer.Option("--entry", help=ENTRY_HELP)] = None,
    as_json: Json = False,
) -> None:
    """Draft my department's plan for a year, from items of its random inspection list (verification_lead)."""
    request = apb.CreateAnnualPlanRequest(
        request_id=request_id(), year=year, name=name, entries=[entry(e) for e in entries or []]
    )
    with reported():
        plan = _stub(Connection.discover()).CreateAnnualPlan(request).plan
    shown(plan, as_json, show_plan)


@app.command("revise")
def revise(
    plan_id: Plan,
    revision: Revision,
    name: Annotated[str, typer.Option(help="The plan's name.")],
    entries: Annotated[list[str] | None, typer.Option("--entry", help=ENTRY_HELP)] = None,
    as_json: Json = False,
) -> None:
    """Replace a draft's name and planned checks (verification_lead)."""
    request = apb.ReviseAnnualPlanRequest(
        request_id=request_id(),
        annual_plan_id=plan_id,
        expected_revision=revision,
        name=name,
        entries=[entry(e) for e in entries or []],
    )
    with reported():
        plan = _stub(Connection.discover()).ReviseAnnualPlan(request).plan
    shown(plan, as_json, show_plan)


@app.command("publish")
def publish(plan_id: Plan, revision: Revision, as_json: Json = False) -> None:
    """Publish a draft: its checks are fixed, and the report deadline starts (verification_lead)."""
    request = apb.PublishAnnualPlanRequest(
        request_id=request_id(), annual_plan_id=plan_id, expected_revision=revision
    )
    with reported():
        plan = _stub(Connection.discover()).PublishAnnualPlan(request).plan
    late = " (provisional calendar)" if plan.report_due_provisional else ""
    shown(
        plan,
        as_json,
        lambda p: say(f"annual plan {p.year} published; report it by {day(p.report_due)}{late}"),
    )


@app.command("show")
def show(plan_id: Plan, as_json: Json = False) -> None:
    """One plan with its planned checks."""
    with reported():
        plan = (
            _stub(Connection.discover()).GetAnnualPlan(apb.GetAnnualPlanRequest(annual_plan_id=plan_id)).plan
        )
    shown(plan, as_json, show_plan)


@app.command("list")
def list_plans(
    year: Annotated[int, typer.Option(help="Only this year (0: all).")] = 0,
    limit: Limit = 0,
    as_json: Json = False,
) -> None:
    """My department's annual plans, latest year first (verifier, verification_lead)."""
    with reported():
        found = paging.pages(
            _stub(Connection.discover()).ListAnnualPlans,
            apb.ListAnnualPlansRequest(year=year),
            "plans",
            limit,
        )
    listing(found, as_json, "annual inspection plans (年度检查计划)", COLUMNS)
