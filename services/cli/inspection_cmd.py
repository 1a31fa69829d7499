"""`chengnuo verify plan` and `chengnuo verify joint`: random inspections (双随机、一公开) and
joint inspections (综合查一次)."""

from __future__ import annotations

from typing import Annotated

import typer

from chengnuo.verification.v1 import inspections_pb2 as ipb
from chengnuo.verification.v1 import inspections_pb2_grpc
from services.cli import annual_plan_cmd, paging, scene_cmd
from services.cli.connection import Connection
from services.cli.inspection_views import (
    CHECK_ITEM_HELP,
    DRAWN_COLUMNS,
    JOINT_COLUMNS,
    RATIO_HELP,
    check_item,
    joint_summary,
    ratio,
    show_draw,
    show_plan,
    show_stats,
    subject_filter,
)
from services.cli.options import Json
from services.cli.output import listing, reported, say, shown
from services.cli.values import claim, label, moment, proto_date, request_id, service_today

plans = typer.Typer(no_args_is_help=True, help="Random-inspection plans and their published draws.")
joint = typer.Typer(no_args_is_help=True, help="Joint inspections: one visit for several departments.")
plans.add_typer(annual_plan_cmd.app, name="annual")
joint.add_typer(scene_cmd.app, name="scene")
Limit = Annotated[int, typer.Option(min=0, help="At most (0: all).")]
Many = Annotated[list[str] | None, typer.Option()]


def _stub(conn: Connection | None = None) -> inspections_pb2_grpc.InspectionServiceStub:
    return (conn or Connection.discover()).stub("verification", inspections_pb2_grpc.InspectionServiceStub)


@plans.command("create")
def create(
    name: Annotated[str, typer.Option(help="What the plan is, e.g. 2026年食品经营双随机抽查.")],
    check: Annotated[list[str], typer.Option("--check-item", help=CHECK_ITEM_HELP)],
    start: Annotated[str, typer.Option("--from", help="First day of the window, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="Last day of the window (same year).")],
    department: Annotated[list[str] | None, typer.Option(help="Taking part (default mine); repeat.")] = None,
    region: Annotated[list[str] | None, typer.Option(help="Subjects of this region; repeat.")] = None,
    industry: Annotated[list[str] | None, typer.Option(help="Subjects of this industry; repeat.")] = None,
    kind: Annotated[list[str] | None, typer.Option(help="legal, person or individual; repeat.")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="Subjects carrying this tag; repeat.")] = None,
    ratios: Annotated[list[str] | None, typer.Option("--ratio", help=RATIO_HELP)] = None,
    team_size: Annotated[int, typer.Option(help="Inspectors per team.")] = 2,
    domain: Annotated[str, typer.Option(help="Domain every team member must be qualified for.")] = "",
    annual_plan: Annotated[
        str, typer.Option(help="The published annual plan (年度检查计划) this draw carries out.")
    ] = "",
    as_json: Json = False,
) -> None:
    """Create a random-inspection plan (verification_lead)."""
    conn = Connection.discover()
    request = ipb.CreatePlanRequest(
        request_id=request_id(),
        name=name,
        departments=department or [claim(conn, "dept")],
        check_items=[check_item(c) for c in check],
        filter=subject_filter(region or [], industry or [], kind or [], tag or []),
        ratios=[ratio(r) for r in ratios or []],
        inspector_requirements=ipb.InspectorRequirements(team_size=team_size, domain=domain),
        window_start=proto_date(start, "--from"),
        window_end=proto_date(end, "--to"),
        annual_plan_id=annual_plan,
    )
    with reported():
        plan = _stub(conn).CreatePlan(request).plan
    shown(plan, as_json, show_plan)


@plans.command("list")
def list_plans(limit: Limit = 100, as_json: Json = False) -> None:
    """The department's plans, newest first."""
    with reported():
        found = paging.pages(_stub().ListPlans, ipb.ListPlansRequest(), "plans", limit)
    columns = [
        ("plan id", lambda p: p.plan_id),
        ("name", lambda p: p.name),
        ("status", lambda p: label(ipb.PlanStatus, p.status)),
        ("departments", lambda p: ", ".join(p.departments)),
        ("created", lambda p: moment(p.created_at)),
        ("draw", lambda p: p.draw_id),
    ]
    listing(found, as_json, "random-inspection plans", columns)


@plans.command("show")
def show(plan_id: Annotated[str, typer.Argument(help="The plan.")], as_json: Json = False) -> None:
    """One plan with its filter, ratios and inspector requirements."""
    with reported():
        plan = _stub().GetPlan(ipb.GetPlanRequest(plan_id=plan_id)).plan
    shown(plan, as_json, show_plan)


@plans.command("draw")
def draw(
    plan_id: Annotated[str, typer.Argument(help="The plan.")],
    seed: Annotated[str, typer.Option(help="Hex seed, 32-128 characters (e.g. from a public lottery).")] = "",
    as_json: Json = False,
) -> None:
    """Draw the plan's subjects and inspector teams, once; prints what is published (verification_lead)."""
    with reported():
        made = _stub().DrawPlan(ipb.DrawPlanRequest(request_id=request_id(), plan_id=plan_id, seed=seed))
    shown(made.draw, as_json, show_draw)
    if made.commitment_tasks and not as_json:
        say(f"{made.commitment_tasks} exempt commitments of drawn subjects are now verification tasks")


@plans.command("results")
def results(
    draw_id: Annotated[str, typer.Argument(help="The draw.")],
    public: Annotated[bool, typer.Option(help="The public list, natural persons masked.")] = False,
    limit: Limit = 0,
    as_json: Json = False,
) -> None:
    """The drawn subjects with their teams."""
    request = (
        ipb.ListPublicDrawResultsRequest(draw_id=draw_id)
        if public
        else ipb.ListDrawResultsRequest(draw_id=draw_id)
    )
    with reported():
        stub = _stub()
        call = stub.ListPublicDrawResults if public else stub.ListDrawResults
        found = paging.pages(call, request, "subjects", limit, page=1000)
    listing(found, as_json, f"draw {draw_id}", DRAWN_COLUMNS)


@plans.command("check")
def check(
    draw_id: Annotated[str, typer.Argument(help="The draw.")],
    seed: Annotated[str, typer.Option(help="The published seed, to compare too.")] = "",
    pool_digest: Annotated[str, typer.Option(help="The published pool digest, to compare too.")] = "",
    result_digest: Annotated[str, typer.Option(help="The published result digest, to compare too.")] = "",
    as_json: Json = False,
) -> None:
    """Re-run a draw from its published inputs; exit 1 unless the result is identical (anyone)."""
    request = ipb.VerifyDrawRequest(
        draw_id=draw_id, seed=seed, pool_digest=pool_digest, result_digest=result_digest
    )
    with reported():
        answer = _stub().VerifyDraw(request)
    shown(answer, as_json, lambda found: _show_check(draw_id, found))
    if not answer.identical:
        raise typer.Exit(1)


def _show_check(draw_id: str, answer: ipb.VerifyDrawResponse) -> None:
    say(f"draw {draw_id}: " + ("identical" if answer.identical else "[red]NOT identical[/red]"))
    for line in answer.mismatches:
        say(f"  {line}")
    show_stats(answer.stats)


@joint.command("plan")
def plan_joint(
    start: Annotated[str, typer.Option("--from", help="First day of the window, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="Last day of the window (same year).")],
    department: Annotated[
        list[str] | None, typer.Option(help="Departments to merge (default mine); repeat.")
    ] = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="Also list visits nothing was merged into.")
    ] = False,
    as_json: Json = False,
) -> None:
    """Merge several departments' on-site visits to the same subject into one (verification_lead)."""
    conn = Connection.discover()
    request = ipb.PlanJointInspectionsRequest(
        request_id=request_id(),
        departments=department or [claim(conn, "dept")],
        window_start=proto_date(start, "--from"),
        window_end=proto_date(end, "--to"),
    )
    with reported():
        answer = _stub(conn).PlanJointInspections(request)
    shown(answer, as_json, lambda found: _show_joint_plan(found, show_all))


def _show_joint_plan(answer: ipb.PlanJointInspectionsResponse, show_all: bool) -> None:
    merged = [j for j in answer.joint_inspections if show_all or len(j.items) > 1]
    listing(merged, False, "visits merged into joint inspections", JOINT_COLUMNS)
    joint_summary(answer)


@joint.command("list")
def list_joint(
    year: Annotated[int, typer.Option(help="The year (default this year).")] = 0,
    limit: Limit = 0,
    as_json: Json = False,
) -> None:
    """Joint inspections of my department in a year."""
    conn = Connection.discover()
    with reported():
        request = ipb.ListJointInspectionsRequest(year=year or service_today(conn, "verification").year)
        found = paging.pages(_stub(conn).ListJointInspections, request, "joint_inspections", limit, page=1000)
    listing(found, as_json, f"joint inspections {request.year}", JOINT_COLUMNS)
