"""`chengnuo catalogue`: a department's certificate catalogue (证明事项目录), its notifications,
versions and filing (备案)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chengnuo.commitment.v1 import catalogue_pb2, catalogue_pb2_grpc
from services.cli import catalogue_upload as upload
from services.cli import paging
from services.cli.catalogue_rows import COLUMNS, EXAMPLE
from services.cli.catalogue_views import item_fields, print_report, report_json
from services.cli.connection import Connection
from services.cli.options import Json
from services.cli.output import emit_json, fail, fields, listing, reported, say, shown
from services.cli.tabular import TableError, save_template, show_columns
from services.cli.values import claim, day, label, moment, proto_date, request_id, service_today, yes
from services.kernel import convert

app = typer.Typer(no_args_is_help=True, help="Certificate catalogues: import, publish, file, notifications.")
Limit = Annotated[int, typer.Option(min=0, help="At most this many rows (0: all).")]
pb = catalogue_pb2
MODES = {"all": pb.IMPORT_MODE_ALL_OR_NOTHING, "valid": pb.IMPORT_MODE_VALID_ROWS_ONLY}


def _stub(conn: Connection | None = None) -> catalogue_pb2_grpc.CatalogueServiceStub:
    return (conn or Connection.discover()).stub("commitment", catalogue_pb2_grpc.CatalogueServiceStub)


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The list, .xlsx or .csv.")],
    sheet: Annotated[str, typer.Option(help="Sheet of the workbook (default the first).")] = "",
    region: Annotated[str, typer.Option(help="Region for rows without one (default the token's).")] = "",
    mode: Annotated[
        str, typer.Option(help="all: any bad row stores nothing; valid: store the good rows.")
    ] = "all",
    chunk_size: Annotated[int, typer.Option(min=1, max=2000, help="Rows per request.")] = 500,
    match_names: Annotated[
        bool, typer.Option(help="Rows without an item id update the draft of the same name and region.")
    ] = True,
    as_json: Json = False,
) -> None:
    """Import catalogue items from Excel or CSV into the department's drafts (catalogue_admin).

    Headers may be Chinese or English (see `chengnuo catalogue columns`). Every refused row is
    reported with its row number as Excel shows it, the column and the rule it breaks.
    """
    chosen = MODES.get(mode) or fail(f"--mode: one of {', '.join(MODES)}")
    conn = Connection.discover()
    try:
        table, rows, report = upload.load(file, sheet, region or claim(conn, "region"))
    except TableError as error:
        fail(str(error))
    stub = _stub(conn)
    with reported():
        if match_names and rows:
            upload.match_drafts(stub, rows)
        if rows and not (report.problems and chosen == pb.IMPORT_MODE_ALL_OR_NOTHING):
            upload.send(stub, rows, chosen, chunk_size, report)
    if as_json:
        emit_json(report_json(report, len(table.rows)))
    else:
        print_report(report, len(table.rows), file.name)
    if report.problems:
        raise typer.Exit(1)


@app.command("columns")
def columns(as_json: Json = False) -> None:
    """The columns an import understands, Chinese and English headers."""
    show_columns("catalogue columns", COLUMNS, as_json)


@app.command("template")
def template(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="Where to write it: .xlsx or .csv.")],
) -> None:
    """Write an empty catalogue list with every column and one example row, to fill in Excel."""
    save_template(file, COLUMNS, EXAMPLE)


@app.command("drafts")
def drafts(
    withdrawn: Annotated[bool, typer.Option(help="Include withdrawn items.")] = False,
    limit: Limit = 0,
    as_json: Json = False,
) -> None:
    """The department's draft items: what the next published version will hold (catalogue_admin)."""
    request = pb.ListDraftItemsRequest(include_withdrawn=withdrawn)
    with reported():
        found = paging.pages(_stub().ListDraftItems, request, "items", limit)
    listing(found, as_json, "draft items", [*_ITEM_COLUMNS, ("revision", lambda i: i.revision)])


_ITEM_COLUMNS = [
    ("item id", lambda i: i.item_id),
    ("name", lambda i: i.content.name),
    ("department", lambda i: i.department),
    ("region", lambda i: i.content.region_code),
    ("commitment", lambda i: yes(i.content.commitment_allowed)),
    ("method", lambda i: label(pb.VerificationMethod, i.content.verification.method)),
    ("days", lambda i: i.content.verification.time_limit_working_days or ""),
    ("version", lambda i: i.version or ""),
]


@app.command("list")
def list_items(
    commitment: Annotated[bool, typer.Option(help="Only the commitment list (告知承诺目录).")] = False,
    department: Annotated[str, typer.Option(help="Only this department.")] = "",
    region: Annotated[str, typer.Option(help="Items of this region and the regions inside it.")] = "",
    matter: Annotated[str, typer.Option(help="Items used by this administrative matter.")] = "",
    text: Annotated[str, typer.Option(help="Part of the name or certified content.")] = "",
    limit: Limit = 100,
    as_json: Json = False,
) -> None:
    """The items of the catalogues in force, filtered (any role)."""
    request = pb.ListCatalogueRequest(
        list=pb.CATALOGUE_LIST_COMMITMENT if commitment else pb.CATALOGUE_LIST_CERTIFICATES,
        department=department,
        region_code=region,
        matter=matter,
        text=text,
    )
    with reported():
        found = paging.pages(_stub().ListCatalogue, request, "items", limit)
    listing(found, as_json, "catalogue in force", _ITEM_COLUMNS)


@app.command("show")
def show(
    item_id: Annotated[str, typer.Argument(help="The item.")],
    version: Annotated[int, typer.Option(min=0, help="As published in this version (0: in force).")] = 0,
    draft: Annotated[bool, typer.Option(help="The editable draft instead.")] = False,
    as_json: Json = False,
) -> None:
    """One item with every field."""
    with reported():
        item = _stub().GetItem(pb.GetItemRequest(item_id=item_id, version=version, draft=draft)).item
    shown(item, as_json, lambda i: fields(f"{i.content.name} ({i.department})", item_fields(i)))


@app.command("notification")
def notification(
    item_id: Annotated[str, typer.Argument(help="The item.")],
    version: Annotated[int, typer.Option(min=0, help="Of this version (0: the one in force).")] = 0,
    as_json: Json = False,
) -> None:
    """The notification (告知书) of an item as applicants see it, ready to print."""
    with reported():
        notice = _stub().GetNotification(pb.GetNotificationRequest(item_id=item_id, version=version))
    shown(notice.notification, as_json, lambda n: typer.echo(n.text))


@app.command("publish")
def publish() -> None:
    """Freeze the department's drafts into a new numbered version (catalogue_admin)."""
    with reported():
        done = _stub().PublishCatalogue(pb.PublishCatalogueRequest(request_id=request_id()))
    note = (
        " (provisional: that year's official calendar is not loaded)" if done.filing_due_provisional else ""
    )
    say(
        f"published {done.department} version {done.version}: {done.item_count} items, "
        f"{done.commitment_item_count} allowing commitment; file with the justice bureau by "
        f"{day(done.filing_due_date) or '(no filing rule)'}{note}"
    )


@app.command("file")
def record_filing(
    version: Annotated[int, typer.Argument(help="The published version that was filed.")],
    reference: Annotated[str, typer.Option(help="The justice bureau's filing number (备案号).")],
    authority: Annotated[str, typer.Option(help="The bureau filed with, e.g. 厦门市司法局.")],
    on: Annotated[str, typer.Option(help="Filing date, YYYY-MM-DD (default today).")] = "",
) -> None:
    """Record that a published version was filed (备案) with the justice bureau (catalogue_admin)."""
    request = pb.RecordFilingRequest(
        request_id=request_id(), version=version, reference=reference, authority=authority
    )
    conn = Connection.discover()
    with reported():
        filed_on = proto_date(on, "--on") if on else convert.to_date(service_today(conn, "commitment"))
        request.filed_on.CopyFrom(filed_on)
        filed = _stub(conn).RecordFiling(request).catalogue
    say(
        f"version {filed.version} filed on {day(filed.filing.filed_on)} as {filed.filing.reference}: "
        f"{label(pb.FilingStatus, filed.filing_status)}"
    )


@app.command("versions")
def versions(
    department: Annotated[str, typer.Option(help="Another department (default the caller's).")] = "",
    limit: Limit = 0,
    as_json: Json = False,
) -> None:
    """Published versions with their filing status; overdue filings stand out."""
    request = pb.ListCatalogueVersionsRequest(department=department)
    with reported():
        found = paging.pages(_stub().ListCatalogueVersions, request, "versions", limit, page=200)
    columns = [
        ("version", lambda v: v.version),
        ("published", lambda v: moment(v.published_at)),
        ("items", lambda v: v.item_count),
        ("commitment", lambda v: v.commitment_item_count),
        (
            "file by",
            lambda v: day(v.filing_due_date) + (" (provisional)" if v.filing_due_provisional else ""),
        ),
        ("filing", lambda v: _filing_status(v.filing_status)),
        ("filed on", lambda v: day(v.filing.filed_on)),
        ("reference", lambda v: v.filing.reference),
    ]
    listing(
        found, as_json, f"catalogue versions of {department or claim(Connection.discover(), 'dept')}", columns
    )


def _filing_status(status: int) -> str:
    text = label(pb.FilingStatus, status)
    return f"[red]{text}[/red]" if status in (pb.FILING_STATUS_OVERDUE, pb.FILING_STATUS_FILED_LATE) else text
