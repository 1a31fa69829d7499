"""`chengnuo verify items`: a department's random inspection list (随机抽查事项清单)."""

from __future__ import annotations

from typing import Annotated

import typer

from chengnuo.verification.v1 import check_items_pb2 as cpb
from chengnuo.verification.v1 import check_items_pb2_grpc
from services.cli import paging
from services.cli.connection import Connection
from services.cli.options import Json, Limit
from services.cli.output import fields, listing, reported, say, shown
from services.cli.values import claim, day, moment, proto_date, request_id, yes

app = typer.Typer(no_args_is_help=True, help="The random inspection list (随机抽查事项清单) of a department.")
Code = Annotated[str, typer.Argument(help="The item's code in the department's list.")]
Department = Annotated[str, typer.Option(help="Whose list (default: mine).")]

COLUMNS = [
    ("code", lambda i: i.code),
    ("v", lambda i: i.version),
    ("name", lambda i: i.name),
    ("type", lambda i: i.inspection_type),
    ("domain", lambda i: i.supervision_domain),
    ("method", lambda i: i.check_method),
    ("from", lambda i: day(i.effective_from)),
    ("retired", lambda i: day(i.retired_on)),
]


def _stub(conn: Connection) -> check_items_pb2_grpc.CheckItemServiceStub:
    return conn.stub("verification", check_items_pb2_grpc.CheckItemServiceStub)


def show_item(i: cpb.ListedCheckItem) -> None:
    fields(
        f"check item {i.department}/{i.code} version {i.version}",
        [
            ("name", i.name),
            ("legal basis", i.legal_basis),
            ("inspection type", i.inspection_type),
            ("supervision domain", i.supervision_domain),
            ("check content", i.check_content),
            ("check method", i.check_method),
            ("advance notice", yes(i.advance_notice_allowed) or f"no: {i.no_notice_reason}"),
            ("effective from", day(i.effective_from)),
            ("retired on", day(i.retired_on)),
            ("recorded", f"{moment(i.recorded_at)} by {i.recorded_by}"),
        ],
    )


@app.command("put")
def put(
    code: Code,
    name: Annotated[str, typer.Option(help="What is inspected, e.g. 食品经营许可事项检查.")],
    legal_basis: Annotated[str, typer.Option(help="The law and article that allow the check.")],
    inspection_type: Annotated[
        str, typer.Option(help="Upper-case type for the annual cap, e.g. FOOD_SAFETY.")
    ],
    domain: Annotated[str, typer.Option(help="Supervision domain inspectors must be qualified for.")],
    content: Annotated[str, typer.Option(help="What is checked.")],
    method: Annotated[str, typer.Option(help="How, e.g. 现场检查 or 书面检查.")],
    effective_from: Annotated[
        str, typer.Option("--from", help="First day this version applies, YYYY-MM-DD.")
    ],
    no_notice: Annotated[
        str,
        typer.Option(help="Subjects may not be told in advance, and why (依法不予公开, 上级机关明确要求)."),
    ] = "",
    as_json: Json = False,
) -> None:
    """Add an item to my department's list, or revise it as a new version (verification_lead)."""
    draft = cpb.CheckItemDraft(
        code=code,
        name=name,
        legal_basis=legal_basis,
        inspection_type=inspection_type,
        supervision_domain=domain,
        check_content=content,
        check_method=method,
        advance_notice_allowed=not no_notice,
        no_notice_reason=no_notice,
        effective_from=proto_date(effective_from, "--from"),
    )
    with reported():
        item = (
            _stub(Connection.discover())
            .PutCheckItem(cpb.PutCheckItemRequest(request_id=request_id(), item=draft))
            .item
        )
    shown(
        item,
        as_json,
        lambda i: say(f"check item {i.code} is version {i.version} from {day(i.effective_from)}"),
    )


@app.command("retire")
def retire(
    code: Code,
    on: Annotated[str, typer.Option(help="No inspection on or after this day uses the item, YYYY-MM-DD.")],
    as_json: Json = False,
) -> None:
    """Take an item off my department's list from a day; its versions stay readable (verification_lead)."""
    request = cpb.RetireCheckItemRequest(
        request_id=request_id(), code=code, retired_on=proto_date(on, "--on")
    )
    with reported():
        item = _stub(Connection.discover()).RetireCheckItem(request).item
    shown(item, as_json, lambda i: say(f"check item {i.code} is retired from {day(i.retired_on)}"))


@app.command("show")
def show(
    code: Code,
    department: Department = "",
    version: Annotated[int, typer.Option(min=0, help="This version (0: the latest).")] = 0,
    as_json: Json = False,
) -> None:
    """One item of a list, as it reads in a version."""
    with reported():
        conn = Connection.discover()
        request = cpb.GetCheckItemRequest(
            department=department or claim(conn, "dept"), code=code, version=version
        )
        item = _stub(conn).GetCheckItem(request).item
    shown(item, as_json, show_item)


@app.command("list")
def list_items(
    department: Department = "",
    on: Annotated[str, typer.Option(help="The list as it stands on this day (default: today).")] = "",
    retired: Annotated[bool, typer.Option(help="Include retired items.")] = False,
    limit: Limit = 0,
    as_json: Json = False,
) -> None:
    """A department's list: the latest version of each item (any role; the list is public, 事前公开)."""
    with reported():
        conn = Connection.discover()
        request = cpb.ListCheckItemsRequest(
            department=department or claim(conn, "dept"), include_retired=retired
        )
        if on:
            request.on.CopyFrom(proto_date(on, "--on"))
        found = paging.pages(_stub(conn).ListCheckItems, request, "items", limit)
    listing(found, as_json, f"random inspection list of {request.department} (随机抽查事项清单)", COLUMNS)
