"""`chengnuo verify register`: inspections outside the annual plans (计划外检查), registered (报备)
at least 5 days ahead, and the dry run of the rules they must meet."""

from __future__ import annotations

from typing import Annotated

import typer

from chengnuo.verification.v1 import registrations_pb2 as gpb
from chengnuo.verification.v1 import registrations_pb2_grpc
from services.cli import paging
from services.cli.connection import Connection
from services.cli.options import Json, Limit
from services.cli.output import fields, listing, reported, say, shown
from services.cli.values import (
    choose,
    claim,
    day,
    label,
    moment,
    proto_date,
    request_id,
    service_today,
    subject,
)

app = typer.Typer(no_args_is_help=True, help="Inspections outside the plans: registration (报备) ahead.")
GROUNDS = {
    "law": gpb.NO_NOTICE_GROUND_LAW,
    "依法不予公开": gpb.NO_NOTICE_GROUND_LAW,
    "superior": gpb.NO_NOTICE_GROUND_SUPERIOR_ORGAN,
    "上级机关要求": gpb.NO_NOTICE_GROUND_SUPERIOR_ORGAN,
}
COLUMNS = [
    ("registration id", lambda r: r.registration_id),
    ("subject", lambda r: r.inspection.subject.code),
    ("type", lambda r: r.inspection.inspection_type),
    ("date", lambda r: day(r.inspection.planned_date)),
    ("status", lambda r: label(gpb.RegistrationStatus, r.status)),
    ("consent", lambda r: r.inspection.consent_reference),
]


def _stub(conn: Connection | None = None) -> registrations_pb2_grpc.InspectionRegistrationServiceStub:
    return (conn or Connection.discover()).stub(
        "verification", registrations_pb2_grpc.InspectionRegistrationServiceStub
    )


def _show(r: gpb.Registration) -> None:
    i = r.inspection
    notice = (
        "yes"
        if i.advance_notice
        else f"no ({label(gpb.NoNoticeGround, i.no_notice_ground)}: {i.no_notice_reason})"
    )
    fields(
        f"registration {r.registration_id}",
        [
            ("status", label(gpb.RegistrationStatus, r.status)),
            ("subject", f"{i.subject.code} {i.subject_name}"),
            ("department", i.department),
            ("inspection type", i.inspection_type),
            ("check items", ", ".join(i.check_items)),
            ("planned date", day(i.planned_date)),
            ("basis", i.basis),
            ("consent (联席会议)", i.consent_reference),
            ("advance notice", notice),
            ("inspectors", ", ".join(i.certificate_numbers)),
            ("rule sets", ", ".join(r.rule_sets)),
            ("registered", f"{moment(r.registered_at)} by {r.registered_by}"),
            (
                "cancelled",
                f"{moment(r.cancelled_at)} by {r.cancelled_by}: {r.cancel_reason}" if r.cancelled_by else "",
            ),
        ],
    )


@app.command("add")
def add(
    code: Annotated[str, typer.Argument(help="The subject's USCC or resident ID.")],
    name: Annotated[str, typer.Option(help="The subject's name.")],
    inspection_type: Annotated[str, typer.Option("--type", help="Inspection type, e.g. FOOD_SAFETY.")],
    on: Annotated[str, typer.Option("--on", help="Its date, YYYY-MM-DD (5 days ahead at least).")],
    basis: Annotated[str, typer.Option(help="Why, and on what legal basis.")],
    check: Annotated[list[str], typer.Option("--check-item", help="Check item code; repeat.")],
    inspector: Annotated[list[str], typer.Option(help="Inspector's certificate number; repeat.")],
    consent: Annotated[str, typer.Option(help="The joint meeting's consent (联席会议同意) number.")] = "",
    no_notice: Annotated[
        str, typer.Option(help="Not told in advance, on this ground: law or superior (default: told).")
    ] = "",
    reason: Annotated[str, typer.Option(help="Why the subject is not told in advance.")] = "",
    kind: Annotated[str, typer.Option(help="legal, person or individual (default: from the code).")] = "auto",
    as_json: Json = False,
) -> None:
    """Register an inspection outside the plans (verifier, verification_lead)."""
    conn = Connection.discover()
    inspection = gpb.PlannedInspection(
        subject=subject(code, kind),
        subject_name=name,
        department=claim(conn, "dept"),
        inspection_type=inspection_type,
        check_items=check,
        planned_date=proto_date(on, "--on"),
        basis=basis,
        consent_reference=consent,
        advance_notice=not no_notice,
        no_notice_ground=choose(no_notice, GROUNDS, "--no-notice")
        if no_notice
        else gpb.NO_NOTICE_GROUND_UNSPECIFIED,
        no_notice_reason=reason,
        certificate_numbers=inspector,
    )
    with reported():
        made = _stub(conn).RegisterInspection(
            gpb.RegisterInspectionRequest(request_id=request_id(), inspection=inspection)
        )
    shown(made.registration, as_json, _show)


@app.command("show")
def show(
    registration_id: Annotated[str, typer.Argument(help="The registration.")], as_json: Json = False
) -> None:
    """One registration of my department."""
    with reported():
        found = _stub().GetRegistration(gpb.GetRegistrationRequest(registration_id=registration_id))
    shown(found.registration, as_json, _show)


@app.command("list")
def list_registrations(
    year: Annotated[int, typer.Option(help="The year of the planned dates (default this year).")] = 0,
    limit: Limit = 0,
    as_json: Json = False,
) -> None:
    """My department's registrations in a year, by planned date."""
    conn = Connection.discover()
    with reported():
        request = gpb.ListRegistrationsRequest(year=year or service_today(conn, "verification").year)
        found = paging.pages(_stub(conn).ListRegistrations, request, "registrations", limit, page=1000)
    listing(found, as_json, f"registered inspections {request.year}", COLUMNS)


@app.command("cancel")
def cancel(
    registration_id: Annotated[str, typer.Argument(help="The registration.")],
    reason: Annotated[str, typer.Option(help="Why it is withdrawn.")],
    as_json: Json = False,
) -> None:
    """Withdraw a registration before its date; it no longer counts against the annual cap."""
    request = gpb.CancelRegistrationRequest(
        request_id=request_id(), registration_id=registration_id, reason=reason
    )
    with reported():
        done = _stub().CancelRegistration(request)
    shown(done.registration, as_json, _show)


@app.command("check")
def check_allowed(
    code: Annotated[str, typer.Argument(help="The subject's USCC or resident ID.")],
    inspection_type: Annotated[str, typer.Option("--type", help="Inspection type, e.g. FOOD_SAFETY.")],
    on: Annotated[str, typer.Option("--on", help="The inspection's date, YYYY-MM-DD.")],
    consent: Annotated[str, typer.Option(help="The joint meeting's consent, if any.")] = "",
    kind: Annotated[str, typer.Option(help="legal, person or individual (default: from the code).")] = "auto",
    as_json: Json = False,
) -> None:
    """Would this inspection be allowed? Exit 1 with the reasons if not; stores nothing."""
    conn = Connection.discover()
    request = gpb.CheckInspectionAllowedRequest(
        subject=subject(code, kind),
        department=claim(conn, "dept"),
        inspection_type=inspection_type,
        planned_date=proto_date(on, "--on"),
        consent_reference=consent,
    )
    with reported():
        answer = _stub(conn).CheckInspectionAllowed(request)
    shown(answer, as_json, _show_allowed)
    if not answer.allowed:
        raise typer.Exit(1)


def _show_allowed(answer: gpb.CheckInspectionAllowedResponse) -> None:
    say("allowed" if answer.allowed else "[red]not allowed[/red]")
    for r in answer.refusals:
        say(f"  {r.rule}: {r.description}")
