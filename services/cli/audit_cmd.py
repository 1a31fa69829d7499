"""`chengnuo audit`: verify the hash chains and search the trail (执法全过程记录)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from chengnuo.common.v1 import audit_pb2, audit_pb2_grpc
from services.cli.connection import Connection
from services.cli.options import Json
from services.cli.output import as_dict, emit_json, fail, reported, table
from services.kernel import convert
from services.kernel.clock import CHINA
from services.kernel.config import SERVICES

app = typer.Typer(no_args_is_help=True, help="The audit trail of every service (auditor role).")


@app.command("verify")
def verify(as_json: Json = False) -> None:
    """Walk every service's chain and check it against its signed checkpoints; exit 1 and name
    the first broken link if any."""
    conn = Connection.discover()
    results = {}
    with reported():
        for service in SERVICES:
            stub = conn.stub(service, audit_pb2_grpc.AuditServiceStub)
            results[service] = stub.VerifyChain(audit_pb2.VerifyChainRequest())
    if as_json:
        emit_json({s: as_dict(r) for s, r in results.items()})
    else:
        rows = [
            [
                s,
                "intact" if r.intact else f"BROKEN at {r.first_broken_seq}: {r.problem}",
                r.rows_checked,
                r.head_seq,
                _checkpoint(r),
            ]
            for s, r in results.items()
        ]
        table("audit chains", ["service", "state", "rows checked", "head", "last checkpoint"], rows)
    if not all(r.intact for r in results.values()):
        raise typer.Exit(1)


def _checkpoint(result: audit_pb2.VerifyChainResponse) -> str:
    if not result.checkpoints_checked:
        return "none yet"
    when = result.checkpoint_at.ToDatetime(dt.UTC).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    return f"{result.checkpoint_seq} at {when} ({result.checkpoints_checked} checked)"


def _stamp(value: str, option: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        fail(f"{option}: {value!r} is not a date or time (ISO 8601)")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=CHINA)


@app.command("show")
def show(
    subject: Annotated[str, typer.Option(help="Subject code (USCC or resident ID).")] = "",
    actor: Annotated[str, typer.Option(help="Who acted.")] = "",
    action: Annotated[str, typer.Option(help="Action, or a prefix ending in '.', e.g. share.")] = "",
    since: Annotated[str, typer.Option(help="From this date/time (ISO 8601, China time).")] = "",
    until: Annotated[str, typer.Option(help="Before this date/time.")] = "",
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Rows per service.")] = 100,
    as_json: Json = False,
) -> None:
    """Audit rows of all services, newest first: who did or saw what, when, why."""
    request = audit_pb2.ListAuditRowsRequest(
        subject_code=subject, actor=actor, action=action, page_size=limit
    )
    for field, value, option in (("since", since, "--since"), ("until", until, "--until")):
        stamp = _stamp(value, option)
        if stamp:
            getattr(request, field).CopyFrom(convert.to_timestamp(stamp))
    conn = Connection.discover()
    found: list[audit_pb2.AuditRow] = []
    with reported():
        for service in SERVICES:
            found += conn.stub(service, audit_pb2_grpc.AuditServiceStub).ListAuditRows(request).rows
    found.sort(key=lambda r: r.at.ToDatetime(), reverse=True)
    if as_json:
        emit_json([as_dict(r) for r in found])
        return
    table("audit trail (China time)", ["when", "who", "did", "about", "why"], [_row(r) for r in found])


def _row(row: audit_pb2.AuditRow) -> list[str]:
    """Five short columns, so a trail stays readable in an 80-column terminal."""
    when = row.at.ToDatetime(dt.UTC).astimezone(CHINA).strftime("%Y-%m-%d\n%H:%M:%S")
    who = f"{row.actor}\n{row.department}" if row.department else row.actor
    did = f"{row.action}\n{row.service}"
    about = "\n".join(x for x in (row.subject_code, row.target) if x)
    why = " ".join(x for x in (row.purpose, row.outcome) if x)
    return [when, who, did, about, why]
