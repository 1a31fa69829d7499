"""`chengnuo credit feeds`: other authorities' dishonesty lists imported as dated snapshots."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

from chengnuo.common.v1 import subject_pb2
from chengnuo.credit.v1 import feeds_pb2 as pb
from chengnuo.credit.v1 import feeds_pb2_grpc
from services.cli import paging
from services.cli.connection import Connection
from services.cli.options import Json, Limit
from services.cli.output import emit_json, fail, listing, reported, say, table
from services.cli.roster_rows import SUBJECT_IDENTITY, SUBJECT_KINDS
from services.cli.tabular import Column, SourceRow, TableError, is_example, read_table
from services.cli.values import choose, day, guess_kind, label, proto_date, request_id, subject
from services.kernel import convert

app = typer.Typer(
    no_args_is_help=True,
    help="Other authorities' lists (失信被执行人, 重大税收违法失信主体, ...) as snapshots.",
)
SOURCES = {
    "court": pb.FEED_SOURCE_COURT_DISHONEST_DEBTORS,
    "tax": pb.FEED_SOURCE_TAX_MAJOR_VIOLATION,
    "market": pb.FEED_SOURCE_MARKET_SERIOUS_VIOLATION,
}
COLUMNS = (
    *SUBJECT_IDENTITY,
    Column(
        "basis", "basis", ("依据", "执行依据文号", "案号", "列入依据"), "legal basis and case number", True
    ),
    Column("listed_on", "listed_on", ("列入日期", "发布日期", "认定日期"), "YYYY-MM-DD", True),
    Column("valid_until", "valid_until", ("有效期至", "公示截止日期"), "YYYY-MM-DD (blank: until removed)"),
)
ENTRY_COLUMNS: list[tuple[str, Any]] = [
    ("entry id", lambda e: e.entry_id),
    ("source", lambda e: label(pb.FeedSource, e.source)),
    ("subject", lambda e: e.subject.code),
    ("status", lambda e: label(pb.FeedEntryStatus, e.status)),
    ("listed", lambda e: day(e.listed_on)),
    ("valid until", lambda e: day(e.valid_until)),
    ("lifted", lambda e: day(e.lifted_on)),
    ("basis", lambda e: e.basis),
]
Source = Annotated[
    str, typer.Option(help="court (失信被执行人), tax (重大税收违法失信主体) or market (严重违法失信名单).")
]
SHOWN_PROBLEMS = 50


def _stub() -> feeds_pb2_grpc.FeedServiceStub:
    return Connection.discover().stub("credit", feeds_pb2_grpc.FeedServiceStub)


def _date(text: str, row: int, field: str, problems: list[list[Any]]) -> Any:
    try:
        return convert.to_date(dt.date.fromisoformat(text.strip()))
    except ValueError:
        problems.append([row, field, f"{text!r} is not a date (YYYY-MM-DD)"])
        return None


def _row(source: SourceRow, problems: list[list[Any]]) -> pb.FeedRow:
    code = source.get("code").strip().upper()
    kind_text = source.get("kind").strip()
    kind = SUBJECT_KINDS.get(kind_text.lower()) if kind_text else guess_kind(code)
    if kind is None:
        problems.append([source.number, "subject.kind", f"{kind_text!r} is not 法人, 自然人 or 个体工商户"])
    made = pb.FeedRow(
        subject=subject_pb2.SubjectRef(kind=kind or subject_pb2.SUBJECT_KIND_UNSPECIFIED, code=code),
        basis=source.get("basis").strip(),
    )
    if listed := _date(source.get("listed_on"), source.number, "listed_on", problems):
        made.listed_on.CopyFrom(listed)
    if source.get("valid_until").strip():
        until = _date(source.get("valid_until"), source.number, "valid_until", problems)
        if until:
            made.valid_until.CopyFrom(until)
    return made


@app.command("import")
def import_snapshot(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The list, .xlsx or .csv.")],
    source: Source,
    snapshot_date: Annotated[str, typer.Option("--date", help="The date of the source's snapshot.")],
    sheet: Annotated[str, typer.Option(help="Sheet of the workbook (default the first).")] = "",
    as_json: Json = False,
) -> None:
    """Import the whole current list of one source (credit_officer): subjects in it bar the
    commitment route, subjects of the last snapshot missing from it are lifted."""
    chosen = choose(source, SOURCES, "--source")
    when = proto_date(snapshot_date, "--date")
    try:
        found = read_table(file, COLUMNS, sheet)
    except TableError as error:
        fail(str(error))
    problems: list[list[Any]] = []
    sources = [r for r in found.rows if not is_example(r, "code")]
    rows = [_row(r, problems) for r in sources]
    if problems:  # a snapshot is whole: a row left out would lift its subject
        table("rows refused, nothing sent", ["row", "field", "problem"], problems[:SHOWN_PROBLEMS])
        raise typer.Exit(1)
    request = pb.ImportFeedSnapshotRequest(
        request_id=request_id(), source=chosen, snapshot_date=when, rows=rows
    )
    with reported():
        done = _stub().ImportFeedSnapshot(request)
    summary = {"rows_read": len(sources), "added": done.added, "kept": done.kept, "lifted": done.lifted}
    if as_json:
        emit_json(summary)
        return
    say(", ".join(f"{k.replace('_', ' ')} {v}" for k, v in summary.items()))


@app.command("list")
def list_entries(source: Source, limit: Limit = 0, as_json: Json = False) -> None:
    """The entries of one source imported for your region, newest listing first."""
    request = pb.ListFeedEntriesRequest(source=choose(source, SOURCES, "--source"))
    with reported():
        found = paging.pages(_stub().ListFeedEntries, request, "entries", limit)
    listing(found, as_json, f"{source} list entries", ENTRY_COLUMNS)


@app.command("show")
def show(
    code: Annotated[str, typer.Argument(help="The subject's USCC or resident ID.")],
    kind: Annotated[str, typer.Option(help="auto (from the code), legal, person or individual.")] = "auto",
    as_json: Json = False,
) -> None:
    """One subject's entries on every source, in force or lifted."""
    found: list[pb.FeedEntry] = []
    with reported():
        for chosen in SOURCES.values():
            request = pb.ListFeedEntriesRequest(source=chosen, subject=subject(code, kind))
            found += paging.pages(_stub().ListFeedEntries, request, "entries", 0)
    listing(found, as_json, f"list entries of {code}", ENTRY_COLUMNS)
