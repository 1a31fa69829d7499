"""`chengnuo verify joint scene`: the scene list (检查场景清单) of joint inspections (综合查一次)."""

from __future__ import annotations

from typing import Annotated

import typer

from chengnuo.verification.v1 import scenes_pb2 as spb
from chengnuo.verification.v1 import scenes_pb2_grpc
from services.cli import paging
from services.cli.connection import Connection
from services.cli.options import Json, Limit
from services.cli.output import fail, fields, listing, reported, say, shown, table
from services.cli.values import claim, day, moment, proto_date, request_id

app = typer.Typer(
    no_args_is_help=True, help="Scenes of joint inspections (检查场景清单): who goes, what is checked."
)
Code = Annotated[str, typer.Argument(help="The scene's code in the lead department.")]
COLUMNS = [
    ("lead", lambda s: s.lead_department),
    ("code", lambda s: s.code),
    ("v", lambda s: s.version),
    ("name", lambda s: s.name),
    ("with", lambda s: ", ".join(s.cooperating_departments)),
    ("items", lambda s: len(s.check_items)),
    ("from", lambda s: day(s.effective_from)),
]


def _stub(conn: Connection) -> scenes_pb2_grpc.SceneServiceStub:
    return conn.stub("verification", scenes_pb2_grpc.SceneServiceStub)


def item(text: str) -> spb.SceneCheckItem:
    department, bar, code = text.replace("｜", "|").partition("|")
    if not bar:
        fail(f"--item: {text!r}: write 'DEPARTMENT | ITEM CODE'")
    return spb.SceneCheckItem(department=department.strip(), code=code.strip())


def show_scene(s: spb.Scene) -> None:
    fields(
        f"scene {s.lead_department}/{s.code} version {s.version}",
        [
            ("name", s.name),
            ("lead", s.lead_department),
            ("with", ", ".join(s.cooperating_departments)),
            ("effective from", day(s.effective_from)),
            ("recorded", f"{moment(s.recorded_at)} by {s.recorded_by}"),
        ],
    )
    rows = [[i.department, i.code, i.version, i.name, i.inspection_type] for i in s.check_items]
    table("check items", ["department", "item", "v", "name", "type"], rows)


@app.command("put")
def put(
    code: Code,
    name: Annotated[str, typer.Option(help="The situation, e.g. 开办餐饮店.")],
    cooperating: Annotated[list[str], typer.Option("--with", help="A cooperating department; repeat.")],
    items: Annotated[list[str], typer.Option("--item", help="'DEPARTMENT | ITEM CODE' of its list; repeat.")],
    effective_from: Annotated[
        str, typer.Option("--from", help="First day this version applies, YYYY-MM-DD.")
    ],
    as_json: Json = False,
) -> None:
    """Add a scene my department leads, or revise it as a new version (verification_lead)."""
    request = spb.PutSceneRequest(
        request_id=request_id(),
        code=code,
        name=name,
        cooperating_departments=cooperating,
        check_items=[item(i) for i in items],
        effective_from=proto_date(effective_from, "--from"),
    )
    with reported():
        scene = _stub(Connection.discover()).PutScene(request).scene
    shown(
        scene, as_json, lambda s: say(f"scene {s.code} is version {s.version} from {day(s.effective_from)}")
    )


@app.command("show")
def show(
    code: Code,
    lead: Annotated[str, typer.Option(help="The lead department (default: mine).")] = "",
    version: Annotated[int, typer.Option(min=0, help="This version (0: the latest).")] = 0,
    as_json: Json = False,
) -> None:
    """One scene with its check items (any role)."""
    with reported():
        conn = Connection.discover()
        request = spb.GetSceneRequest(lead_department=lead or claim(conn, "dept"), code=code, version=version)
        scene = _stub(conn).GetScene(request).scene
    shown(scene, as_json, show_scene)


@app.command("list")
def list_scenes(
    department: Annotated[
        str, typer.Option(help="Scenes this department leads or joins (default: mine).")
    ] = "",
    limit: Limit = 0,
    as_json: Json = False,
) -> None:
    """The scenes a department leads or cooperates in (any role)."""
    with reported():
        conn = Connection.discover()
        request = spb.ListScenesRequest(department=department or claim(conn, "dept"))
        found = paging.pages(_stub(conn).ListScenes, request, "scenes", limit)
    listing(found, as_json, f"scenes of {request.department} (检查场景清单)", COLUMNS)
