"""`chengnuo verify roster`: the rosters behind random inspections (一单两库)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from chengnuo.verification.v1 import rosters_pb2 as rpb
from chengnuo.verification.v1 import rosters_pb2_grpc
from services.cli import paging, roster_rows, roster_upload
from services.cli.connection import Connection
from services.cli.options import Json, Limit
from services.cli.output import emit_json, fail, fields, listing, reported, say, shown, table
from services.cli.roster_rows import Problem
from services.cli.tabular import (
    Column,
    SourceRow,
    Table,
    TableError,
    is_example,
    read_table,
    save_template,
    show_columns,
)
from services.cli.values import day, label, moment, request_id, yes

app = typer.Typer(no_args_is_help=True, help="Inspectors and inspection subjects (一单两库), departments.")
File = Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The list, .xlsx or .csv.")]
Sheet = Annotated[str, typer.Option(help="Sheet of the workbook (default the first).")]
SHOWN_PROBLEMS = 50
SHEETS = {
    "inspectors": (roster_rows.INSPECTOR_COLUMNS, roster_rows.INSPECTOR_EXAMPLE),
    "subjects": (roster_rows.SUBJECT_COLUMNS, roster_rows.SUBJECT_EXAMPLE),
}
Which = Annotated[str, typer.Argument(help="inspectors or subjects.")]
R = TypeVar("R")  # what a sheet row becomes


def _stub() -> rosters_pb2_grpc.RosterServiceStub:
    return Connection.discover().stub("verification", rosters_pb2_grpc.RosterServiceStub)


def _read(file: Path, columns: Sequence[Column], sheet: str) -> Table:
    try:
        found = read_table(file, columns, sheet)
    except TableError as error:
        fail(str(error))
    if found.ignored:
        say(f"ignored columns: {', '.join(found.ignored)}")
    return found


def _report(
    problems: list[Problem], found: Table, columns: Sequence[Column], as_json: bool, summary: dict[str, Any]
) -> None:
    header = {c.field: found.headers.get(c.key, c.key) for c in columns}
    ordered = sorted(problems, key=lambda p: (p.row, p.field))
    if as_json:
        emit_json(summary | {"problems": [p.__dict__ for p in ordered]})
        return
    if ordered:
        rows = [[p.row, header.get(p.field.split("[")[0], ""), p.field, p.description] for p in ordered]
        table("rows refused", ["row", "column", "field", "problem"], rows[:SHOWN_PROBLEMS])
        if len(rows) > SHOWN_PROBLEMS:
            say(f"… and {len(rows) - SHOWN_PROBLEMS} more (--json lists them all)")
    say(", ".join(f"{k.replace('_', ' ')} {v}" for k, v in summary.items() if k != "import_id"))


def _sheet(which: str) -> tuple[Sequence[Column], Sequence[str]]:
    return SHEETS.get(which) or fail("one of inspectors, subjects")


def _parsed(
    sources: Sequence[SourceRow], parse: Callable[[SourceRow], tuple[R, list[Problem]]]
) -> tuple[list[tuple[int, R]], list[Problem]]:
    """The rows that parse, each with its row number, and the problems of those that do not."""
    rows, problems = [], []
    for source in sources:
        made, refused = parse(source)
        problems += refused
        if not refused:
            rows.append((source.number, made))
    return rows, problems


def _without_examples(found: Table, first_key: str) -> list[SourceRow]:
    return [r for r in found.rows if not is_example(r, first_key)]


def _examples(found: Table, kept: Sequence[SourceRow]) -> dict[str, int]:
    """The count of skipped example rows, in the summary only when there were any."""
    skipped = len(found.rows) - len(kept)
    return {"examples_skipped": skipped} if skipped else {}


@app.command("columns")
def columns(which: Which, as_json: Json = False) -> None:
    """The columns a roster import understands, Chinese and English headers."""
    show_columns(f"{which} columns", _sheet(which)[0], as_json)


@app.command("template")
def template(
    which: Which, file: Annotated[Path, typer.Argument(dir_okay=False, help=".xlsx or .csv")]
) -> None:
    """Write an empty roster list with every column and one example row (marked 示例：, which
    the import skips: delete it or leave it)."""
    save_template(file, *_sheet(which))


@app.command("import-inspectors")
def import_inspectors(
    file: File,
    sheet: Sheet = "",
    replace: Annotated[
        bool, typer.Option(help="The list is complete: deactivate inspectors not in it.")
    ] = False,
    as_json: Json = False,
) -> None:
    """Import the department's enforcement officers (执法检查人员名录库) (verification_lead)."""
    found = _read(file, roster_rows.INSPECTOR_COLUMNS, sheet)
    report = roster_upload.InspectorReport()
    sources = _without_examples(found, "certificate_number")
    rows, report.problems = _parsed(sources, roster_rows.inspector)
    if replace and report.problems:
        report.problems.append(Problem(0, "", "nothing sent: a replacing import must be complete"))
    elif rows:
        with reported():
            roster_upload.send_inspectors(_stub(), rows, replace, report)
    summary = {"rows_read": len(found.rows), "created": report.created, "updated": report.updated}
    _report(
        report.problems,
        found,
        roster_rows.INSPECTOR_COLUMNS,
        as_json,
        summary | {"deactivated": report.deactivated} | _examples(found, sources),
    )
    if report.problems:
        raise typer.Exit(1)


@app.command("inspectors")
def inspectors(limit: Limit = 0, as_json: Json = False) -> None:
    """The department's inspectors with their domains and certificate validity."""
    with reported():
        found = paging.pages(_stub().ListInspectors, rpb.ListInspectorsRequest(), "inspectors", limit, 1000)
    columns = [
        ("certificate", lambda i: i.certificate_number),
        ("name", lambda i: i.name),
        ("domains", lambda i: ", ".join(i.domains)),
        ("active", lambda i: yes(i.active) or "no"),
        ("valid until", lambda i: day(i.certificate_valid_until)),
        ("recuses from", lambda i: ", ".join(c.subject.code for c in i.conflicts)),
    ]
    listing(found, as_json, "inspectors", columns)


@app.command("import-subjects")
def import_subjects(
    file: File,
    sheet: Sheet = "",
    replace: Annotated[
        bool, typer.Option(help="The list is the whole roster: deactivate the others.")
    ] = False,
    chunk_size: Annotated[int, typer.Option(min=1, max=50_000, help="Rows per upload.")] = 5000,
    as_json: Json = False,
) -> None:
    """Import inspection subjects (检查对象名录库) in chunks, then commit them at once (verification_lead).

    A replacing import with refused rows is left uncommitted: committing it would deactivate the
    refused rows' subjects. Fix the file and import it again.
    """
    found = _read(file, roster_rows.SUBJECT_COLUMNS, sheet)
    sources = _without_examples(found, "code")
    rows, problems = _parsed(sources, roster_rows.subject)
    with reported():
        stub = _stub()
        begun = roster_upload.begin(stub, replace, file.name)
        refused_remotely = (
            roster_upload.upload_subjects(stub, begun.import_id, rows, chunk_size) if rows else 0
        )
        problems += roster_upload.import_errors(stub, begun.import_id, 0) if refused_remotely else []
        done = begun if replace and problems else roster_upload.commit(stub, begun.import_id)
    summary = _import_summary(done, len(found.rows)) | _examples(found, sources)
    _report(problems, found, roster_rows.SUBJECT_COLUMNS, as_json, summary)
    if problems:
        raise typer.Exit(1)


def _import_summary(done: rpb.SubjectImport, read: int) -> dict[str, Any]:
    committed = done.status == rpb.IMPORT_STATUS_COMMITTED
    return {
        "import_id": done.import_id,
        "rows_read": read,
        "status": label(rpb.ImportStatus, done.status) + ("" if committed else " (not committed)"),
        "created": done.created,
        "updated": done.updated,
        "deactivated": done.deactivated,
        "duplicates": done.duplicates,
    }


@app.command("import-status")
def import_status(
    import_id: Annotated[str, typer.Argument(help="The import.")], as_json: Json = False
) -> None:
    """Where a subject import stands: chunks and rows received, refused, merged."""
    with reported():
        found = _stub().GetSubjectImport(rpb.GetSubjectImportRequest(import_id=import_id)).subject_import
    shown(found, as_json, _show_import)


def _show_import(found: rpb.SubjectImport) -> None:
    fields(
        f"import {found.import_id}",
        [
            ("source", found.source),
            ("mode", label(rpb.ImportMode, found.mode)),
            ("status", label(rpb.ImportStatus, found.status)),
            ("chunks", found.chunks),
            ("rows received", found.rows_received),
            ("rows refused", found.rows_rejected),
            ("created", found.created),
            ("updated", found.updated),
            ("deactivated", found.deactivated),
            ("duplicates", found.duplicates),
            ("begun", moment(found.created_at)),
            ("committed", moment(found.committed_at)),
        ],
    )


@app.command("import-errors")
def import_errors(
    import_id: Annotated[str, typer.Argument(help="The import.")],
    limit: Limit = 0,
    as_json: Json = False,
) -> None:
    """Every row a subject import refused, with the field and the rule."""
    with reported():
        found = roster_upload.import_errors(_stub(), import_id, limit)
    if as_json:
        emit_json([p.__dict__ for p in found])
        return
    table(
        f"rows refused by import {import_id}",
        ["row", "field", "problem"],
        [[p.row, p.field, p.description] for p in found],
    )


@app.command("departments")
def departments(as_json: Json = False) -> None:
    """Departments and their superiors (上级执法部门)."""
    with reported():
        found = _stub().ListDepartments(rpb.ListDepartmentsRequest()).departments
    columns = [
        ("code", lambda d: d.code),
        ("name", lambda d: d.name),
        ("superior", lambda d: d.parent_code),
        ("region", lambda d: d.region_code),
    ]
    listing(found, as_json, "departments", columns)


@app.command("add-department")
def add_department(
    code: Annotated[str, typer.Argument(help="Department code, e.g. 350200-SCJ.")],
    name: Annotated[str, typer.Option(help="Its name.")],
    region: Annotated[str, typer.Option(help="6-digit region it covers.")],
    parent: Annotated[str, typer.Option(help="Its superior department's code.")] = "",
) -> None:
    """Create or update a department and its superior (admin)."""
    department = rpb.Department(code=code, name=name, parent_code=parent, region_code=region)
    with reported():
        done = _stub().PutDepartments(
            rpb.PutDepartmentsRequest(request_id=request_id(), departments=[department])
        )
    say(f"{code}: {'created' if done.created else 'updated'}")
